package server

import "testing"

func TestInlineSQL(t *testing.T) {
	got := InlineSQL(`SELECT 'a?b', "c?" FROM t WHERE x = ? AND y IN (?, ?) AND z = ?`, []any{"O'Neil", int64(3), 2.5, nil})
	want := `SELECT 'a?b', "c?" FROM t WHERE x = 'O''Neil' AND y IN (3, 2.5) AND z = NULL`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for q, want := range map[string]string{"重要价值客户有哪些": "重要价值客户有哪些-2026-11-22.csv", `a/b:c*?"<>|d`: "abcd-2026-11-22.csv", "": "chatbi-2026-11-22.csv"} {
		if got := exportName(q, "2026-11-22", "csv"); got != want {
			t.Errorf("%q: %s, want %s", q, got, want)
		}
	}
}
