package server

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Many answers at once share commits, and every write is kept: each caller
// returns only after its own write is committed.
func TestAuditGroupCommitKeepsEveryRecord(t *testing.T) {
	app, err := OpenAppDB(filepath.Join(t.TempDir(), "app.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	const writers, each = 64, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				err := app.Audit(context.Background(), AuditRecord{At: time.Now(), Question: fmt.Sprintf("q-%d-%d", w, i), Status: "ok"})
				if err != nil {
					errs <- err
					continue
				}
				// Committed before Audit returned: visible to another connection now.
				var n int
				app.DB().QueryRow(`SELECT count(*) FROM audit WHERE question = ?`, fmt.Sprintf("q-%d-%d", w, i)).Scan(&n)
				if n != 1 {
					errs <- fmt.Errorf("q-%d-%d: %d rows after Audit returned", w, i, n)
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var n int
	app.DB().QueryRow(`SELECT count(DISTINCT question) FROM audit`).Scan(&n)
	if n != writers*each {
		t.Errorf("%d records kept, want %d", n, writers*each)
	}
}

// A record that cannot be written is an error for its caller — and for the
// question it audits (the answer is refused, not served unaudited) — and a
// record offered after Close is refused without hanging.
func TestAuditFailureIsVisible(t *testing.T) {
	s, _, app := keyedServer(t, Config{Keys: []string{"k"}})
	addr := serveReal(t, s)
	if code, body := askOnce(t, addr, "k", "重要价值客户的数量是多少", 5*time.Second); code != 200 {
		t.Fatalf("before: %d %s", code, body)
	}
	if _, err := app.DB().Exec(`ALTER TABLE audit RENAME TO audit_gone`); err != nil {
		t.Fatal(err)
	}
	if err := app.Audit(context.Background(), AuditRecord{At: time.Now(), Question: "x"}); err == nil {
		t.Error("an audit record without a table was reported kept")
	}
	code, body := askOnce(t, addr, "k", "近3个月买过口红的客户有多少", 5*time.Second)
	if code != 503 || !strings.Contains(body, "审计") {
		t.Errorf("unaudited answer: %d %s", code, body)
	}
	if _, err := app.DB().Exec(`ALTER TABLE audit_gone RENAME TO audit`); err != nil {
		t.Fatal(err)
	}
	if code, body := askOnce(t, addr, "k", "近3个月买过口红的客户有多少", 5*time.Second); code != 200 {
		t.Errorf("after repair: %d %s", code, body)
	}

	other, err := OpenAppDB(filepath.Join(t.TempDir(), "other.db"))
	if err != nil {
		t.Fatal(err)
	}
	other.Close()
	done := make(chan error, 1)
	go func() { done <- other.Audit(context.Background(), AuditRecord{At: time.Now(), Question: "late"}) }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("an audit after Close was reported kept")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("an audit after Close hung")
	}
}

// In one group, a write that fails is rolled back to its savepoint and
// reported to its caller alone; the others are committed.
func TestGroupCommitIsolatesAFailedWrite(t *testing.T) {
	app, err := OpenAppDB(filepath.Join(t.TempDir(), "app.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	put := func(id string) writeReq {
		return writeReq{op: func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO answers(id, owner, plan_json, created_at) VALUES(?, 'o', '{}', 'now')`, id)
			return err
		}}
	}
	half := writeReq{op: func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO answers(id, owner, plan_json, created_at) VALUES('half', 'o', '{}', 'now')`); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO no_such_table VALUES(1)`)
		return err
	}}
	errs, err := app.runGroup([]writeReq{put("a"), half, put("b")})
	if err != nil || errs[0] != nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("errs %v, %v", errs, err)
	}
	var ids string
	app.DB().QueryRow(`SELECT group_concat(id) FROM (SELECT id FROM answers ORDER BY id)`).Scan(&ids)
	if ids != "a,b" {
		t.Errorf("kept %q, want a,b (the failed write's first insert rolled back)", ids)
	}
}
