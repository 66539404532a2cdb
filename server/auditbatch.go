package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Audit records are written in groups: each Audit call queues its record
// and waits while one writer goroutine inserts everything queued so far in
// one transaction. Under load many answers share a commit instead of each
// taking the app database's write lock in turn (and sleeping in SQLite's
// busy handler while another holds it); a caller still learns whether its
// own record was kept, so an audit failure stays visible as an error and
// nothing is lost silently.

// auditBatchMax bounds one transaction.
const auditBatchMax = 256

type auditReq struct {
	r    AuditRecord
	done chan error
}

// errAppClosed: a record offered after Close.
var errAppClosed = errors.New("app database closed")

// Audit writes one record, even when the request's context has ended, and
// returns once it is committed (or has failed).
func (a *AppDB) Audit(ctx context.Context, r AuditRecord) error {
	req := auditReq{r: r, done: make(chan error, 1)}
	a.auditMu.RLock()
	if a.auditClosed {
		a.auditMu.RUnlock()
		return fmt.Errorf("write audit record: %w", errAppClosed)
	}
	a.audits <- req
	a.auditMu.RUnlock()
	return <-req.done
}

// writeAudits is the one writer: it takes what is queued, up to
// auditBatchMax records, and commits them together, until the queue is
// closed and drained.
func (a *AppDB) writeAudits() {
	defer close(a.auditDone)
	for first := range a.audits {
		batch := []auditReq{first}
	fill:
		for len(batch) < auditBatchMax {
			select {
			case req, ok := <-a.audits:
				if !ok {
					break fill
				}
				batch = append(batch, req)
			default:
				break fill
			}
		}
		err := a.insertAudits(batch)
		for _, req := range batch {
			req.done <- err
		}
	}
}

func (a *AppDB) insertAudits(batch []auditReq) error {
	ctx := context.Background()
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("write audit record: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO audit(at, api_key, question, planner, status, sql_text, row_count, total, duration_ms, error,
			answer_id, conversation_id, unknown, channel, plan_json, message)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("write audit record: %w", err)
	}
	defer stmt.Close()
	for _, req := range batch {
		r := req.r
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
		if _, err := stmt.ExecContext(ctx, r.At.UTC().Format(time.RFC3339Nano), r.Key, r.Question, r.Planner, r.Status, r.SQL, r.Rows, r.Total,
			float64(r.Duration.Microseconds())/1000, r.Error, nullable(r.AnswerID), nullable(r.ConversationID), unknown, nullable(r.Channel),
			plan, nullable(r.Message)); err != nil {
			return fmt.Errorf("write audit record: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("write audit record: %w", err)
	}
	return nil
}

// closeAudits stops taking records and waits until the queued ones are
// written.
func (a *AppDB) closeAudits() {
	a.auditMu.Lock()
	if !a.auditClosed {
		a.auditClosed = true
		close(a.audits)
	}
	a.auditMu.Unlock()
	<-a.auditDone
}
