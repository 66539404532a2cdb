package schema

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const publicData = "../testdata/eval/public/data"

// MustImport imports dir into a new warehouse in a temp dir.
func MustImport(tb testing.TB, dir string, opt ImportOptions) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "w.db")
	if _, err := Import(context.Background(), path, dir, opt); err != nil {
		tb.Fatalf("import %s: %v", dir, err)
	}
	return path
}

func mustOpen(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	db, err := OpenRO(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// TestSegmentsMatchIndependentComputation recomputes R, F, M, the RFM class
// and the lifecycle stage of every customer with plain SQL over the raw
// imported tables (orders, not the fact tables) and the spec's rules, and
// compares with what refresh stored.
func TestSegmentsMatchIndependentComputation(t *testing.T) {
	path := MustImport(t, publicData, ImportOptions{})
	db := mustOpen(t, path)
	asOf := "2026-11-22"
	rows, err := db.Query(`
		WITH agg AS (
			SELECT customer_key, count(*) AS f, sum(pay_amount) AS m,
			       CAST(julianday(?) - julianday(max(order_date)) AS INTEGER) AS r,
			       CAST(julianday(?) - julianday(min(order_date)) AS INTEGER) AS since_first
			FROM orders WHERE status = 'completed' AND order_date <= ? GROUP BY customer_key),
		means AS (SELECT avg(r) AS mr, avg(f) AS mf, avg(m) AS mm FROM agg)
		SELECT c.customer_id, agg.r, agg.f, agg.m, agg.since_first,
		       agg.r <= means.mr, agg.f >= means.mf, agg.m >= means.mm
		FROM customers c LEFT JOIN agg ON agg.customer_key = c.id, means
		ORDER BY c.customer_id`, asOf, asOf, asOf)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	model := DefaultModel()
	want := map[string][2]string{}
	for rows.Next() {
		var id string
		var r, f, since sql.NullInt64
		var m sql.NullFloat64
		var rh, fh, mh sql.NullBool
		if err := rows.Scan(&id, &r, &f, &m, &since, &rh, &fh, &mh); err != nil {
			t.Fatal(err)
		}
		if !f.Valid {
			want[id] = [2]string{"", "未购客户"}
			continue
		}
		stage := "流失客户"
		switch {
		case since.Int64 <= 29:
			stage = "新客户"
		case r.Int64 <= 89:
			stage = "活跃客户"
		case r.Int64 <= 179:
			stage = "沉默客户"
		}
		want[id] = [2]string{model.ClassFor(rh.Bool, fh.Bool, mh.Bool), stage}
	}
	got, err := db.Query(`SELECT c.customer_id, coalesce(m.rfm_class, ''), m.lifecycle FROM customer_measures m
		JOIN customers c ON c.id = m.customer_key WHERE m.as_of = ?`, asOf)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	n := 0
	for got.Next() {
		var id, class, stage string
		if err := got.Scan(&id, &class, &stage); err != nil {
			t.Fatal(err)
		}
		n++
		if w := want[id]; w != [2]string{class, stage} {
			t.Errorf("%s: got %s/%s, want %s/%s", id, class, stage, w[0], w[1])
		}
	}
	if n != len(want) || n != 2000 {
		t.Fatalf("measured %d customers, want %d", n, len(want))
	}
	// R, F and M themselves, for every customer.
	var diff int
	err = db.QueryRow(`SELECT count(*) FROM customer_measures m JOIN (
		SELECT customer_key, count(*) AS f, CAST(round(sum(pay_amount) * 100) AS INTEGER) AS m, max(order_date) AS last
		FROM orders WHERE status = 'completed' GROUP BY customer_key) o ON o.customer_key = m.customer_key
		WHERE m.as_of = ? AND (m.frequency != o.f OR m.monetary_cents != o.m OR m.last_date != o.last
		   OR m.recency != CAST(julianday(?) - julianday(o.last) AS INTEGER))`, asOf, asOf).Scan(&diff)
	if err != nil || diff != 0 {
		t.Fatalf("R/F/M differ for %d customers (err %v)", diff, err)
	}
}

func TestImportFacts(t *testing.T) {
	path := MustImport(t, publicData, ImportOptions{})
	db := mustOpen(t, path)
	checks := []struct {
		name, a, b string
	}{
		{"purchase_orders are the completed orders", `SELECT count(*) FROM purchase_orders`, `SELECT count(*) FROM orders WHERE status = 'completed'`},
		{"purchase_lines are the completed order lines", `SELECT count(*) FROM purchase_lines`,
			`SELECT count(*) FROM order_items oi JOIN orders o ON o.id = oi.order_key WHERE o.status = 'completed'`},
		{"pay cents add up", `SELECT sum(pay_cents) FROM purchase_orders`, `SELECT CAST(round(sum(pay_amount) * 100) AS INTEGER) FROM orders WHERE status = 'completed'`},
		{"as-of is the latest order", `SELECT value FROM meta WHERE key = 'as_of'`, `SELECT max(order_date) FROM orders`},
	}
	for _, c := range checks {
		var a, b string
		if err := db.QueryRow(c.a).Scan(&a); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(c.b).Scan(&b); err != nil {
			t.Fatal(err)
		}
		if a != b {
			t.Errorf("%s: %s != %s", c.name, a, b)
		}
	}
	// The seed question's purchase test is an index range scan on the facts.
	var plan string
	rows, err := db.Query(`EXPLAIN QUERY PLAN SELECT customer_key FROM purchase_lines
		WHERE product_key IN (SELECT id FROM products WHERE category = '口红') AND date BETWEEN '2026-08-23' AND '2026-11-22'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, parent, unused int
		var detail string
		rows.Scan(&id, &parent, &unused, &detail)
		plan += detail + "\n"
	}
	rows.Close()
	if !strings.Contains(plan, "USING COVERING INDEX purchase_lines_product (product_key=? AND date>? AND date<?)") {
		t.Errorf("purchase test is not a covering range scan:\n%s", plan)
	}
}

func TestCatalogFromData(t *testing.T) {
	path := MustImport(t, publicData, ImportOptions{})
	cat, err := LoadCatalog(context.Background(), mustOpen(t, path))
	if err != nil {
		t.Fatal(err)
	}
	has := func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	for _, c := range []struct {
		list []string
		v    string
	}{{cat.Categories, "口红"}, {cat.CategoriesL1, "彩妆"}, {cat.Brands, "香奈儿"}, {cat.Cities, "深圳"},
		{cat.Provinces, "广东"}, {cat.MemberLevels, "金卡"}, {cat.Channels, "门店"}, {cat.RegisterChannels, "小程序"}} {
		if !has(c.list, c.v) {
			t.Errorf("catalog lacks %q", c.v)
		}
	}
	if got := FormatDate(cat.AsOf); got != "2026-11-22" || !cat.HasSnapshot(cat.AsOf) {
		t.Errorf("as-of %s, snapshots %v", got, cat.Snapshots)
	}
}

// fixture writes a small valid data set to a temp dir, with edits applied:
// each edit replaces a file's whole content.
func fixture(t *testing.T, edits map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"customers.csv": "customer_id,name,gender,birth_date,province,city,register_date,register_channel,member_level,phone\n" +
			"0001,张三,女,1990-05-01,广东,深圳市,2025-01-01,门店,金卡,13800001111\n" +
			"0002,李四,男,,上海,上海,2025-02-01,APP,普通,\n",
		"products.csv": "product_id,product_name,brand,category,category_l1,list_price\n" +
			"P1,丝绒口红,迪奥,口红,彩妆,300.00\nP2,水润粉底液,兰蔻,粉底液,彩妆,400.00\n",
		"orders.csv": "order_id,customer_id,order_time,channel,store_city,status,pay_amount,discount_amount,coupon_used\n" +
			"O1,0001,2026-10-01 10:00:00,门店,深圳,completed,280.00,20.00,1\n" +
			"O2,0001,2026-11-01 10:00:00,APP,,refunded,400.00,0,0\n" +
			"O3,0002,2026-11-02 12:00:00,天猫,,completed,380.50,,\n",
		"order_items.csv": "order_id,product_id,quantity,unit_price,amount\nO1,P1,1,300,280\nO2,P2,1,400,400\nO3,P2,1,400,380.5\n",
	}
	for k, v := range edits {
		files[k] = v
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func checksum(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil))
}

func TestImportBadInput(t *testing.T) {
	header := map[string]string{
		"customers.csv":   "customer_id,name,gender,birth_date,province,city,register_date,register_channel,member_level,phone\n",
		"orders.csv":      "order_id,customer_id,order_time,channel,store_city,status,pay_amount,discount_amount,coupon_used\n",
		"order_items.csv": "order_id,product_id,quantity,unit_price,amount\n",
		"products.csv":    "product_id,product_name,brand,category,category_l1,list_price\n",
	}
	okCustomers := "0001,张三,女,1990-05-01,广东,深圳,2025-01-01,门店,金卡,13800001111\n0002,李四,男,,上海,上海,2025-02-01,APP,普通,\n"
	okOrders := "O1,0001,2026-10-01 10:00:00,门店,深圳,completed,280.00,20.00,1\nO2,0001,2026-11-01 10:00:00,APP,,refunded,400.00,0,0\nO3,0002,2026-11-02 12:00:00,天猫,,completed,380.50,,\n"
	cases := []struct {
		name, file, body, want string
	}{
		{"MissingColumn", "customers.csv", "customer_id,name\n0001,张三\n", "customers.csv:1: fatal: 缺少必需的列 register_date"},
		{"UnknownCustomer", "orders.csv", header["orders.csv"] + okOrders + "O4,9999,2026-11-02 12:00:00,天猫,,completed,1.00,,\n", `orders.csv:5: customer_id "9999" 不在 customers.csv 中`},
		{"UnknownProduct", "order_items.csv", header["order_items.csv"] + "O1,P1,1,300,280\nO2,P9,1,1,1\n", `order_items.csv:3: product_id "P9" 不在 products.csv 中`},
		{"UnknownOrder", "order_items.csv", header["order_items.csv"] + "O1,P1,1,300,280\nO7,P1,1,1,1\n", `order_items.csv:3: order_id "O7" 不在 orders.csv 中`},
		{"BadDate", "customers.csv", header["customers.csv"] + okCustomers + "0003,王五,女,1990/01/01,广东,深圳,2025-01-01,门店,金卡,\n", `customers.csv:4: birth_date "1990/01/01" 不是 YYYY-MM-DD 日期`},
		{"ImpossibleDate", "customers.csv", header["customers.csv"] + okCustomers + "0003,王五,女,1990-02-30,广东,深圳,2025-01-01,门店,金卡,\n", `customers.csv:4: birth_date "1990-02-30" 是不存在的日期`},
		{"ImpossibleOrderTime", "orders.csv", header["orders.csv"] + okOrders + "O4,0001,2026-02-30 10:00:00,天猫,,completed,1.00,,\n", `orders.csv:5: order_time "2026-02-30 10:00:00" 是不存在的日期或时间`},
		{"BadOrderTime", "orders.csv", header["orders.csv"] + okOrders + "O4,0001,2026-13-02,天猫,,completed,1.00,,\n", `orders.csv:5: order_time "2026-13-02" 不是`},
		{"NegativeAmount", "orders.csv", header["orders.csv"] + okOrders + "O4,0001,2026-11-02 12:00:00,天猫,,completed,-5.00,,\n", `orders.csv:5: pay_amount "-5.00" 为负数`},
		{"NegativeLine", "order_items.csv", header["order_items.csv"] + "O1,P1,1,300,-280\n", `order_items.csv:2: amount "-280" 为负数`},
		{"DuplicateID", "customers.csv", header["customers.csv"] + okCustomers + "0002,重复,女,,上海,上海,2025-02-01,APP,普通,\n", `customers.csv:4: customer_id "0002" 重复`},
		{"WrongColumnCount", "products.csv", header["products.csv"] + "P1,丝绒口红,迪奥,口红,彩妆,300.00\nP2,水润粉底液,兰蔻\n", "products.csv:3: 列数为 3，表头为 6 列"},
		{"NotUTF8", "products.csv", header["products.csv"] + "P1,丝绒口红,迪奥,口红,彩妆,300.00\nP2,\xff\xfe粉底,兰蔻,粉底液,彩妆,1\n", "products.csv:3: 不是合法的 UTF-8 文本"},
		{"BadStatus", "orders.csv", header["orders.csv"] + okOrders + "O4,0001,2026-11-02 12:00:00,天猫,,paid,1.00,,\n", `orders.csv:5: status "paid"`},
		{"BadQuantity", "order_items.csv", header["order_items.csv"] + "O1,P1,0,300,280\n", "order_items.csv:2: quantity 必须是 ≥ 1 的整数"},
		{"BadGender", "customers.csv", header["customers.csv"] + "0001,张三,F,1990-05-01,广东,深圳,2025-01-01,门店,金卡,\n", `customers.csv:2: gender "F"`},
		{"MissingFile", "order_items.csv", "", "order_items.csv"},
		// A typo'd year would become the as-of date; refused without --as-of.
		{"FutureOrder", "orders.csv", header["orders.csv"] + okOrders + "O4,0001,9999-12-31 12:00:00,天猫,,completed,1.00,,\n", `orders.csv:5: order_time 9999-12-31 晚于导入当天`},
		// A broken quote is reported where its record starts.
		{"BrokenQuote", "products.csv", header["products.csv"] + "P1,丝绒口红,迪奥,口红,彩妆,300.00\nP2,\"水润粉底液,兰蔻,粉底液,彩妆,1\nP3,面霜,兰蔻,面霜,护肤,2\nP4,洗发水,兰蔻,洗发水,洗护,3\n", "products.csv:3: CSV 格式错误"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A good warehouse first; the failed import must leave it byte-for-byte.
			path := filepath.Join(t.TempDir(), "w.db")
			if _, err := Import(context.Background(), path, fixture(t, nil), ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			before := checksum(t, path)
			dir := fixture(t, map[string]string{c.file: c.body})
			if c.name == "MissingFile" {
				os.Remove(filepath.Join(dir, c.file))
			}
			_, err := Import(context.Background(), path, dir, ImportOptions{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
			if after := checksum(t, path); after != before {
				t.Fatal("failed import changed the warehouse")
			}
			left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*.building-*"))
			if len(left) > 0 {
				t.Fatalf("temporary files left behind: %v", left)
			}
		})
	}
}

// A future-dated order is fine with an explicit --as-of; an outlier date
// is imported with a warning.
func TestOrderDateBounds(t *testing.T) {
	orders := "order_id,customer_id,order_time,channel,store_city,status,pay_amount,discount_amount,coupon_used\n" +
		"O1,0001,2026-10-01 10:00:00,门店,深圳,completed,280.00,20.00,1\nO2,0001,2030-01-01 10:00:00,APP,,completed,400.00,0,0\n" +
		"O3,0002,2026-11-02 12:00:00,天猫,,completed,380.50,,\n"
	dir := fixture(t, map[string]string{"orders.csv": orders})
	path := filepath.Join(t.TempDir(), "w.db")
	today := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	if _, err := Import(context.Background(), path, dir, ImportOptions{Today: today}); err == nil || !strings.Contains(err.Error(), "2030-01-01 晚于导入当天") {
		t.Fatalf("future order without --as-of: %v", err)
	}
	asOf := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	if _, err := Import(context.Background(), path, dir, ImportOptions{Today: today, AsOf: asOf}); err != nil {
		t.Fatalf("future order with --as-of: %v", err)
	}
	// Outliers: the public data with one order moved to a year later.
	src, _ := os.ReadFile(filepath.Join(publicData, "orders.csv"))
	lines := strings.SplitN(string(src), "\n", 3)
	moved := strings.Replace(lines[1], "2026-", "2027-", 1)
	pub := t.TempDir()
	for _, f := range []string{"customers.csv", "products.csv", "order_items.csv"} {
		b, _ := os.ReadFile(filepath.Join(publicData, f))
		os.WriteFile(filepath.Join(pub, f), b, 0o644)
	}
	if moved == lines[1] {
		t.Skip("first order not dated 2026")
	}
	os.WriteFile(filepath.Join(pub, "orders.csv"), []byte(lines[0]+"\n"+moved+"\n"+lines[2]), 0o644)
	st, err := Import(context.Background(), path, pub, ImportOptions{Today: time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(st.Warnings, "\n"), "比 99.9% 的订单晚一个月以上") {
		t.Fatalf("no outlier warning: %q", st.Warnings)
	}
}

func TestSkipBadRows(t *testing.T) {
	dir := fixture(t, map[string]string{
		"orders.csv": "order_id,customer_id,order_time,channel,store_city,status,pay_amount,discount_amount,coupon_used,extra\n" +
			"O1,0001,2026-10-01 10:00:00,门店,深圳,completed,280.00,20.00,1,x\n" +
			"O2,0001,2026-11-01 10:00:00,APP,,refunded,400.00,0,0,x\n" +
			"O3,0002,2026-11-02 12:00:00,天猫,,completed,380.50,,,x\n" +
			"O9,nobody,2026-11-02 12:00:00,天猫,,completed,1,,,x\n",
	})
	path := filepath.Join(t.TempDir(), "w.db")
	report := filepath.Join(t.TempDir(), "rejected.csv")
	st, err := Import(context.Background(), path, dir, ImportOptions{SkipBadRows: true, ReportPath: report})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rejected != 1 || st.Orders != 3 {
		t.Fatalf("rejected %d, orders %d", st.Rejected, st.Orders)
	}
	if len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "extra") {
		t.Errorf("warnings %v, want the unknown column", st.Warnings)
	}
	b, _ := os.ReadFile(report)
	if !strings.Contains(string(b), `orders.csv,5,"customer_id ""nobody"" 不在 customers.csv 中"`) {
		t.Errorf("report:\n%s", b)
	}
	db := mustOpen(t, path)
	var city string
	db.QueryRow(`SELECT city FROM customers WHERE customer_id = '0001'`).Scan(&city)
	if city != "深圳" {
		t.Errorf("trailing 市 kept: %q", city)
	}
}

func TestRefreshKeepsSnapshots(t *testing.T) {
	path := MustImport(t, fixture(t, nil), ImportOptions{})
	earlier := time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)
	if _, err := Refresh(context.Background(), path, RefreshOptions{AsOf: earlier}); err != nil {
		t.Fatal(err)
	}
	model := DefaultModel()
	model.RFM[0].Name = "钻石客户"
	if _, err := Refresh(context.Background(), path, RefreshOptions{Model: model}); err != nil {
		t.Fatal(err)
	}
	db := mustOpen(t, path)
	var snaps int
	db.QueryRow(`SELECT count(*) FROM snapshots`).Scan(&snaps)
	if snaps != 2 {
		t.Fatalf("%d snapshots, want 2", snaps)
	}
	got := map[string]string{}
	rows, _ := db.Query(`SELECT m.as_of || '/' || c.customer_id, coalesce(m.rfm_class, '-') || '/' || coalesce(m.lifecycle, '-')
		FROM customer_measures m JOIN customers c ON c.id = m.customer_key`)
	for rows.Next() {
		var k, v string
		rows.Scan(&k, &v)
		got[k] = v
	}
	rows.Close()
	want := map[string]string{
		// On 2026-10-15 only 0001 has bought (14 days ago, so new; alone it
		// is at every mean: the default model's 重要价值客户).
		"2026-10-15/0001": "重要价值客户/新客户",
		"2026-10-15/0002": "-/未购客户",
		// On 2026-11-02 (renamed model): mean R 16, F 1, M 330.25. 0001 is
		// R 32 (low), F 1 (high), M 280 (low), first bought 32 days ago.
		"2026-11-02/0001": "一般保持客户/活跃客户",
		"2026-11-02/0002": "钻石客户/新客户",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("snapshots\n got %v\nwant %v", got, want)
	}
}

func TestDemoIsDeterministic(t *testing.T) {
	digest := func(seed uint64) string {
		path := filepath.Join(t.TempDir(), "demo.db")
		if _, err := Demo(context.Background(), path, DemoOptions{Customers: 500, Seed: seed}, ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		db := mustOpen(t, path)
		h := sha256.New()
		for _, q := range []string{
			`SELECT * FROM customers ORDER BY id`, `SELECT * FROM orders ORDER BY id`,
			`SELECT * FROM order_items ORDER BY rowid`, `SELECT as_of, customer_key, rfm_class, lifecycle FROM customer_measures`,
		} {
			rows, err := db.Query(q)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			for rows.Next() {
				rows.Scan(ptrs...)
				fmt.Fprint(h, vals...)
			}
			rows.Close()
		}
		return hex.EncodeToString(h.Sum(nil))
	}
	if a, b := digest(7), digest(7); a != b {
		t.Fatal("same seed, different warehouses")
	}
	if a, b := digest(7), digest(8); a == b {
		t.Fatal("different seeds, same warehouse")
	}
}

func TestDemoShape(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.db")
	if _, err := Demo(context.Background(), path, DemoOptions{Customers: 3000, Seed: 1}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	db := mustOpen(t, path)
	var neverBuy, oneTime, refunds, noBirth, nov11, classes float64
	q := func(dst *float64, s string) {
		if err := db.QueryRow(s).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	q(&neverBuy, `SELECT avg(frequency = 0) FROM customer_measures`)
	q(&oneTime, `SELECT avg(frequency = 1) FROM customer_measures`)
	q(&refunds, `SELECT avg(status != 'completed') FROM orders`)
	q(&noBirth, `SELECT avg(birth_date IS NULL) FROM customers`)
	q(&nov11, `SELECT avg(substr(date, 6, 5) BETWEEN '11-01' AND '11-11') FROM purchase_orders`)
	q(&classes, `SELECT count(DISTINCT rfm_class) FROM customer_measures`)
	t.Logf("never %.2f one-time %.2f refunds %.2f no-birth %.2f nov1-11 %.2f", neverBuy, oneTime, refunds, noBirth, nov11)
	if neverBuy < 0.05 || oneTime < 0.2 || refunds < 0.03 || noBirth < 0.05 || nov11 < 11.0/365*2 || classes != 8 {
		t.Errorf("demo lacks realistic skew")
	}
}

// TestDemoCSVRoundTrip: the demo's CSV files import to the same warehouse
// as the demo itself (the CSV writer and the import contract agree).
func TestDemoCSVRoundTrip(t *testing.T) {
	ctx := context.Background()
	d := DemoOptions{Customers: 300, Seed: 5}
	dir := t.TempDir()
	if err := DemoCSV(ctx, dir, d); err != nil {
		t.Fatal(err)
	}
	a := MustImport(t, dir, ImportOptions{})
	b := filepath.Join(t.TempDir(), "b.db")
	if _, err := Demo(ctx, b, d, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	q := `SELECT count(*) || '/' || sum(monetary_cents) || '/' || group_concat(coalesce(rfm_class, '-'), '') FROM customer_measures`
	var x, y string
	mustOpen(t, a).QueryRow(q).Scan(&x)
	mustOpen(t, b).QueryRow(q).Scan(&y)
	if x != y || x == "" {
		t.Fatalf("CSV import %q != demo %q", x, y)
	}
}

// TestCDNOWEndToEnd runs the real CDNOW sample through the whole pipeline:
// converted to the import contract, imported, refreshed at the end of the
// calibration period; the refresh's CLV fit reproduces the published
// BG/NBD and Gamma-Gamma parameters.
func TestCDNOWEndToEnd(t *testing.T) {
	f, err := os.Open("../testdata/cdnow/CDNOW_sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := t.TempDir()
	n, err := ConvertCDNOW(f, dir)
	if err != nil || n != 6919 {
		t.Fatalf("converted %d rows: %v", n, err)
	}
	calEnd := time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC)
	path := MustImport(t, dir, ImportOptions{AsOf: calEnd})
	db := mustOpen(t, path)
	var buyers int
	var mj string
	if err := db.QueryRow(`SELECT buyers, clv_json FROM snapshots WHERE as_of = '1997-09-30'`).Scan(&buyers, &mj); err != nil {
		t.Fatal(err)
	}
	var m CLVModel
	if err := json.Unmarshal([]byte(mj), &m); err != nil || m.BGNBD == nil || m.GammaGamma == nil {
		t.Fatalf("clv model %s: %v", mj, err)
	}
	near := func(name string, got, want float64) {
		if d := got - want; d > 0.005*want || d < -0.005*want {
			t.Errorf("%s = %.4f, want %.4g", name, got, want)
		}
	}
	if buyers != 2357 || m.FittedOn != 2357 {
		t.Fatalf("buyers %d, fitted on %d", buyers, m.FittedOn)
	}
	near("r", m.BGNBD.R, 0.243)
	near("alpha", m.BGNBD.Alpha, 4.414)
	near("a", m.BGNBD.A, 0.793)
	near("b", m.BGNBD.B, 2.426)
	near("p", m.GammaGamma.P, 6.25)
	near("q", m.GammaGamma.Q, 3.74)
	near("v", m.GammaGamma.V, 15.44)
}

// TestOldWarehouseMigrates: a warehouse without the CLV columns is refused
// for serving with a clear message, and one refresh brings it up to date.
func TestOldWarehouseMigrates(t *testing.T) {
	path := MustImport(t, fixture(t, nil), ImportOptions{})
	rw, err := OpenRW(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range addedColumns {
		if _, err := rw.Exec("ALTER TABLE " + c.table + " DROP COLUMN " + c.column); err != nil {
			t.Fatal(err)
		}
	}
	rw.Close()
	if _, err := LoadCatalog(context.Background(), mustOpen(t, path)); !errors.Is(err, ErrOldWarehouse) {
		t.Fatalf("old warehouse: %v", err)
	}
	if _, err := Refresh(context.Background(), path, RefreshOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCatalog(context.Background(), mustOpen(t, path)); err != nil {
		t.Fatalf("after refresh: %v", err)
	}
}

func TestSnapshotsToDrop(t *testing.T) {
	days := []string{"2026-11-30", "2026-11-22", "2026-11-01", "2026-10-31", "2026-09-30", "2026-09-15", "2026-06-30", "2026-03-31", "2025-12-31"}
	for _, c := range []struct {
		keep Retention
		made string
		want string
	}{
		// The newest 3, and the newest of each of the last 8 quarters.
		{Retention{Latest: 3, Quarters: 8}, "2026-11-30", "2026-10-31 2026-09-15"},
		{Retention{Latest: 1, Quarters: 2}, "2026-11-30", "2026-11-22 2026-11-01 2026-10-31 2026-09-15 2026-06-30 2026-03-31 2025-12-31"},
		{Retention{Latest: 1, Quarters: 0}, "2026-03-31", "2026-11-22 2026-11-01 2026-10-31 2026-09-30 2026-09-15 2026-06-30 2025-12-31"},
		{Retention{Latest: 20, Quarters: 0}, "2026-11-30", ""},
	} {
		if got := strings.Join(SnapshotsToDrop(days, c.keep, c.made), " "); got != c.want {
			t.Errorf("%+v: drop %q, want %q", c.keep, got, c.want)
		}
	}
}

// A refresh applies the retention to the file: dropped snapshots lose their
// measures and sets too.
func TestRefreshRetention(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.db")
	if _, err := Import(context.Background(), path, publicData, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"2026-08-31", "2026-09-30", "2026-10-15", "2026-10-31"} {
		day, _ := ParseDate(d)
		if _, err := Refresh(context.Background(), path, RefreshOptions{AsOf: day, Keep: Retention{Latest: 2, Quarters: 1}}); err != nil {
			t.Fatal(err)
		}
	}
	db, _ := OpenRO(path)
	defer db.Close()
	var snaps string
	db.QueryRow(`SELECT group_concat(as_of, ' ') FROM (SELECT as_of FROM snapshots ORDER BY as_of)`).Scan(&snaps)
	// Latest 2 (11-22 import, 10-31) + the newest of the last quarter (Q4: 11-22) + the one made.
	if snaps != "2026-10-31 2026-11-22" {
		t.Errorf("snapshots %q", snaps)
	}
	var stray int
	db.QueryRow(`SELECT (SELECT count(*) FROM customer_measures WHERE as_of NOT IN (SELECT as_of FROM snapshots))
		+ (SELECT count(*) FROM customer_sets WHERE as_of NOT IN (SELECT as_of FROM snapshots))`).Scan(&stray)
	if stray != 0 {
		t.Errorf("%d rows of dropped snapshots remain", stray)
	}
}
