package server

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/chatbi/chatbi/nlq"
)

// AppDB is the service's own small read-write database, beside (never
// inside) the read-only warehouse: conversations for follow-ups and the
// audit log of every question.
type AppDB struct {
	db *sql.DB
}

const appDDL = `
CREATE TABLE IF NOT EXISTS conversations (
  id         TEXT PRIMARY KEY,
  plan_json  TEXT,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
  id          INTEGER PRIMARY KEY,
  at          TEXT NOT NULL,
  api_key     TEXT,
  question    TEXT NOT NULL,
  planner     TEXT,
  status      TEXT NOT NULL,
  sql_text    TEXT,
  row_count   INTEGER,
  total       INTEGER,
  duration_ms REAL,
  error       TEXT
);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
CREATE TABLE IF NOT EXISTS answers (
  id         TEXT PRIMARY KEY,
  plan_json  TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`

// OpenAppDB opens (creating if needed) the application database and
// forgets conversations idle for more than a week.
func OpenAppDB(path string) (*AppDB, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=5000")
	if err != nil {
		return nil, fmt.Errorf("open app db %s: %w", path, err)
	}
	db.SetMaxOpenConns(1) // one writer; SQLite serializes writes anyway
	if _, err := db.Exec(appDDL); err != nil {
		db.Close()
		return nil, fmt.Errorf("open app db %s: %w", path, err)
	}
	cutoff := time.Now().UTC().Add(-7 * 24 * time.Hour).Format(time.RFC3339)
	if _, err := db.Exec(`DELETE FROM conversations WHERE updated_at < ?`, cutoff); err != nil {
		db.Close()
		return nil, fmt.Errorf("open app db %s: %w", path, err)
	}
	if _, err := db.Exec(`DELETE FROM answers WHERE created_at < ?`, cutoff); err != nil {
		db.Close()
		return nil, fmt.Errorf("open app db %s: %w", path, err)
	}
	return &AppDB{db: db}, nil
}

// Close closes the database.
func (a *AppDB) Close() error { return a.db.Close() }

// Get returns a conversation's last plan (nil before its first answer).
func (a *AppDB) Get(id string) (*nlq.Plan, bool) {
	var pj sql.NullString
	if err := a.db.QueryRow(`SELECT plan_json FROM conversations WHERE id = ?`, id).Scan(&pj); err != nil {
		return nil, false
	}
	if !pj.Valid {
		return nil, true
	}
	p := &nlq.Plan{}
	if err := json.Unmarshal([]byte(pj.String), p); err != nil {
		return nil, false
	}
	return p, true
}

// Put stores a conversation's last plan.
func (a *AppDB) Put(id string, p *nlq.Plan) {
	var pj any
	if p != nil {
		b, _ := json.Marshal(p)
		pj = string(b)
	}
	a.db.Exec(`INSERT INTO conversations(id, plan_json, updated_at) VALUES(?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET plan_json = excluded.plan_json, updated_at = excluded.updated_at`,
		id, pj, time.Now().UTC().Format(time.RFC3339))
}

// AuditRecord is one question as the audit log keeps it.
type AuditRecord struct {
	At       time.Time
	Key      string // the caller's key, as a fingerprint (never the key itself)
	Question string
	Planner  string
	Status   string // ok, clarify or an error code
	SQL      string
	Rows     int
	Total    int
	Duration time.Duration
	Error    string
}

// Auditor records questions.
type Auditor interface {
	Audit(ctx context.Context, r AuditRecord)
}

// Audit writes one record; a failure to audit is logged by the caller's
// logger, never shown to the asker.
func (a *AppDB) Audit(ctx context.Context, r AuditRecord) {
	a.db.ExecContext(context.WithoutCancel(ctx), `INSERT INTO audit(at, api_key, question, planner, status, sql_text, row_count, total, duration_ms, error)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.At.UTC().Format(time.RFC3339Nano), r.Key, r.Question, r.Planner, r.Status, r.SQL, r.Rows, r.Total,
		float64(r.Duration.Microseconds())/1000, r.Error)
}

// Fingerprint identifies an API key in logs without revealing it.
func Fingerprint(key string) string {
	if key == "" {
		return ""
	}
	h := sha256.Sum256([]byte(key))
	return "key-" + hex.EncodeToString(h[:4])
}

// DB exposes the database (tests read the audit log).
func (a *AppDB) DB() *sql.DB { return a.db }
