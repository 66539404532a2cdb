package schema

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/chatbi/chatbi/schema/custset"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// tagFixture is a small warehouse whose tags are worked out by hand in
// TestBehaviourTags (as of 2026-11-22; window 2025-11-23 … 2026-11-22).
func tagFixture(t *testing.T, promo, brands bool) string {
	t.Helper()
	var cust strings.Builder
	cust.WriteString("customer_id,name,gender,birth_date,province,city,register_date,register_channel,member_level,phone\n")
	for i := 1; i <= 6; i++ {
		fmt.Fprintf(&cust, "C%d,客户%d,女,,广东,深圳,2024-01-01,门店,金卡,\n", i, i)
	}
	brand := func(b string) string {
		if brands {
			return b
		}
		return ""
	}
	products := "product_id,product_name,brand,category,category_l1,list_price\n" +
		"P1,丝绒口红," + brand("迪奥") + ",口红,彩妆,100\n" +
		"P2,水润粉底液," + brand("兰蔻") + ",粉底液,彩妆,300\n" +
		"P3,四色眼影," + brand("迪奥") + ",眼影,彩妆,300\n" +
		"P4,修护面霜,,面霜,护肤,300\n" +
		"P5,淡香水," + brand("兰蔻") + ",香水,香氛,5000\n"
	var orders, items strings.Builder
	orders.WriteString("order_id,customer_id,order_time,channel,store_city,status,pay_amount,discount_amount,coupon_used\n")
	items.WriteString("order_id,product_id,quantity,unit_price,amount\n")
	n := 0
	order := func(c, day, status, product string, pay float64, coupon bool) {
		n++
		disc, cp := "0", "0"
		if coupon {
			cp = "1"
		}
		if !promo {
			disc, cp = "", ""
		}
		fmt.Fprintf(&orders, "O%d,%s,%s 10:00:00,门店,,%s,%.2f,%s,%s\n", n, c, day, status, pay, disc, cp)
		fmt.Fprintf(&items, "O%d,%s,1,%.2f,%.2f\n", n, product, pay, pay)
	}
	for i := 0; i < 5; i++ { // C1: 5 orders, all 迪奥 lipstick; one with a coupon (20%)
		order("C1", fmt.Sprintf("2026-0%d-10", i+3), "completed", "P1", 100, i == 0)
	}
	order("C2", "2026-06-01", "completed", "P5", 5000, false) // one big order
	order("C2", "2026-07-01", "refunded", "P5", 9999, false)  // counts for nothing
	order("C3", "2026-05-01", "completed", "P1", 200, true)   // two orders, both with a coupon
	order("C3", "2026-06-01", "completed", "P1", 200, true)
	for i, p := range []string{"P1", "P2", "P3", "P4"} { // C4: four categories, 迪奥 half
		order("C4", fmt.Sprintf("2026-0%d-15", i+4), "completed", p, 300, false)
	}
	order("C5", "2025-11-22", "completed", "P5", 6000, false) // a day before the window
	order("C5", "2026-10-01", "completed", "P1", 10, false)
	order("C6", "2026-02-01", "completed", "P4", 400, false) // no-brand lines outweigh 迪奥
	order("C6", "2026-03-01", "completed", "P4", 400, false)
	order("C6", "2026-04-01", "completed", "P1", 50, false)
	order("C1", "2026-11-22", "cancelled", "P2", 1, false) // the as-of day, cancelled
	return fixture(t, map[string]string{"customers.csv": cust.String(), "products.csv": products,
		"orders.csv": orders.String(), "order_items.csv": items.String()})
}

// TestBehaviourTags checks each tag's rule, the nearest-rank cut-offs and
// the behaviour window against a hand count:
//
//	orders in the window: C1 5, C2 1, C3 2, C4 4, C5 1, C6 3 → sorted 1 1 2 3 4 5, P80 = rank 5 = 4
//	their 16 payments → P90 = rank 15 = 400 (C2's 5000 is the only larger one)
//	leaf categories: 1 1 1 4 1 2 → sorted 1 1 1 1 2 4, P80 = rank 5 = 2
func TestBehaviourTags(t *testing.T) {
	asOf := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name          string
		promo, brands bool
		want          map[string][]string
		skipped       []string
	}{
		{"all data", true, true, map[string][]string{
			TagFrequent: {"C1", "C4"}, TagBigTicket: {"C2"}, TagPromo: {"C3"}, TagBrandLoyal: {"C1"}, TagExplorer: {"C4"}}, nil},
		{"no promotion columns", false, true, map[string][]string{
			TagFrequent: {"C1", "C4"}, TagBigTicket: {"C2"}, TagBrandLoyal: {"C1"}, TagExplorer: {"C4"}}, []string{TagPromo}},
		{"no brands", true, false, map[string][]string{
			TagFrequent: {"C1", "C4"}, TagBigTicket: {"C2"}, TagPromo: {"C3"}, TagExplorer: {"C4"}}, []string{TagBrandLoyal}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := MustImport(t, tagFixture(t, c.promo, c.brands), ImportOptions{AsOf: asOf})
			db := mustOpen(t, path)
			got := map[string][]string{}
			rows, err := db.Query(`SELECT t.tag, c.customer_id FROM customer_tags t JOIN customers c ON c.id = t.customer_key
				WHERE t.as_of = '2026-11-22' ORDER BY t.tag, c.customer_id`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var tag, id string
				rows.Scan(&tag, &id)
				got[tag] = append(got[tag], id)
			}
			rows.Close()
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("tags\n got %v\nwant %v", got, c.want)
			}
			cats, err := LoadTagCutoffs(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			cut := cats["2026-11-22"]
			if cut == nil || cut.From != "2025-11-23" || cut.OrdersP80 != 4 || cut.PayP90 != 400 || cut.CategoriesP80 != 2 || cut.Buyers != 6 {
				t.Fatalf("cut-offs %+v", cut)
			}
			for _, tag := range BehaviourTags {
				why := cut.Unavailable(tag)
				skipped := false
				for _, s := range c.skipped {
					skipped = skipped || s == tag
				}
				if (why != "") != skipped {
					t.Errorf("%s unavailable: %q", tag, why)
				}
				if cut.Counts[tag] != len(c.want[tag]) {
					t.Errorf("%s count %d, want %d", tag, cut.Counts[tag], len(c.want[tag]))
				}
			}
		})
	}
	if why := (*TagCutoffs)(nil).Unavailable(TagFrequent); !strings.Contains(why, "refresh") {
		t.Errorf("a snapshot from before the tags: %q", why)
	}
}

func TestNearestRank(t *testing.T) {
	for _, c := range []struct {
		vals []int64
		k    int
		want int64
	}{
		{nil, 80, 0},
		{[]int64{7}, 80, 7},
		{[]int64{5, 1, 4, 2, 3}, 80, 4},    // rank ⌈4⌉ = 4
		{[]int64{1, 2, 3, 4, 5, 6}, 80, 5}, // rank ⌈4.8⌉ = 5
		{[]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, 9},
	} {
		if got := nearestRank(append([]int64{}, c.vals...), c.k); got != c.want {
			t.Errorf("P%d of %v = %d, want %d", c.k, c.vals, got, c.want)
		}
	}
}

// An import from Excel on Chinese Windows (GBK/GB18030) is read as such,
// with a warning; a day that does not exist is reported as that.
func TestImportGBKAndImpossibleDates(t *testing.T) {
	dir := fixture(t, nil)
	for _, name := range []string{"customers.csv", "products.csv"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		gbk, err := simplifiedchinese.GB18030.NewEncoder().Bytes(b)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), gbk, 0o644)
	}
	path := filepath.Join(t.TempDir(), "w.db")
	st, err := Import(context.Background(), path, dir, ImportOptions{})
	if err != nil {
		t.Fatalf("GBK import: %v", err)
	}
	if !strings.Contains(strings.Join(st.Warnings, "\n"), "GBK") {
		t.Errorf("warnings %v", st.Warnings)
	}
	var city string
	if err := mustOpen(t, path).QueryRow(`SELECT city FROM customers WHERE customer_id = '0001'`).Scan(&city); err != nil || city != "深圳" {
		t.Errorf("city %q %v", city, err)
	}
}

// The catalog's lists are written at import and read back as computed.
func TestCatalogListsCached(t *testing.T) {
	path := MustImport(t, fixture(t, nil), ImportOptions{})
	db := mustOpen(t, path)
	var js string
	if err := db.QueryRow(`SELECT value FROM meta WHERE key = 'catalog_lists'`).Scan(&js); err != nil || js == "" {
		t.Fatalf("no cached lists: %v", err)
	}
	cat, err := LoadCatalog(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	want, err := computeCatalogLists(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	var got catalogLists
	got.Categories, got.CategoriesL1, got.Brands, got.Products = cat.Categories, cat.CategoriesL1, cat.Brands, cat.Products
	got.Cities, got.Provinces, got.MemberLevels, got.RegisterChannels, got.Channels = cat.Cities, cat.Provinces, cat.MemberLevels, cat.RegisterChannels, cat.Channels
	got.ProductTerms = cat.ProductTerms
	if !reflect.DeepEqual(got, want) || len(got.Cities) == 0 || len(got.Channels) == 0 {
		t.Errorf("cached %+v, computed %+v", got, want)
	}
}

// customer_windows holds, for the newest as-of date, each recent buyer's
// spend and orders in the standard windows — the same sums the orders give.
func TestWindowMeasures(t *testing.T) {
	path := MustImport(t, tagFixture(t, true, true), ImportOptions{AsOf: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)})
	db := mustOpen(t, path)
	w := loadWindows(context.Background(), db)
	if w == nil || w.AsOf != "2026-11-22" || w.From["3m"] != "2026-08-23" || w.From["30d"] != "2026-10-24" || w.From["ytd"] != "2026-01-01" || w.From["1y"] != "2025-11-23" {
		t.Fatalf("windows %+v", w)
	}
	if !w.Walk {
		t.Error("no walk indexes")
	}
	from := func(k string) string {
		if k == "all" {
			return "0000-01-01"
		}
		return w.From[k]
	}
	for _, k := range WalkKeys {
		var bad int
		err := db.QueryRow(`SELECT count(*) FROM (
			SELECT po.customer_key, sum(po.pay_cents) AS s, count(*) AS n FROM purchase_orders po
			WHERE po.date BETWEEN ? AND '2026-11-22' GROUP BY po.customer_key) f
			LEFT JOIN customer_windows cw ON cw.customer_key = f.customer_key
			WHERE cw.customer_key IS NULL OR cw.spend_`+k+` <> f.s OR cw.orders_`+k+` <> f.n`, from(k)).Scan(&bad)
		var extra int
		db.QueryRow(`SELECT count(*) FROM customer_windows WHERE orders_`+k+` > 0 AND customer_key NOT IN
			(SELECT customer_key FROM purchase_orders WHERE date BETWEEN ? AND '2026-11-22')`, from(k)).Scan(&extra)
		if err != nil || bad != 0 || extra != 0 {
			t.Errorf("%s: %d buyers differ, %d extra (%v)", k, bad, extra, err)
		}
		// The walk's set: exactly the customers with positive spend.
		var blob []byte
		if err := db.QueryRow(`SELECT customers FROM window_sets WHERE col = ?`, "spend_"+k).Scan(&blob); err != nil {
			t.Fatalf("window set %s: %v", k, err)
		}
		set, err := custset.Decode(blob)
		if err != nil {
			t.Fatal(err)
		}
		var pos int
		db.QueryRow(`SELECT count(*) FROM customer_windows WHERE spend_` + k + ` > 0`).Scan(&pos)
		if int(set.GetCardinality()) != pos || (k == "all" && pos == 0) {
			t.Errorf("window set %s has %d, %d spent", k, set.GetCardinality(), pos)
		}
		// The window's buyers (≥ 1 order) and repeat buyers (≥ 2).
		for col, min := range map[string]int{WindowBuyers(k): 1, WindowRepeat(k): 2} {
			var blob []byte
			var want int
			db.QueryRow(`SELECT customers FROM window_sets WHERE col = ?`, col).Scan(&blob)
			db.QueryRow(`SELECT count(*) FROM customer_windows WHERE orders_`+k+` >= ?`, min).Scan(&want)
			got, err := custset.Decode(blob)
			if err != nil || int(got.GetCardinality()) != want || (k == "all" && want == 0) {
				t.Errorf("window set %s: %v members, %d in the measures (%v)", col, got, want, err)
			}
		}
	}
	checkRanks(t, db)
	// The whole history is the snapshot's monetary value.
	var off int
	db.QueryRow(`SELECT count(*) FROM customer_measures m LEFT JOIN customer_windows cw ON cw.customer_key = m.customer_key
		WHERE m.as_of = '2026-11-22' AND coalesce(cw.spend_all, 0) <> m.monetary_cents`).Scan(&off)
	if off != 0 {
		t.Errorf("%d customers' spend_all differs from monetary_cents", off)
	}
	// A refresh of an earlier date leaves the newest date's measures.
	if _, err := Refresh(context.Background(), path, RefreshOptions{AsOf: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if w := loadWindows(context.Background(), mustOpen(t, path)); w == nil || w.AsOf != "2026-11-22" {
		t.Errorf("after an earlier refresh: %+v", w)
	}
}

// checkRanks: each walk column's buckets, in order, cover its buyers
// exactly once, each customer ranked (spend descending, then key) before
// every one in a later bucket.
func checkRanks(t *testing.T, db *sql.DB) {
	t.Helper()
	for _, k := range WalkKeys {
		rows, err := db.Query(`SELECT bucket, customers FROM window_ranks WHERE col = ? ORDER BY bucket`, "spend_"+k)
		if err != nil {
			t.Fatal(err)
		}
		type rk struct{ spend, key int64 }
		var prevWorst *rk
		seen := 0
		for rows.Next() {
			var b int
			var blob []byte
			rows.Scan(&b, &blob)
			set, err := custset.Decode(blob)
			if err != nil {
				t.Fatal(err)
			}
			if int(set.GetCardinality()) > RankBucket(b) {
				t.Errorf("%s bucket %d holds %d", k, b, set.GetCardinality())
			}
			var best, worst *rk
			for _, key := range set.ToArray() {
				var sp int64
				db.QueryRow(`SELECT spend_`+k+` FROM customer_windows WHERE customer_key = ?`, key).Scan(&sp)
				r := rk{sp, int64(key)}
				if best == nil || r.spend > best.spend || r.spend == best.spend && r.key < best.key {
					best = &r
				}
				if worst == nil || r.spend < worst.spend || r.spend == worst.spend && r.key > worst.key {
					worst = &r
				}
				seen++
			}
			if prevWorst != nil && best != nil && (best.spend > prevWorst.spend || best.spend == prevWorst.spend && best.key < prevWorst.key) {
				t.Errorf("%s bucket %d: %+v ranks before the previous bucket's %+v", k, b, *best, *prevWorst)
			}
			prevWorst = worst
		}
		rows.Close()
		var pos int
		db.QueryRow(`SELECT count(*) FROM customer_windows WHERE spend_` + k + ` > 0`).Scan(&pos)
		if seen != pos {
			t.Errorf("%s: ranks hold %d, %d spent", k, seen, pos)
		}
	}
}

// Rankings over several buckets, with ties: 40,000 buyers, spends drawn
// from few values.
func TestWindowRanksAcrossBuckets(t *testing.T) {
	db, err := sql.Open("sqlite3", filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.Exec(windowsDDL + `; CREATE TABLE window_sets(col TEXT PRIMARY KEY, customers BLOB NOT NULL);
		CREATE TABLE window_ranks(col TEXT NOT NULL, bucket INTEGER NOT NULL, customers BLOB NOT NULL, PRIMARY KEY (col, bucket)) WITHOUT ROWID`); err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	cols := "customer_key"
	marks := "?"
	for _, k := range WalkKeys {
		cols += ", spend_" + k + ", orders_" + k
		marks += ", ?, ?"
	}
	for key := 1; key <= 40000; key++ {
		args := []any{key}
		for i := range WalkKeys {
			args = append(args, (key*(7+i))%53*100, 1)
		}
		if _, err := tx.Exec(`INSERT INTO customer_windows(`+cols+`) VALUES (`+marks+`)`, args...); err != nil {
			t.Fatal(err)
		}
	}
	if err := buildWindowSets(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var buckets int
	db.QueryRow(`SELECT count(*) FROM window_ranks WHERE col = 'spend_all'`).Scan(&buckets)
	if buckets < 4 {
		t.Fatalf("%d buckets: too few to test their order", buckets)
	}
	checkRanks(t, db)
}
