package executor

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chatbi/chatbi/schema/schematest"
)

// warehouse is the public data set's warehouse, shared by the tests.
func warehouse(tb testing.TB) string { return schematest.PublicWarehouse(tb) }

func sum(tb testing.TB, path string) [32]byte {
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	io.Copy(h, f)
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func mustOpen(tb testing.TB, opt Options) *Executor {
	tb.Helper()
	x, err := Open(warehouse(tb), opt)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { x.Close() })
	return x
}

// hostile are statements that must never run.
var hostile = []string{
	`DELETE FROM customers`,
	`UPDATE customers SET name = 'x'`,
	`INSERT INTO meta(key, value) VALUES ('a', 'b')`,
	`DROP TABLE customers`,
	`CREATE TABLE t(x)`,
	`CREATE TEMP TABLE t(x)`,
	`ATTACH DATABASE '/tmp/evil.db' AS evil`,
	`PRAGMA writable_schema = 1`,
	`PRAGMA query_only = 0`,
	`PRAGMA journal_mode`,
	`SELECT load_extension('/tmp/evil.so')`,
	`SELECT * FROM sqlite_master`,
	`SELECT writefile('/tmp/x', 'y')`,
	`SELECT randomblob(1000000000)`,
	`BEGIN IMMEDIATE`,
	`VACUUM INTO '/tmp/copy.db'`,
	`WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r`,
	`REPLACE INTO meta(key, value) VALUES ('as_of', '1999-01-01')`,
	`SELECT * FROM customers; DELETE FROM customers`,
}

func TestGuardDeniesEverythingButReads(t *testing.T) {
	x := mustOpen(t, Options{Timeout: time.Second})
	before := sum(t, warehouse(t))
	for _, s := range hostile {
		if _, err := x.Run(context.Background(), Statement{SQL: s}); err == nil {
			t.Errorf("ran: %s", s)
		}
	}
	if sum(t, warehouse(t)) != before {
		t.Fatal("the warehouse changed")
	}
	var n int64
	res, err := x.Run(context.Background(), Statement{SQL: `SELECT count(*) FROM customers c JOIN customer_measures m ON m.customer_key = c.id WHERE m.rfm_class = ?`, Args: []any{"重要价值客户"}})
	if err != nil {
		t.Fatal(err)
	}
	n = res.Rows[0][0].(int64)
	if n != 281 {
		t.Fatalf("count %d, want 281", n)
	}
	// The customer-set functions and json_each are reads too: the same
	// count from the snapshot's set, and its members as rows.
	const seg = `(SELECT cs.customers FROM customer_sets cs WHERE cs.as_of = '2026-11-22' AND cs.attr = 'rfm_class' AND cs.value = ?)`
	res, err = x.Run(context.Background(), Statement{SQL: `SELECT set_count(` + seg + `), (SELECT count(*) FROM json_each(set_keys(` + seg + `)))`,
		Args: []any{"重要价值客户", "重要价值客户"}})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := res.Rows[0][0].(int64), res.Rows[0][1].(int64); a != 281 || b != 281 {
		t.Fatalf("set count %d, members %d, want 281", a, b)
	}
	// A blob that is not a set is an error, not a crash.
	if _, err := x.Run(context.Background(), Statement{SQL: `SELECT set_count(x'3a30000001000000ffff')`}); err == nil || !strings.Contains(err.Error(), "not a customer set") {
		t.Errorf("garbage set: %v", err)
	}
}

func TestTimeBudget(t *testing.T) {
	x := mustOpen(t, Options{Timeout: 50 * time.Millisecond})
	start := time.Now()
	_, err := x.Run(context.Background(), Statement{SQL: `SELECT count(*) FROM order_items a, order_items b, order_items c`})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("the interrupt did not stop the statement")
	}
}

func TestRowCap(t *testing.T) {
	x := mustOpen(t, Options{MaxRows: 10})
	if _, err := x.Run(context.Background(), Statement{SQL: `SELECT customer_id FROM customers`}); !errors.Is(err, ErrTooMany) {
		t.Fatalf("got %v, want ErrTooMany", err)
	}
}

func TestMasksPhones(t *testing.T) {
	x := mustOpen(t, Options{})
	res, err := x.Run(context.Background(), Statement{SQL: `SELECT phone, phone AS p2, customer_id, count(*) OVER () FROM customers WHERE phone IS NOT NULL LIMIT 3`,
		PII: []bool{true, false, false}, TotalColumn: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total < 1000 || len(res.Columns) != 3 {
		t.Fatalf("total %d columns %v", res.Total, res.Columns)
	}
	for _, r := range res.Rows {
		for _, i := range []int{0, 1} { // the unmarked copy is caught by its shape
			s := r[i].(string)
			if !strings.Contains(s, "****") || len(s) != 11 {
				t.Errorf("not masked: %q", s)
			}
		}
	}
	if MaskPhone("13812341234") != "138****1234" {
		t.Error(MaskPhone("13812341234"))
	}
}

// FuzzGuard: whatever the statement, the warehouse file never changes and
// nothing but the warehouse's tables is read.
func FuzzGuard(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Add(`SELECT customer_id FROM customers LIMIT 1`)
	x := mustOpen(f, Options{Timeout: 200 * time.Millisecond, MaxRows: 100})
	before := sum(f, warehouse(f))
	f.Fuzz(func(t *testing.T, s string) {
		x.Run(context.Background(), Statement{SQL: s})
		if sum(t, warehouse(t)) != before {
			t.Fatalf("%q changed the warehouse", s)
		}
		if _, err := os.Stat("/tmp/evil.db"); err == nil {
			t.Fatalf("%q attached a file", s)
		}
	})
}
