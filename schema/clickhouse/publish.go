package clickhouse

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// publish puts the loaded data tables and meta in place on every
// destination. A RENAME puts each <table>_loading in place (the live one
// becomes <table>_old in the same statement, dropped at the end), so a
// question never finds a table missing. The tables are renamed one after
// the other, node after node, so the live meta gets publishing rows first
// (a lease, then renaming), the new meta carries this copy's mark, and
// meta is renamed last: a service that checks State before and after a
// statement knows whether it read one copy throughout.
func publish(ctx context.Context, dsts []*sql.DB, data []string) (err error) {
	const meta = "meta"
	mark := fmt.Sprintf("%d-%016x", time.Now().UnixNano(), rand.Uint64())
	live := make([]map[string]bool, len(dsts))
	for i, dst := range dsts {
		if _, err := dst.ExecContext(ctx, "INSERT INTO meta_loading (`key`, `value`) SELECT ?, ?", PublishedKey, mark); err != nil {
			return fmt.Errorf("mark the copy: %w", err)
		}
		if live[i], err = existing(ctx, dst, append(data, meta)); err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		for t := range live[i] {
			if _, err := dst.ExecContext(ctx, "DROP TABLE IF EXISTS "+t+"_old"); err != nil {
				return fmt.Errorf("publish %s: %w", t, err)
			}
		}
	}
	replacing := false
	for i := range dsts {
		replacing = replacing || live[i][meta]
	}
	if replacing {
		// Services start no statement while the lease holds; it is renewed
		// while the copy drains, so a copy killed here stops holding them
		// off within publishLease. Then the renaming row: from the first
		// RENAME until meta's, the tables may be mixed, and a copy killed
		// in that span leaves services refusing until a copy completes.
		lease := func() error {
			for i, dst := range dsts {
				if live[i][meta] {
					if _, err := dst.ExecContext(ctx, "INSERT INTO meta (`key`, `value`) SELECT ?, toString(toUnixTimestamp(now()) + ?)", PublishingKey, publishLease); err != nil {
						return fmt.Errorf("mark the copy: %w", err)
					}
				}
			}
			return nil
		}
		if err := lease(); err != nil {
			return err
		}
		if err := drain(ctx, dsts, time.Now(), lease); err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		for i, dst := range dsts {
			if live[i][meta] {
				if _, err := dst.ExecContext(ctx, "INSERT INTO meta (`key`, `value`) SELECT ?, ?", RenamingKey, mark); err != nil {
					return fmt.Errorf("mark the copy: %w", err)
				}
			}
		}
	}
	// Every node's data tables, then every node's meta: on a cluster a
	// node's new mark appears only once all shards serve the new rows.
	// One RENAME per table: a RENAME of several tables locks them one by
	// one, and a question holding one while waiting for another deadlocks
	// with it (seen on 18.16).
	for _, tables := range [][]string{data, {meta}} {
		for i, dst := range dsts {
			for _, t := range tables {
				rename := t + "_loading TO " + t
				if live[i][t] {
					rename = t + " TO " + t + "_old, " + rename
				}
				if _, err := dst.ExecContext(ctx, "RENAME TABLE "+rename); err != nil {
					return fmt.Errorf("publish %s: %w", t, err)
				}
			}
		}
	}
	for i, dst := range dsts {
		for t := range live[i] {
			if _, err := dst.ExecContext(ctx, "DROP TABLE "+t+"_old"); err != nil {
				return fmt.Errorf("publish: drop the old %s: %w", t, err)
			}
		}
	}
	return nil
}

// Draining before the renames: a RENAME waits for the queries reading its
// table, and on servers before 20.x (Ordinary databases) a query that
// reads the table a second time — an IN subquery, a join — then waits for
// the RENAME: both hang (seen on 18.16). So once the publishing row is in,
// services start no statement (they check State first), and the copy
// waits for the statements already under way to end: drainGrace covers a
// statement checked just before the row went in and started just after;
// drainMax bounds the wait for somebody else's long query.
const (
	drainGrace   = time.Second
	drainMax     = 2 * time.Minute
	publishLease = 3 // seconds a publishing row holds services off
)

// drain waits until no query that started before marked+drainGrace is
// running on any of dsts (or drainMax has passed: the renames then go
// ahead and may wait for that query), renewing the lease every second.
func drain(ctx context.Context, dsts []*sql.DB, marked time.Time, lease func() error) error {
	since := marked.Add(drainGrace)
	if err := sleep(ctx, time.Until(since)); err != nil {
		return err
	}
	renewed := time.Now()
	for deadline := since.Add(drainMax); time.Now().Before(deadline); {
		if time.Since(renewed) >= time.Second {
			if err := lease(); err != nil {
				return err
			}
			renewed = time.Now()
		}
		running := 0
		for _, dst := range dsts {
			var n uint64
			if err := dst.QueryRowContext(ctx, "SELECT count() FROM system.processes WHERE elapsed >= ?", time.Since(since).Seconds()).Scan(&n); err != nil {
				return fmt.Errorf("wait for running queries: %w", err)
			}
			running += int(n)
		}
		if running == 0 {
			return nil
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// existing returns which of tables exist on dst.
func existing(ctx context.Context, dst *sql.DB, tables []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, t := range tables {
		var n uint8
		if err := dst.QueryRowContext(ctx, "EXISTS TABLE "+t).Scan(&n); err != nil {
			return nil, err
		}
		if n == 1 {
			out[t] = true
		}
	}
	return out, nil
}

// The meta rows of publication. PublishedKey names a copy, a new value
// each time one is published. While a copy replaces the live one, the
// live meta gets PublishingKey rows — leases, each the server time (unix
// seconds) until which services start no statement — and then, from the
// first RENAME on, a RenamingKey row: the tables may be mixed until the
// new meta (which has neither) is in place.
const (
	PublishedKey  = "published"
	PublishingKey = "publishing"
	RenamingKey   = "renaming"
)

// State returns the mark of the copy db serves ("" before the first copy
// with marks) and whether a new copy is being published over it: a lease
// that still holds by the server's clock, or renaming.
func State(ctx context.Context, db *sql.DB) (mark string, publishing bool, err error) {
	rows, err := db.QueryContext(ctx, "SELECT `key`, value, toString(toUnixTimestamp(now())) FROM meta WHERE `key` IN (?, ?, ?)",
		PublishedKey, PublishingKey, RenamingKey)
	if err != nil {
		return "", false, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, v, now string
		if err := rows.Scan(&k, &v, &now); err != nil {
			return "", false, err
		}
		switch k {
		case PublishedKey:
			mark = v
		case RenamingKey:
			publishing = true
		case PublishingKey:
			until, err1 := strconv.ParseInt(v, 10, 64)
			at, err2 := strconv.ParseInt(now, 10, 64)
			publishing = publishing || err1 != nil || err2 != nil || at < until
		}
	}
	return mark, publishing, rows.Err()
}
