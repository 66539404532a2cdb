package enginetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/schema/clickhouse"
)

// RefreshDays are the refreshes the refresh tests run on Warehouse, in
// order: an earlier day (no window measures; kept as the one just made), a
// day that replaces a snapshot, and a later day (a new default date and
// window measures; retention then drops the earlier day).
var RefreshDays = []string{"2026-08-15", "2026-10-31", "2026-12-01"}

// RefreshedReference is Warehouse refreshed in SQLite on RefreshDays: what
// a refresh inside ClickHouse must come to.
func RefreshedReference(t testing.TB) string {
	t.Helper()
	return refreshedCopy(t, append([]string{"2026-09-30", "2026-10-31"}, RefreshDays...)...)
}

// RefreshOnClickHouse runs clickhouse.Refresh on c for RefreshDays.
func RefreshOnClickHouse(t testing.TB, c clickhouse.Cluster) {
	t.Helper()
	for _, d := range RefreshDays {
		day, _ := schema.ParseDate(d)
		if _, err := clickhouse.Refresh(context.Background(), c, schema.RefreshOptions{AsOf: day}); err != nil {
			t.Fatalf("refresh %s on ClickHouse: %v", d, err)
		}
	}
}

// refreshedTables are the tables a refresh writes, with the rows compared:
// created_at is the refresh's own clock, and the meta rows of publication
// and of one engine's own structures (SQLite's sets, ClickHouse's
// bitmaps) are not the warehouse's content.
var refreshedTables = []struct{ name, cols, where string }{
	{"customer_measures", "*", ""},
	{"customer_tags", "*", ""},
	{"customer_windows", "*", ""},
	{"snapshots", "as_of, model_json, buyers, mean_r, mean_f, mean_m, clv_json, tags_json", ""},
	{"meta", "*", " WHERE key NOT IN ('" + strings.Join(append(schema.SQLiteOnlyMeta,
		clickhouse.PublishedKey, clickhouse.PublishingKey, clickhouse.RenamingKey, schema.MetaPurchaseBitmaps), "', '") + "')"},
}

// SameRefreshedRows requires ch (ClickHouse) to hold the rows of the
// SQLite warehouse at path in every table a refresh writes, floats to 9
// significant digits (the engines' pow and sums may differ in the last
// bits), JSON compared value by value.
func SameRefreshedRows(t *testing.T, ch *sql.DB, path string) {
	t.Helper()
	lite, err := schema.OpenRO(path)
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	for _, tb := range refreshedTables {
		q := "SELECT " + tb.cols + " FROM " + tb.name + tb.where
		want, got := tableRows(t, lite, q), tableRows(t, ch, q)
		if len(want) == 0 {
			t.Errorf("%s: the reference has no rows", tb.name)
		}
		shown := 0
		for i := 0; i < max(len(want), len(got)) && shown < 5; i++ {
			var w, g string
			if i < len(want) {
				w = want[i]
			}
			if i < len(got) {
				g = got[i]
			}
			if w != g {
				t.Errorf("%s row %d:\n  SQLite     %s\n  ClickHouse %s", tb.name, i, w, g)
				shown++
			}
		}
		if len(want) != len(got) {
			t.Errorf("%s: %d rows on SQLite, %d on ClickHouse", tb.name, len(want), len(got))
		}
	}
}

// tableRows is q's rows rendered and sorted.
func tableRows(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = exact(v)
		}
		out = append(out, strings.Join(parts, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	slices.Sort(out)
	return out
}

// exact renders a value as Norm does but with floats to 9 digits, and a
// JSON object with its numbers so.
func exact(v any) string {
	if p, ok := v.(*float64); ok && p != nil {
		v = *p
	}
	switch x := v.(type) {
	case float64:
		return fmt.Sprintf("%.9g", x)
	case int64, int32, int, uint64, uint32, uint8:
		return fmt.Sprint(x) // exact (Norm rounds numbers)
	case []byte:
		return exact(string(x))
	case string:
		var obj any
		if strings.HasPrefix(x, "{") && json.Unmarshal([]byte(x), &obj) == nil {
			return jsonExact(obj)
		}
		return x
	}
	return Norm(v)
}

func jsonExact(v any) string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+":"+jsonExact(x[k]))
		}
		return "{" + strings.Join(parts, ",") + "}"
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, jsonExact(e))
		}
		return "[" + strings.Join(parts, ",") + "]"
	case float64:
		return fmt.Sprintf("%.9g", x)
	}
	return fmt.Sprint(v)
}
