package schema

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"testing"

	"github.com/chatbi/chatbi/schema/custset"
)

// TestCustomerSetsMatchFacts decodes every stored set of the public
// warehouse and compares it with the members computed in plain SQL from
// the facts and the snapshot: no set missing, none extra, no member off.
func TestCustomerSetsMatchFacts(t *testing.T) {
	path := MustImport(t, publicData, ImportOptions{})
	db := mustOpen(t, path)

	want := map[string][]uint32{}
	collect := func(q string) {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var m uint32
			if err := rows.Scan(&k, &m); err != nil {
				t.Fatal(err)
			}
			want[k] = append(want[k], m)
		}
	}
	for _, l := range purchaseSetLevels {
		channel := "coalesce(pl.channel, '')"
		if l.level == "product" { // product sets hold every channel together
			channel = "''"
		}
		collect(fmt.Sprintf(`SELECT DISTINCT '%s|' || p.%s || '|' || pl.date || '|' || %s, pl.customer_key
			FROM purchase_lines pl JOIN products p ON p.id = pl.product_key WHERE p.%s IS NOT NULL ORDER BY 1, 2`, l.level, l.column, channel, l.column))
	}
	collect(`SELECT DISTINCT 'all||' || date || '|' || coalesce(channel, ''), customer_key FROM purchase_orders ORDER BY 1, 2`)
	for _, a := range SetAttrs {
		collect(fmt.Sprintf(`SELECT as_of || '|' || '%s|' || %s, customer_key FROM customer_measures WHERE %s IS NOT NULL ORDER BY 1, 2`, a, a, a))
	}
	collect(`SELECT as_of || '|*|', customer_key FROM customer_measures ORDER BY 1, 2`)
	collect(`SELECT as_of || '|tag|' || tag, customer_key FROM customer_tags ORDER BY 1, 2`)
	collect(`SELECT as_of || '|repeat|2+', customer_key FROM customer_measures WHERE frequency >= 2 ORDER BY 1, 2`)
	// Age bands at each snapshot, in SQL's own arithmetic.
	collect(`SELECT as_of || '|age_band|' || CASE WHEN age < 25 THEN '25岁以下' WHEN age < 35 THEN '25–34岁' WHEN age < 45 THEN '35–44岁'
		WHEN age < 55 THEN '45–54岁' ELSE '55岁及以上' END, customer_key
		FROM (SELECT as_of, customer_key, CAST(substr(as_of, 1, 4) AS INTEGER) - CAST(substr(birth_date, 1, 4) AS INTEGER)
			- (substr(as_of, 6, 5) < substr(birth_date, 6, 5)) AS age FROM customer_measures WHERE birth_date IS NOT NULL) ORDER BY 1, 2`)
	// Each whole-year age, in the compiler's text comparison: age ≥ a ⇔
	// born on or before the as-of month-day a years earlier.
	collect(`SELECT as_of || '|age|' || printf('%03d', age), customer_key
		FROM (SELECT as_of, customer_key, CAST(substr(as_of, 1, 4) AS INTEGER) - CAST(substr(birth_date, 1, 4) AS INTEGER)
			- (substr(as_of, 6, 5) < substr(birth_date, 6, 5)) AS age FROM customer_measures WHERE birth_date IS NOT NULL) ORDER BY 1, 2`)
	// Each buyer's top leaf category over the 12 months to the snapshot
	// (ties: the first name).
	collect(`SELECT s.as_of || '|top_category|' || (SELECT p.category FROM purchase_lines pl JOIN products p ON p.id = pl.product_key
			WHERE pl.customer_key = b.customer_key AND pl.date BETWEEN date(s.as_of, '-12 months', '+1 day') AND s.as_of
			GROUP BY p.category ORDER BY sum(pl.amount_cents) DESC, p.category LIMIT 1), b.customer_key
		FROM snapshots s JOIN (SELECT DISTINCT customer_key FROM purchase_lines) b
		WHERE EXISTS (SELECT 1 FROM purchase_lines pl WHERE pl.customer_key = b.customer_key AND pl.date BETWEEN date(s.as_of, '-12 months', '+1 day') AND s.as_of)
		ORDER BY 1, 2`)

	got := map[string][]uint32{}
	read := func(q string) {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var b []byte
			if err := rows.Scan(&k, &b); err != nil {
				t.Fatal(err)
			}
			s, err := custset.Decode(b)
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			got[k] = s.ToArray()
		}
	}
	read(`SELECT level || '|' || term || '|' || date || '|' || channel, customers FROM purchase_sets`)
	read(`SELECT as_of || '|' || attr || '|' || value, customers FROM customer_sets`)
	if len(got) < 1000 {
		t.Fatalf("only %d sets", len(got))
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("set %s: %d members stored, %d in the facts", k, len(got[k]), len(w))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("set %s stored but has no members in the facts", k)
		}
	}
	cat, err := LoadCatalog(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if !cat.HasSets(cat.AsOf) || cat.HasSets(cat.AsOf.AddDate(0, 0, -1)) {
		t.Errorf("HasSets: %v on %s, want only that day", cat.SetSnapshots, FormatDate(cat.AsOf))
	}
}

// TestOldWarehouseGetsSets: a warehouse from before customer sets serves
// without them (plain SQL) and its next refresh builds them.
func TestOldWarehouseGetsSets(t *testing.T) {
	path := MustImport(t, fixture(t, nil), ImportOptions{})
	rw, err := OpenRW(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rw.Exec(`DROP TABLE purchase_sets; DROP TABLE customer_sets; DELETE FROM meta WHERE key = 'purchase_sets'`); err != nil {
		t.Fatal(err)
	}
	rw.Close()
	catalog := func() *Catalog {
		db, err := OpenRO(path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		cat, err := LoadCatalog(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		return cat
	}
	if cat := catalog(); cat.PurchaseSets || cat.HasSets(cat.AsOf) {
		t.Fatalf("old warehouse claims sets: %v %v", cat.PurchaseSets, cat.SetSnapshots)
	}
	if _, err := Refresh(context.Background(), path, RefreshOptions{}); err != nil {
		t.Fatal(err)
	}
	if cat := catalog(); !cat.HasSets(cat.AsOf) {
		t.Fatalf("after refresh: no sets (%v %v)", cat.PurchaseSets, cat.SetSnapshots)
	}
	db, _ := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM purchase_sets`).Scan(&n); err != nil || n == 0 {
		t.Errorf("purchase sets after refresh: %d, %v", n, err)
	}
}

// product_days is each product's completed lines summed per day and
// channel, exactly as the lines sum, and the catalog knows it is built.
func TestProductDaysMatchLines(t *testing.T) {
	path := MustImport(t, fixture(t, nil), ImportOptions{})
	db := mustOpen(t, path)
	var n, bad int
	db.QueryRow(`SELECT count(*) FROM product_days`).Scan(&n)
	err := db.QueryRow(`SELECT count(*) FROM (
		SELECT oi.product_key, o.order_date AS date, coalesce(o.channel, '') AS channel, sum(oi.amount_cents) AS a, sum(oi.quantity) AS u
		FROM order_items oi JOIN orders o ON o.id = oi.order_key WHERE o.status = 'completed' GROUP BY 1, 2, 3) f
		FULL JOIN product_days d ON d.product_key = f.product_key AND d.date = f.date AND d.channel = f.channel
		WHERE d.date IS NULL OR f.date IS NULL OR d.amount_cents <> f.a OR d.units <> f.u`).Scan(&bad)
	if err != nil || bad != 0 || n == 0 {
		t.Errorf("product_days: %d rows, %d differ from the lines (%v)", n, bad, err)
	}
	cat, err := LoadCatalog(context.Background(), db)
	if err != nil || !cat.ProductDays {
		t.Errorf("catalog: product days %v (%v)", cat != nil && cat.ProductDays, err)
	}
}

// order_days is the completed orders summed per day and channel.
func TestOrderDaysMatchOrders(t *testing.T) {
	path := MustImport(t, fixture(t, nil), ImportOptions{})
	db := mustOpen(t, path)
	var n, bad int
	db.QueryRow(`SELECT count(*) FROM order_days`).Scan(&n)
	err := db.QueryRow(`SELECT count(*) FROM (
		SELECT order_date AS date, coalesce(channel, '') AS channel, sum(CAST(round(pay_amount * 100) AS INTEGER)) AS p, count(*) AS k
		FROM orders WHERE status = 'completed' GROUP BY 1, 2) f
		FULL JOIN order_days d ON d.date = f.date AND d.channel = f.channel
		WHERE d.date IS NULL OR f.date IS NULL OR d.pay_cents <> f.p OR d.orders <> f.k`).Scan(&bad)
	if err != nil || bad != 0 || n == 0 {
		t.Errorf("order_days: %d rows, %d differ from the orders (%v)", n, bad, err)
	}
	if cat, err := LoadCatalog(context.Background(), db); err != nil || !cat.OrderDays {
		t.Errorf("catalog: order days not built (%v)", err)
	}
}
