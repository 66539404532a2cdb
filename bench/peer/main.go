// Command peer runs chatbi's benchmark mix beside DuckDB, the columnar
// engine a user would reach for instead, on the same demo data, and prints
// each question's p50/p99 for both and whether they gave the same answer.
//
// DuckDB reads the demo's own CSV exports (customers, products, orders,
// order_items) plus one segment table exported from chatbi's warehouse
// (RFM class, lifecycle stage, order count and spend per customer at the
// as-of date: what an analyst's warehouse keeps next to the raw tables).
// Its SQL is written by hand, per question, as a competent analyst writes
// it: joins over the raw orders and lines, the segment table for segments.
//
// With --clickhouse it first answers the mix on the same warehouse copied
// into ClickHouse (chDB in process, clickhouse.go) beside chatbi on SQLite;
// make bench runs that part, make bench-peer the DuckDB part.
//
// It is its own module (bench/go.mod) so chatbi itself never links DuckDB
// or chDB: make bench-peer, not make test.
package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/nlq"
	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/server"
)

// answer is what both engines are compared on: a list's total and first
// page of customer ids, a count, or a table's rows.
type answer struct {
	total int
	ids   []string
	rows  map[string]float64
}

func (a answer) String() string {
	switch {
	case a.rows != nil:
		return fmt.Sprintf("%d groups", len(a.rows))
	case a.ids != nil:
		return fmt.Sprintf("%d customers", a.total)
	}
	return fmt.Sprintf("count %d", a.total)
}

func same(a, b answer) bool {
	if a.total != b.total || len(a.ids) != len(b.ids) || len(a.rows) != len(b.rows) {
		return false
	}
	for i := range a.ids {
		if a.ids[i] != b.ids[i] {
			return false
		}
	}
	for k, v := range a.rows {
		w, ok := b.rows[k]
		if !ok || math.Abs(v-w) > 1e-4 {
			return false
		}
	}
	return true
}

func main() {
	n := flag.Int("customers", 1_000_000, "demo customers")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "chatbi-bench"), "work dir shared with chatbi bench")
	rounds := flag.Int("rounds", 15, "runs of each question on each engine")
	duck := flag.Bool("duckdb", true, "compare with DuckDB (textbook SQL)")
	ch := flag.Bool("clickhouse", false, "compare with chatbi on ClickHouse (chDB)")
	flag.BoolVar(&useBitmaps, "bitmaps", true, "on ClickHouse, read purchases from purchase_bitmaps (false: from the lines, to compare)")
	flag.Parse()
	if err := run(*n, *dir, *rounds, *duck, *ch); err != nil {
		fmt.Fprintln(os.Stderr, "bench-peer:", err)
		os.Exit(1)
	}
}

func run(n int, dir string, rounds int, withDuck, withClickHouse bool) error {
	ctx := context.Background()
	tag := strconv.Itoa(n)
	csvDir, importDB := filepath.Join(dir, "csv-"+tag), filepath.Join(dir, "import-"+tag+".db")
	if err := ensureWarehouse(ctx, n, dir, csvDir, importDB); err != nil {
		return err
	}
	if err := ensureCurrent(ctx, importDB); err != nil {
		return err
	}
	svc, err := server.NewService(ctx, importDB, executor.Options{Timeout: 2 * time.Minute, MaxRows: 2_000_000})
	if err != nil {
		return err
	}
	defer svc.Close()
	svc.NoCache = true
	eng := svc.Engine()
	asOf := nlq.D(eng.Catalog.AsOf)
	if withClickHouse {
		if err := runClickHouse(ctx, svc, importDB, dir, n, rounds); err != nil {
			return err
		}
	}
	if !withDuck {
		return nil
	}

	start := time.Now()
	duck, err := loadDuckDB(ctx, csvDir, importDB, eng.Catalog.AsOf.Format("2006-01-02"))
	if err != nil {
		return err
	}
	defer duck.Close()
	fmt.Printf("chatbi vs DuckDB, %d customers, as of %s; DuckDB loaded in %.1f s; %d runs each, answer cache off\n\n",
		n, eng.Catalog.AsOf.Format("2006-01-02"), time.Since(start).Seconds(), rounds)
	fmt.Printf("%-34s %10s %10s   %10s %10s   %7s  %s\n", "question", "chatbi p50", "p99", "DuckDB p50", "p99", "ratio", "answers")

	limit := 50
	var ours, theirs []time.Duration
	slower := 0
	for _, q := range mix {
		p, err := eng.Parse(q.question, asOf, nil)
		if err != nil {
			return fmt.Errorf("%s: %w", q.question, err)
		}
		from, to := "0001-01-01", eng.Catalog.AsOf.Format("2006-01-02")
		if p.Window != nil {
			from, to = p.Window.From.String(), p.Window.To.String()
		}
		text := strings.NewReplacer("{from}", "DATE '"+from+"'", "{to}", "DATE '"+to+"'", "{asof}", "DATE '"+eng.Catalog.AsOf.Format("2006-01-02")+"'").Replace(q.sql)

		var a, b answer
		var ct, dt []time.Duration
		for r := 0; r < rounds; r++ {
			s := time.Now()
			ans, err := svc.Ask(ctx, server.AskRequest{Question: q.question, Limit: &limit})
			if err != nil {
				return fmt.Errorf("%s: %w", q.question, err)
			}
			ct = append(ct, time.Since(s))
			if a, err = chatbiAnswer(ans, q.kind); err != nil {
				return fmt.Errorf("%s: %w", q.question, err)
			}
			s = time.Now()
			if b, err = duckAnswer(ctx, duck, text, q.kind); err != nil {
				return fmt.Errorf("%s (DuckDB): %w\n%s", q.question, err, text)
			}
			dt = append(dt, time.Since(s))
		}
		ours, theirs = append(ours, ct...), append(theirs, dt...)
		verdict := "same (" + a.String() + ")"
		if !same(a, b) {
			verdict = fmt.Sprintf("DIFFERENT: chatbi %v %v, DuckDB %v %v", a, head(a.ids), b, head(b.ids))
		}
		c50, d50 := pct(ct, 50), pct(dt, 50)
		if c50 >= d50 {
			slower++
		}
		fmt.Printf("%-34s %8.2f ms %7.2f ms   %8.2f ms %7.2f ms   %6.1f×  %s\n", q.question, ms(c50), ms(pct(ct, 99)), ms(d50), ms(pct(dt, 99)), float64(d50)/float64(c50), verdict)
	}
	fmt.Printf("\nwhole mix: chatbi p50 %.2f ms p99 %.2f ms; DuckDB p50 %.2f ms p99 %.2f ms; chatbi slower on %d of %d questions\n",
		ms(pct(ours, 50)), ms(pct(ours, 99)), ms(pct(theirs, 50)), ms(pct(theirs, 99)), slower, len(mix))
	return nil
}

func head(ids []string) []string {
	if len(ids) > 3 {
		return ids[:3]
	}
	return ids
}

// ensureWarehouse builds the demo CSVs and chatbi's warehouse as chatbi
// bench does, unless an earlier run left them.
func ensureWarehouse(ctx context.Context, n int, dir, csvDir, importDB string) error {
	_, err1 := os.Stat(importDB)
	_, err2 := os.Stat(filepath.Join(csvDir, "orders.csv"))
	if err1 == nil && err2 == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	d := schema.DemoOptions{Customers: n, Seed: 1}
	fmt.Println("building the demo CSVs and warehouse (once; chatbi bench reuses them)…")
	if err := schema.DemoCSV(ctx, csvDir, d); err != nil {
		return err
	}
	_, err := schema.Import(ctx, importDB, csvDir, schema.ImportOptions{})
	return err
}

// ensureCurrent refreshes a warehouse an older chatbi built, whose newest
// snapshot lacks what this one precomputes (the spend rankings), so the
// figures are this version's.
func ensureCurrent(ctx context.Context, importDB string) error {
	db, err := schema.OpenRO(importDB)
	if err != nil {
		return err
	}
	cat, err := schema.LoadCatalog(ctx, db)
	db.Close()
	if err != nil {
		return err
	}
	if cat.Windows != nil && cat.Windows.Ranks {
		return nil
	}
	fmt.Println("refreshing the warehouse (built by an older chatbi)…")
	_, err = schema.Refresh(ctx, importDB, schema.RefreshOptions{})
	return err
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func pct(ds []time.Duration, p int) time.Duration {
	s := append([]time.Duration{}, ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p+99)/100 - 1
	if i < 0 {
		i = 0
	}
	return s[i]
}

// chatbiAnswer reads an answer of the kind the question asks for.
func chatbiAnswer(a *server.Answer, kind string) (answer, error) {
	if a.Status != "ok" {
		return answer{}, fmt.Errorf("status %s", a.Status)
	}
	switch kind {
	case "list":
		out := answer{total: a.Total, ids: []string{}}
		for _, r := range a.Rows {
			out.ids = append(out.ids, fmt.Sprint(r[0]))
		}
		return out, nil
	case "count":
		v, err := toFloat(a.Rows[0][0])
		return answer{total: int(v)}, err
	default:
		out := answer{rows: map[string]float64{}}
		for _, r := range a.Rows {
			v, err := toFloat(r[1])
			if err != nil {
				return out, err
			}
			out.rows[fmt.Sprint(r[0])] = v
		}
		return out, nil
	}
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case int64:
		return float64(x), nil
	case int:
		return float64(x), nil
	case float64:
		return x, nil
	case nil:
		return math.NaN(), nil
	}
	return strconv.ParseFloat(fmt.Sprint(v), 64)
}

// duckAnswer runs a hand-written statement: a list returns (customer_id,
// total) rows, best first, at most 50; a count one number; a table
// (label, value) rows.
func duckAnswer(ctx context.Context, db *sql.DB, text, kind string) (answer, error) {
	rows, err := db.QueryContext(ctx, text)
	if err != nil {
		return answer{}, err
	}
	defer rows.Close()
	out := answer{}
	switch kind {
	case "list":
		out.ids = []string{}
	case "table":
		out.rows = map[string]float64{}
	}
	for rows.Next() {
		switch kind {
		case "list":
			var id string
			var total int
			if err := rows.Scan(&id, &total); err != nil {
				return out, err
			}
			out.ids, out.total = append(out.ids, id), total
		case "count":
			if err := rows.Scan(&out.total); err != nil {
				return out, err
			}
		default:
			var label string
			var v sql.NullFloat64
			if err := rows.Scan(&label, &v); err != nil {
				return out, err
			}
			out.rows[label] = v.Float64
			if !v.Valid {
				out.rows[label] = math.NaN()
			}
		}
	}
	return out, rows.Err()
}

// loadDuckDB opens an in-memory DuckDB with the demo's CSVs and the
// segment table.
func loadDuckDB(ctx context.Context, csvDir, importDB, asOf string) (*sql.DB, error) {
	seg := filepath.Join(filepath.Dir(importDB), "segments-"+asOf+".csv")
	if err := exportSegments(ctx, importDB, asOf, seg); err != nil {
		return nil, err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // one DuckDB connection; DuckDB runs each query on every core itself
	f := func(name string) string { return "'" + filepath.Join(csvDir, name) + "'" }
	for _, st := range []string{
		// Integer keys (the CSV ids without their letter): what an analyst
		// loading these exports would do, and DuckDB's fastest joins.
		`CREATE TABLE customers AS SELECT CAST(substr(customer_id, 2) AS BIGINT) AS cno, customer_id, gender, birth_date, city, member_level
			FROM read_csv(` + f("customers.csv") + `, header = true, columns = {
			'customer_id': 'VARCHAR', 'register_date': 'DATE', 'name': 'VARCHAR', 'gender': 'VARCHAR', 'birth_date': 'DATE',
			'province': 'VARCHAR', 'city': 'VARCHAR', 'register_channel': 'VARCHAR', 'member_level': 'VARCHAR', 'phone': 'VARCHAR'})`,
		`CREATE TABLE products AS SELECT CAST(substr(product_id, 2) AS BIGINT) AS pno, category, brand, category_l1
			FROM read_csv(` + f("products.csv") + `, header = true, columns = {
			'product_id': 'VARCHAR', 'product_name': 'VARCHAR', 'category': 'VARCHAR', 'brand': 'VARCHAR', 'category_l1': 'VARCHAR', 'list_price': 'DECIMAL(12,2)'})`,
		`CREATE TABLE orders AS SELECT CAST(substr(order_id, 2) AS BIGINT) AS ono, CAST(substr(customer_id, 2) AS BIGINT) AS cno,
			CAST(order_time AS DATE) AS order_date, status, CAST(round(pay_amount * 100) AS BIGINT) AS pay_cents, channel
			FROM read_csv(` + f("orders.csv") + `, header = true, columns = {
			'order_id': 'VARCHAR', 'customer_id': 'VARCHAR', 'order_time': 'TIMESTAMP', 'status': 'VARCHAR', 'pay_amount': 'DECIMAL(12,2)',
			'channel': 'VARCHAR', 'store_city': 'VARCHAR', 'discount_amount': 'DECIMAL(12,2)', 'coupon_used': 'INTEGER'})`,
		`CREATE TABLE order_items AS SELECT CAST(substr(order_id, 2) AS BIGINT) AS ono, CAST(substr(product_id, 2) AS BIGINT) AS pno
			FROM read_csv(` + f("order_items.csv") + `, header = true, columns = {
			'order_id': 'VARCHAR', 'product_id': 'VARCHAR', 'quantity': 'INTEGER', 'amount': 'DECIMAL(12,2)', 'unit_price': 'DECIMAL(12,2)'})`,
		`CREATE TABLE segments AS SELECT CAST(substr(customer_id, 2) AS BIGINT) AS cno, * FROM read_csv('` + seg + `', header = true, columns = {
			'customer_id': 'VARCHAR', 'customer_key': 'BIGINT', 'rfm_class': 'VARCHAR', 'lifecycle': 'VARCHAR', 'frequency': 'INTEGER', 'monetary_cents': 'BIGINT'})`,
	} {
		if _, err := db.ExecContext(ctx, st); err != nil {
			db.Close()
			return nil, fmt.Errorf("load DuckDB: %w", err)
		}
	}
	return db, nil
}

// exportSegments writes the as-of snapshot's segment columns, keyed by
// customer_id (and chatbi's customer key: both order ties by it).
func exportSegments(ctx context.Context, importDB, asOf, path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	db, err := schema.OpenRO(importDB)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT c.customer_id, c.id, m.rfm_class, m.lifecycle, m.frequency, m.monetary_cents
		FROM customer_measures m JOIN customers c ON c.id = m.customer_key WHERE m.as_of = ? ORDER BY c.id`, asOf)
	if err != nil {
		return err
	}
	defer rows.Close()
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"customer_id", "customer_key", "rfm_class", "lifecycle", "frequency", "monetary_cents"})
	for rows.Next() {
		var id string
		var key, freq, money int64
		var rfm, lc sql.NullString
		if err := rows.Scan(&id, &key, &rfm, &lc, &freq, &money); err != nil {
			f.Close()
			return err
		}
		w.Write([]string{id, strconv.FormatInt(key, 10), rfm.String, lc.String, strconv.FormatInt(freq, 10), strconv.FormatInt(money, 10)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
