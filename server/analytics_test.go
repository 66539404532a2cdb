package server

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/schema"
)

// snapshotService is the public warehouse with segment snapshots on
// 2026-09-30 and 2026-10-31 besides the as-of one (2026-11-22).
func snapshotService(t *testing.T) (*Service, *sql.DB) {
	MustOpenService(t) // imports the public data once
	path := filepath.Join(t.TempDir(), "snap.db")
	b, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, b, 0o644)
	for _, d := range []string{"2026-09-30", "2026-10-31"} {
		day, _ := schema.ParseDate(d)
		if _, err := schema.Refresh(context.Background(), path, schema.RefreshOptions{AsOf: day}); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := NewService(context.Background(), path, executor.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	raw, _ := schema.OpenRO(path)
	t.Cleanup(func() { raw.Close() })
	return svc, raw
}

func scalar(t *testing.T, db *sql.DB, q string, args ...any) float64 {
	t.Helper()
	var v float64
	if err := db.QueryRow(q, args...).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSegmentMigration checks migration answers against plain SQL over the snapshots.
func TestSegmentMigration(t *testing.T) {
	svc, db := snapshotService(t)
	ask := func(q string) *Answer {
		t.Helper()
		a, err := svc.Ask(context.Background(), AskRequest{Question: q})
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != "ok" {
			t.Fatalf("%s: %s", q, a.Clarification.Message)
		}
		return a
	}
	count := func(a *Answer) float64 { return toFloat(a.Rows[0][0]) }
	const seg = `SELECT customer_key FROM customer_measures WHERE as_of = ? AND rfm_class = ?`

	got := count(ask("上个季度的重要价值客户现在有多少变成了流失客户"))
	want := scalar(t, db, `SELECT count(*) FROM customer_measures WHERE as_of = '2026-11-22' AND lifecycle = '流失客户'
		AND customer_key IN (`+seg+`)`, "2026-09-30", "重要价值客户")
	if got != want {
		t.Errorf("上个季度→流失: %v, want %v", got, want)
	}
	got = count(ask("本月新晋的重要价值客户有多少"))
	want = scalar(t, db, `SELECT count(*) FROM customer_measures WHERE as_of = '2026-11-22' AND rfm_class = '重要价值客户'
		AND customer_key NOT IN (`+seg+`)`, "2026-10-31", "重要价值客户")
	if got != want || want == 0 {
		t.Errorf("本月新晋: %v, want %v", got, want)
	}
	a := ask("从重要价值客户掉到重要挽留客户的名单")
	want = scalar(t, db, `SELECT count(*) FROM customer_measures WHERE as_of = '2026-11-22' AND rfm_class = '重要挽留客户'
		AND customer_key IN (`+seg+`)`, "2026-10-31", "重要价值客户")
	if float64(a.Total) != want || a.AnswerType != "customers" {
		t.Errorf("掉到: %d, want %v", a.Total, want)
	}
	tab := ask("从2026-09-30到2026-11-22的分群迁移")
	cells := 0.0
	for _, r := range tab.Rows {
		cells += toFloat(r[2])
		if r[0] == "重要价值客户" && r[1] == "重要挽留客户" {
			w := scalar(t, db, `SELECT count(*) FROM customer_measures WHERE as_of = '2026-11-22' AND rfm_class = '重要挽留客户'
				AND customer_key IN (`+seg+`)`, "2026-09-30", "重要价值客户")
			if toFloat(r[2]) != w {
				t.Errorf("migration cell %v, want %v", r[2], w)
			}
		}
	}
	if cells != scalar(t, db, `SELECT count(*) FROM customer_measures WHERE as_of = '2026-11-22'`) {
		t.Errorf("migration table covers %v customers", cells)
	}
	// A date without a snapshot asks back and names the dates that exist.
	c, _ := svc.Ask(context.Background(), AskRequest{Question: "2026年1月的重要价值客户有多少"})
	if c.Status != "clarify" || !strings.Contains(c.Clarification.Message, "2026-09-30、2026-10-31、2026-11-22") {
		t.Errorf("no snapshot: %+v", c.Clarification)
	}
}

// TestMeasuresBySegmentAndPeriod checks 复购率, 客单价 and 新客数 against SQL.
func TestMeasuresBySegmentAndPeriod(t *testing.T) {
	svc, db := snapshotService(t)
	a, err := svc.Ask(context.Background(), AskRequest{Question: "各RFM分群的复购率和客单价"})
	if err != nil || a.AnswerType != "table" || len(a.Columns) != 3 {
		t.Fatalf("%v %+v", err, a)
	}
	for _, r := range a.Rows {
		if r[0] != "重要发展客户" {
			continue
		}
		rep := scalar(t, db, `SELECT avg(frequency >= 2) FROM customer_measures WHERE as_of = '2026-11-22' AND rfm_class = '重要发展客户'`)
		arpu := scalar(t, db, `SELECT sum(monetary_cents) / 100.0 / count(*) FROM customer_measures WHERE as_of = '2026-11-22' AND rfm_class = '重要发展客户'`)
		if !closeEnough(toFloat(r[1]), rep) || !closeEnough(toFloat(r[2]), arpu) {
			t.Errorf("重要发展客户: %v %v, want %v %v", r[1], r[2], rep, arpu)
		}
	}
	m, err := svc.Ask(context.Background(), AskRequest{Question: "近6个月每月新客数"})
	if err != nil || m.AnswerType != "table" {
		t.Fatalf("%v %+v", err, m)
	}
	for _, r := range m.Rows {
		want := scalar(t, db, `SELECT count(*) FROM customer_measures WHERE as_of = '2026-11-22' AND first_date BETWEEN '2026-05-23' AND '2026-11-22' AND substr(first_date, 1, 7) = ?`, r[0])
		if toFloat(r[1]) != want {
			t.Errorf("%v: %v new customers, want %v", r[0], r[1], want)
		}
	}
	top, err := svc.Ask(context.Background(), AskRequest{Question: "预测未来一年价值最高的100个客户"})
	if err != nil || top.Total != 100 {
		t.Fatalf("%v %+v", err, top)
	}
	best := scalar(t, db, `SELECT max(clv) FROM customer_measures WHERE as_of = '2026-11-22'`)
	if got := toFloat(top.Rows[0][11]); fmt.Sprintf("%.2f", got) != fmt.Sprintf("%.2f", best) {
		t.Errorf("top predicted value %v, want %v", got, best)
	}
}

// TestBirthdaysAndRepeatBuyers checks 生日 and 复购客户 against SQL.
func TestBirthdaysAndRepeatBuyers(t *testing.T) {
	svc, db := snapshotService(t)
	for q, want := range map[string]string{
		"11月生日的重要价值客户有多少": `SELECT count(*) FROM customers c JOIN customer_measures m ON m.customer_key = c.id AND m.as_of = '2026-11-22'
			WHERE substr(c.birth_date, 6, 2) = '11' AND m.rfm_class = '重要价值客户'`,
		"回头客有多少": `SELECT count(*) FROM (SELECT customer_key FROM orders WHERE status = 'completed' GROUP BY customer_key HAVING count(*) >= 2)`,
	} {
		a, err := svc.Ask(context.Background(), AskRequest{Question: q})
		if err != nil || a.Status != "ok" {
			t.Fatalf("%s: %v %+v", q, err, a)
		}
		if got, w := toFloat(a.Rows[0][0]), scalar(t, db, want); got != w {
			t.Errorf("%s: %v, want %v", q, got, w)
		}
	}
}
