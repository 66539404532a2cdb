package server

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chatbi/chatbi/nlq"
)

// AppDB is the service's own small read-write database, beside (never
// inside) the read-only warehouse: conversations for follow-ups, answers
// for pages and exports, and the audit log of every question. It is in WAL
// mode (it is never swapped like the warehouse) with a pool of connections
// and a short busy timeout: a write that cannot get the lock in time fails
// the request with 503 rather than stalling it or dropping the write.
type AppDB struct {
	db     *sql.DB
	keep   AppRetention
	stopGC chan struct{}

	// The group-commit writer (groupcommit.go).
	writes      chan writeReq
	writerDone  chan struct{}
	writeMu     sync.RWMutex
	writeClosed bool
}

// AppRetention says how long the app database keeps what it stores.
type AppRetention struct {
	Conversations time.Duration // idle conversations; default 7 days
	Answers       time.Duration // answers (pages, export links); default 7 days
	Audit         time.Duration // audit records; default 180 days
}

// DefaultAppRetention: a week of conversations and answers, half a year
// of audit.
var DefaultAppRetention = AppRetention{Conversations: 7 * 24 * time.Hour, Answers: 7 * 24 * time.Hour, Audit: 180 * 24 * time.Hour}

func (r AppRetention) withDefaults() AppRetention {
	d := DefaultAppRetention
	for _, f := range []struct{ v, def *time.Duration }{{&r.Conversations, &d.Conversations}, {&r.Answers, &d.Answers}, {&r.Audit, &d.Audit}} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	return r
}

// appBusyTimeout bounds a wait for the app database's write lock.
const appBusyTimeout = 2 * time.Second

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
-- Feedback on an answer (one per answer: the latest rating stands).
CREATE TABLE IF NOT EXISTS feedback (
  answer_id TEXT PRIMARY KEY,
  owner     TEXT NOT NULL,
  rating    TEXT NOT NULL,
  comment   TEXT NOT NULL DEFAULT '',
  at        TEXT NOT NULL
);
-- What admins taught the parser (server/teach.go): never deleted, undone
-- by marking, so every change has who and when.
CREATE TABLE IF NOT EXISTS teachings (
  id         INTEGER PRIMARY KEY,
  word       TEXT NOT NULL,
  kind       TEXT NOT NULL,
  target     TEXT NOT NULL DEFAULT '',
  taught_by  TEXT NOT NULL,
  taught_at  TEXT NOT NULL,
  undone_by  TEXT,
  undone_at  TEXT
);
-- Saved lists (保存为人群), each user's own, by customer_id.
CREATE TABLE IF NOT EXISTS cohorts (
  owner     TEXT NOT NULL,
  name      TEXT NOT NULL,
  ids_json  TEXT NOT NULL,
  size      INTEGER NOT NULL,
  answer_id TEXT,
  saved_at  TEXT NOT NULL,
  PRIMARY KEY (owner, name)
);
-- Questions an admin verified, with the plan they must keep reading as.
CREATE TABLE IF NOT EXISTS examples (
  question   TEXT PRIMARY KEY,
  plan_json  TEXT NOT NULL,
  saved_by   TEXT NOT NULL,
  saved_at   TEXT NOT NULL
);
`

// Columns added since the first release (a missing one is added at open).
var appAddedColumns = []string{
	`ALTER TABLE conversations ADD COLUMN owner TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE answers ADD COLUMN owner TEXT NOT NULL DEFAULT ''`,
	// The audit names each answer, its conversation, the spans not
	// understood and the channel: the correction queue, the usage console
	// and each user's history are read from it.
	`ALTER TABLE audit ADD COLUMN answer_id TEXT`,
	`ALTER TABLE audit ADD COLUMN conversation_id TEXT`,
	`ALTER TABLE audit ADD COLUMN unknown TEXT`,
	`ALTER TABLE audit ADD COLUMN channel TEXT`,
	`ALTER TABLE audit ADD COLUMN plan_json TEXT`, // the answer's plan (feedback and the queue show it)
	`ALTER TABLE audit ADD COLUMN message TEXT`,   // a clarify's message
	`CREATE INDEX IF NOT EXISTS audit_answer ON audit(answer_id)`,
	`CREATE INDEX IF NOT EXISTS audit_conversation ON audit(conversation_id, at)`,
}

// OpenAppDB opens (creating if needed) the application database with the
// default retention.
func OpenAppDB(path string) (*AppDB, error) { return OpenAppDBWith(path, AppRetention{}) }

// OpenAppDBWith opens the application database and drops what keep no
// longer keeps, now and every hour until Close.
func OpenAppDBWith(path string, keep AppRetention) (*AppDB, error) {
	dsn := fmt.Sprintf("file:%s?_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=%d&_txlock=immediate",
		path, appBusyTimeout.Milliseconds())
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open app db %s: %w", path, err)
	}
	db.SetMaxOpenConns(8) // WAL: readers in parallel, writers one at a time
	db.SetMaxIdleConns(8)
	if _, err := db.Exec(appDDL); err != nil {
		db.Close()
		return nil, fmt.Errorf("open app db %s: %w", path, err)
	}
	for _, stmt := range appAddedColumns {
		if _, err := db.Exec(stmt); err != nil && !strings.Contains(err.Error(), "duplicate column") {
			db.Close()
			return nil, fmt.Errorf("open app db %s: %w", path, err)
		}
	}
	a := &AppDB{db: db, keep: keep.withDefaults(), stopGC: make(chan struct{}),
		writes: make(chan writeReq, groupMax), writerDone: make(chan struct{})}
	if err := a.Prune(time.Now()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open app db %s: %w", path, err)
	}
	go a.pruneHourly()
	go a.writer()
	return a, nil
}

// Prune drops conversations, answers and audit records older than the
// retention, as of now.
func (a *AppDB) Prune(now time.Time) error {
	for _, p := range []struct {
		stmt string
		keep time.Duration
	}{
		{`DELETE FROM conversations WHERE updated_at < ?`, a.keep.Conversations},
		{`DELETE FROM answers WHERE created_at < ?`, a.keep.Answers},
		{`DELETE FROM audit WHERE at < ?`, a.keep.Audit},
	} {
		cutoff := now.UTC().Add(-p.keep).Format(time.RFC3339Nano)
		if _, err := a.db.Exec(p.stmt, cutoff); err != nil {
			return fmt.Errorf("prune: %w", err)
		}
	}
	return nil
}

func (a *AppDB) pruneHourly() {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-a.stopGC:
			return
		case now := <-t.C:
			a.Prune(now) // a busy database is pruned the next hour
		}
	}
}

// Close closes the database.
func (a *AppDB) Close() error {
	close(a.stopGC)
	a.closeWrites()
	return a.db.Close()
}

// Get returns a conversation.
func (a *AppDB) Get(id string) (Entry, error) {
	return a.get(`SELECT owner, plan_json FROM conversations WHERE id = ?`, id)
}

// GetAnswer returns an answer.
func (a *AppDB) GetAnswer(id string) (Entry, error) {
	return a.get(`SELECT owner, plan_json FROM answers WHERE id = ?`, id)
}

func (a *AppDB) get(query, id string) (Entry, error) {
	var e Entry
	var pj sql.NullString
	err := a.db.QueryRow(query, id).Scan(&e.Owner, &pj)
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrNoEntry
	}
	if err != nil {
		return e, fmt.Errorf("read app db: %w", err)
	}
	if pj.Valid {
		e.Plan = &nlq.Plan{}
		if err := json.Unmarshal([]byte(pj.String), e.Plan); err != nil {
			return e, fmt.Errorf("read stored plan %s: %w", id, err)
		}
	}
	return e, nil
}

// Put stores a conversation's last plan.
func (a *AppDB) Put(id string, e Entry) error {
	var pj any
	if e.Plan != nil {
		b, _ := json.Marshal(e.Plan)
		pj = string(b)
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	err := a.commit(func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO conversations(id, owner, plan_json, updated_at) VALUES(?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET plan_json = excluded.plan_json, updated_at = excluded.updated_at`, id, e.Owner, pj, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("store conversation: %w", err)
	}
	return nil
}

// PutAnswer stores an answer's plan for its pages and export links.
func (a *AppDB) PutAnswer(id string, e Entry) error {
	b, _ := json.Marshal(e.Plan)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	err := a.commit(func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT OR REPLACE INTO answers(id, owner, plan_json, created_at) VALUES(?, ?, ?, ?)`, id, e.Owner, string(b), now)
		return err
	})
	if err != nil {
		return fmt.Errorf("store answer: %w", err)
	}
	return nil
}

// AuditRecord is one question as the audit log keeps it.
type AuditRecord struct {
	At       time.Time
	Key      string // the caller's principal; an API key only as a fingerprint
	Question string
	Planner  string
	Status   string // ok, clarify, canceled or an error code
	SQL      string
	Rows     int
	Total    int
	Duration time.Duration
	Error    string

	AnswerID       string
	ConversationID string
	Unknown        []string // for a clarify: the spans not understood
	Channel        string   // page, api, slack, wecom, cli
	Plan           *nlq.Plan
	Message        string // a clarify's message
}

// Auditor records questions. An error means the record was not kept.
type Auditor interface {
	Audit(ctx context.Context, r AuditRecord) error
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
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
