package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The app database's writes per answer — the conversation, the answer's
// plan, the audit record — go through one writer goroutine that commits
// whatever is queued in one transaction. Under load many answers share a
// commit instead of each taking SQLite's write lock in turn (and sleeping
// in its busy handler while another holds it). Each write runs in its own
// savepoint, so a failing write fails only its caller, and every caller
// waits until its write is committed: an audit failure stays visible as an
// error, and nothing is lost silently.

// groupMax bounds one transaction.
const groupMax = 256

type writeReq struct {
	op   func(tx *sql.Tx) error
	done chan error
}

// errAppClosed: a write offered after Close.
var errAppClosed = errors.New("app database closed")

// commit queues op and returns once it is committed (or has failed).
func (a *AppDB) commit(op func(tx *sql.Tx) error) error {
	req := writeReq{op: op, done: make(chan error, 1)}
	a.writeMu.RLock()
	if a.writeClosed {
		a.writeMu.RUnlock()
		return errAppClosed
	}
	a.writes <- req
	a.writeMu.RUnlock()
	return <-req.done
}

// writer is the one writer: it takes what is queued, up to groupMax writes,
// and commits them together, until the queue is closed and drained.
func (a *AppDB) writer() {
	defer close(a.writerDone)
	for first := range a.writes {
		batch := []writeReq{first}
	fill:
		for len(batch) < groupMax {
			select {
			case req, ok := <-a.writes:
				if !ok {
					break fill
				}
				batch = append(batch, req)
			default:
				break fill
			}
		}
		errs, err := a.runGroup(batch)
		for i, req := range batch {
			if err != nil {
				req.done <- err
			} else {
				req.done <- errs[i]
			}
		}
	}
}

// runGroup runs each write in its own savepoint of one transaction; err is
// the transaction's own failure (then no write was kept).
func (a *AppDB) runGroup(batch []writeReq) (errs []error, err error) {
	ctx := context.Background()
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	errs = make([]error, len(batch))
	for i, req := range batch {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT w`); err != nil {
			return nil, err
		}
		if errs[i] = req.op(tx); errs[i] != nil {
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO w`); err != nil {
				return nil, err
			}
		}
		if _, err := tx.ExecContext(ctx, `RELEASE w`); err != nil {
			return nil, err
		}
	}
	return errs, tx.Commit()
}

// closeWrites stops taking writes and waits until the queued ones are done.
func (a *AppDB) closeWrites() {
	a.writeMu.Lock()
	if !a.writeClosed {
		a.writeClosed = true
		close(a.writes)
	}
	a.writeMu.Unlock()
	<-a.writerDone
}

// Audit writes one record, even when the request's context has ended, and
// returns once it is committed (or has failed).
func (a *AppDB) Audit(ctx context.Context, r AuditRecord) error {
	var unknown any
	if len(r.Unknown) > 0 {
		b, _ := json.Marshal(r.Unknown)
		unknown = string(b)
	}
	var plan any
	if r.Plan != nil {
		b, _ := json.Marshal(r.Plan)
		plan = string(b)
	}
	err := a.commit(func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO audit(at, api_key, question, planner, status, sql_text, row_count, total, duration_ms, error,
			answer_id, conversation_id, unknown, channel, plan_json, message)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.At.UTC().Format(time.RFC3339Nano), r.Key, r.Question, r.Planner, r.Status, r.SQL, r.Rows, r.Total,
			float64(r.Duration.Microseconds())/1000, r.Error, nullable(r.AnswerID), nullable(r.ConversationID), unknown, nullable(r.Channel),
			plan, nullable(r.Message))
		return err
	})
	if err != nil {
		return fmt.Errorf("write audit record: %w", err)
	}
	return nil
}
