package chdbtest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/schema/clickhouse"
	"github.com/chatbi/chatbi/schema/schematest"
	"github.com/chatbi/chatbi/server"
	"github.com/chatbi/chatbi/server/enginetest"
)

// TestClickHouseRefusesLikeSQLite: bad and hostile questions get the same
// refusal or clarify on both engines, and run nothing that changes data.
func TestClickHouseRefusesLikeSQLite(t *testing.T) {
	a, b, ch := services(t)
	enginetest.Refusals(t, a, b, ch)
}

// TestClickHouseGuards: the executor's guards hold on ClickHouse — the row
// cap, the time budget, and no table function or system table, even in a
// statement that starts with SELECT.
func TestClickHouseGuards(t *testing.T) {
	_, ch := openChDB(t, schematest.PublicWarehouse(t))
	ctx := context.Background()
	x := executor.OpenClickHouse(ch, executor.Options{Timeout: time.Second, MaxRows: 10})
	if _, err := x.Run(ctx, executor.Statement{SQL: "SELECT id FROM customers"}); !errors.Is(err, executor.ErrTooMany) {
		t.Errorf("2000 rows with a cap of 10: %v", err)
	}
	r, err := x.Run(ctx, executor.Statement{SQL: "SELECT count(*) FROM customers WHERE city = ?", Args: []any{"上海"}})
	if err != nil || len(r.Rows) != 1 {
		t.Fatalf("a bound count: %v %v", r, err)
	}
	if _, ok := r.Rows[0][0].(int64); !ok {
		t.Errorf("count() arrives as %T, want int64 like SQLite's", r.Rows[0][0])
	}
	start := time.Now()
	_, err = x.Run(ctx, executor.Statement{SQL: "SELECT count(*) FROM customers a JOIN customers b ON a.city = b.city JOIN customers c ON b.city = c.city JOIN order_items d ON 1 = 1"})
	if !errors.Is(err, executor.ErrTimeout) || time.Since(start) > 10*time.Second {
		t.Errorf("a statement past its 1 s budget: %v after %s", err, time.Since(start))
	}
	for _, q := range []string{
		"SELECT * FROM file('/etc/passwd', 'LineAsString')",
		"SELECT * FROM customers c, system.users u",
		"SELECT 1 FROM customers INTO OUTFILE '/tmp/chatbi-x.csv'",
		"INSERT INTO meta VALUES ('k', 'v')",
		"SELECT 1; DROP TABLE customers",
	} {
		if _, err := x.Run(ctx, executor.Statement{SQL: q}); !errors.Is(err, executor.ErrDenied) {
			t.Errorf("%s: %v, want denied", q, err)
		}
	}
}

// TestClickHouseCopyKeepsTablesOnFailure: a copy that fails part-way (a
// source without the snapshot tables) leaves the published tables as they
// were, still answering.
func TestClickHouseCopyKeepsTablesOnFailure(t *testing.T) {
	_, ch := openChDB(t, schematest.PublicWarehouse(t))
	before := enginetest.TableCounts(t, ch)
	broken := filepath.Join(t.TempDir(), "broken.db")
	db, err := sql.Open("sqlite3", broken)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`ATTACH ? AS src`, schematest.PublicWarehouse(t)); err != nil {
		t.Fatal(err)
	}
	for _, tb := range []string{"meta", "customers", "products", "orders", "order_items"} {
		if _, err := db.Exec(`CREATE TABLE ` + tb + ` AS SELECT * FROM src.` + tb); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`DETACH src`); err != nil {
		t.Fatal(err)
	}
	if err := clickhouse.Copy(context.Background(), db, ch); err == nil {
		t.Fatal("a copy from a warehouse without purchase_orders succeeded")
	}
	if after := enginetest.TableCounts(t, ch); after != before {
		t.Errorf("a failed copy changed the published tables: %s → %s", before, after)
	}
	var left int
	if err := ch.QueryRow("SELECT count() FROM system.tables WHERE database = currentDatabase() AND name LIKE '%\\_loading'").Scan(&left); err != nil || left != 0 {
		t.Errorf("a failed copy left %d half-loaded tables (%v)", left, err)
	}
	if _, err := schema.LoadCatalog(context.Background(), ch); err != nil {
		t.Errorf("the catalog no longer loads from ClickHouse: %v", err)
	}
}

// TestClickHouseCopyFileSameTables: loading through ClickHouse's sqlite()
// table function gives the very tables the row-by-row copy gives.
func TestClickHouseCopyFileSameTables(t *testing.T) {
	path := schematest.PublicWarehouse(t)
	lite, ch := openChDB(t, path)
	viaRows := tableDigests(t, ch)
	before, _, err := clickhouse.State(context.Background(), ch)
	if err != nil || before == "" {
		t.Fatalf("no publication mark after Copy: %q %v", before, err)
	}
	if err := clickhouse.CopyFile(context.Background(), path, lite, ch); err != nil {
		t.Fatal(err)
	}
	if viaFile := tableDigests(t, ch); viaFile != viaRows {
		t.Errorf("CopyFile's tables differ from Copy's:\n%s\n%s", viaFile, viaRows)
	}
	if after, publishing, err := clickhouse.State(context.Background(), ch); err != nil || publishing || after == before || after == "" {
		t.Errorf("a second copy must publish a new mark and end publishing: before %q, after %q, publishing %v (%v)", before, after, publishing, err)
	}
}

// tableDigests renders each copied table's row count and a hash of all
// its values (but the copy's publication mark, new with every copy).
func tableDigests(t *testing.T, ch *sql.DB) string {
	t.Helper()
	var out []string
	for _, tb := range clickhouse.Tables {
		var n, h uint64
		where := ""
		if tb.Name == "meta" {
			where = " WHERE key NOT IN ('" + clickhouse.PublishedKey + "', '" + clickhouse.PublishingKey + "')"
		}
		if err := ch.QueryRow("SELECT count(), sum(cityHash64(*)) FROM "+tb.Name+where).Scan(&n, &h); err != nil {
			t.Fatalf("digest %s: %v", tb.Name, err)
		}
		out = append(out, fmt.Sprintf("%s=%d/%x", tb.Name, n, h))
	}
	return strings.Join(out, " ")
}

// TestClickHouseRepublishUnderLoad: copies of two different warehouses
// published over each other while questions run answer each question
// wholly from one of them (enginetest.RepublishUnderLoad).
func TestClickHouseRepublishUnderLoad(t *testing.T) {
	_, onCH, ch := services(t)
	enginetest.RepublishUnderLoad(t, onCH, opt, func(path string) error {
		lite, err := schema.OpenRO(path)
		if err != nil {
			return err
		}
		defer lite.Close()
		return clickhouse.CopyFile(context.Background(), path, lite, ch)
	})
}

// TestClickHouseExportOneCopy: an export reads one ClickHouse copy, as an
// answer does: while the tables may be mixed (a publish killed while
// renaming) it is told to come back (503), and once a new copy is in, the
// same link exports the new copy's list.
func TestClickHouseExportOneCopy(t *testing.T) {
	_, onCH, ch := services(t)
	ts := httptest.NewServer(server.New(onCH, server.Config{ExportTTL: time.Hour}))
	defer ts.Close()
	resp, err := http.Post(ts.URL+"/api/v1/ask", "application/json", strings.NewReader(`{"question":"一般发展客户有哪些","limit":5}`))
	if err != nil {
		t.Fatal(err)
	}
	var a server.Answer
	json.NewDecoder(resp.Body).Decode(&a)
	resp.Body.Close()
	if a.Export == nil || a.Total == 0 {
		t.Fatalf("ask: %d, total %d, export %v", resp.StatusCode, a.Total, a.Export)
	}
	get := func() (int, string) {
		resp, err := http.Get(ts.URL + a.Export.CSV)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(); code != 200 || !strings.Contains(body, "一般发展客户") {
		t.Fatalf("export: %d %.200s", code, body)
	}
	mark, _, _ := clickhouse.State(context.Background(), ch)
	// A publish killed while renaming left its row: the tables may be mixed.
	if _, err := ch.Exec("INSERT INTO meta (`key`, `value`) SELECT ?, ?", clickhouse.RenamingKey, "test"); err != nil {
		t.Fatal(err)
	}
	if code, body := get(); code != 503 || !strings.Contains(body, "unavailable") {
		t.Errorf("export while a copy is published: %d %.200s", code, body)
	}
	path := schematest.PublicWarehouse(t)
	lite, err := schema.OpenRO(path)
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	if err := clickhouse.CopyFile(context.Background(), path, lite, ch); err != nil {
		t.Fatal(err)
	}
	if now, publishing, _ := clickhouse.State(context.Background(), ch); now == mark || publishing {
		t.Fatalf("the copy did not publish: mark %q → %q, publishing %v", mark, now, publishing)
	}
	time.Sleep(1100 * time.Millisecond) // the service looks for a new copy once a second
	if code, body := get(); code != 200 || !strings.Contains(body, "一般发展客户") {
		t.Errorf("export after the copy: %d %.200s", code, body)
	}
}

// TestClickHouseBitmapsOnlyWhenDense: a copy builds purchase_bitmaps only
// where a product's day stands for enough lines to pay (on the public
// warehouse, about one: none), and the catalog says which.
func TestClickHouseBitmapsOnlyWhenDense(t *testing.T) {
	defer func(n int) { clickhouse.BitmapMinLines = n }(clickhouse.BitmapMinLines)
	path := schematest.PublicWarehouse(t)
	for _, c := range []struct {
		min  int
		want bool
	}{{0, true}, {64, false}} { // the second copy drops the first one's bitmaps
		clickhouse.BitmapMinLines = c.min
		_, ch := openChDB(t, path)
		cat, err := schema.LoadCatalog(context.Background(), ch)
		if err != nil {
			t.Fatal(err)
		}
		var n uint8
		if err := ch.QueryRow("EXISTS TABLE purchase_bitmaps").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if cat.PurchaseBitmaps != c.want || (n == 1) != c.want {
			t.Errorf("at least %d lines a product-day: catalog says bitmaps %v, table exists %v; want %v", c.min, cat.PurchaseBitmaps, n == 1, c.want)
		}
	}
}

// TestClickHouseOrderDatesAreDates: the fact tables' order dates are typed
// Date on ClickHouse (2 bytes a row, compared as dates), the rest text.
func TestClickHouseOrderDatesAreDates(t *testing.T) {
	_, ch := openChDB(t, schematest.PublicWarehouse(t))
	for _, c := range []struct{ table, column, want string }{
		{"orders", "order_date", "Date"}, {"purchase_orders", "date", "Date"}, {"purchase_lines", "date", "Date"},
		{"customers", "register_date", "String"}, {"customer_measures", "first_date", "Nullable(String)"},
	} {
		var typ string
		if err := ch.QueryRow("SELECT type FROM system.columns WHERE database = currentDatabase() AND table = ? AND name = ?", c.table, c.column).Scan(&typ); err != nil {
			t.Fatalf("%s.%s: %v", c.table, c.column, err)
		}
		if typ != c.want {
			t.Errorf("%s.%s is %s on ClickHouse, want %s", c.table, c.column, typ, c.want)
		}
	}
}
