package schema

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/chatbi/chatbi/schema/custset"
)

// Customer sets are derived from the facts and the snapshots, like the
// indexes: import builds the purchase sets once, every refresh the
// attribute sets of its snapshot. See package custset for why.

// metaPurchaseSets marks a warehouse whose purchase_sets are complete; the
// compiler uses sets only then (an older file answers by plain SQL until
// its next refresh builds them).
const metaPurchaseSets = "purchase_sets"

// Set levels of purchase_sets, and the products column each is keyed by.
var purchaseSetLevels = []struct{ level, column string }{
	{"category", "category"}, {"category_l1", "category_l1"}, {"brand", "brand"}, {"product", "product_id"},
}

// SetAttrs are the customer_measures columns with per-value sets at every
// snapshot; AllCustomers is the attr of the set of every customer.
var SetAttrs = []string{"rfm_class", "lifecycle", "potential", "gender", "city", "province", "member_level", "register_channel"}

// AllCustomers is the customer_sets attr whose one set holds every customer.
const AllCustomers = "*"

// Derived attrs of customer_sets, for the why-analysis's dimensions: the
// age band at the snapshot and the leaf category a buyer spent most on in
// the behaviour window (schema/tags.go).
const (
	AgeBandAttr     = "age_band"
	TopCategoryAttr = "top_category"
	// RepeatAttr's one value RepeatValue holds the customers with two or
	// more completed orders up to the snapshot (复购率 by group, from sets).
	RepeatAttr  = "repeat"
	RepeatValue = "2+"
	// AgeAttr holds one set per whole-year age at the snapshot, its value
	// the age in three digits ("030"), so an age range is a text range.
	AgeAttr = "age"
)

// AgeValue is the AgeAttr value of an age.
func AgeValue(age int) string { return fmt.Sprintf("%03d", age) }

// AgeBands label whole-year ages at the snapshot; a customer without a
// birth date has none.
var AgeBands = []struct {
	Label    string
	Min, Max int // inclusive
}{{"25岁以下", 0, 24}, {"25–34岁", 25, 34}, {"35–44岁", 35, 44}, {"45–54岁", 45, 54}, {"55岁及以上", 55, 200}}

// ageAt is the whole-year age of a birth date (YYYY-MM-DD) at day, as the
// compiler's SQL reads it (born on or before day's month-day a years
// earlier); ok is false without a valid date or before birth.
func ageAt(birth string, day time.Time) (age int, ok bool) {
	b, err := ParseDate(birth)
	if err != nil {
		return 0, false
	}
	age = day.Year() - b.Year()
	if day.Month() < b.Month() || day.Month() == b.Month() && day.Day() < b.Day() {
		age--
	}
	return age, age >= 0 && age < 1000
}

// ageBand is the band of a birth date (YYYY-MM-DD) at day, or "".
func ageBand(birth string, day time.Time) string {
	age, ok := ageAt(birth, day)
	if !ok {
		return ""
	}
	for _, band := range AgeBands {
		if age >= band.Min && age <= band.Max {
			return band.Label
		}
	}
	return ""
}

type setKey struct{ level, term, date, channel string }

// metaProductDays marks a warehouse whose product_days are built (one
// imported before them has the table empty, or none).
const metaProductDays = "product_days"

// metaOrderDays marks a warehouse whose order_days are built.
const metaOrderDays = "order_days"

// setWriter inserts finished sets.
type setWriter struct{ b *batch }

func (w setWriter) put(k setKey, s *custset.Set) error {
	blob, err := custset.Encode(s)
	if err != nil {
		return fmt.Errorf("encode set %v: %w", k, err)
	}
	return w.b.add(k.level, k.term, k.date, k.channel, blob)
}

// buildPurchaseSets fills purchase_sets from purchase_lines and
// purchase_orders. Lines are read in (product, date) order, so a product's
// set for one day is written as soon as it is complete; only the coarser
// levels are held in memory. Product sets are not split by channel (that
// would make them 3/4 of all sets for the rarest questions): a product
// bought through a named channel is answered by plain SQL.
func buildPurchaseSets(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM purchase_sets`); err != nil {
		return fmt.Errorf("clear purchase sets: %w", err)
	}
	terms := map[int64][4]sql.NullString{} // product key → category, category_l1, brand, product_id
	rows, err := tx.QueryContext(ctx, `SELECT id, category, category_l1, brand, product_id FROM products`)
	if err != nil {
		return fmt.Errorf("read products: %w", err)
	}
	for rows.Next() {
		var id int64
		var t [4]sql.NullString
		if err := rows.Scan(&id, &t[0], &t[1], &t[2], &t[3]); err != nil {
			rows.Close()
			return err
		}
		terms[id] = t
	}
	rows.Close()
	b, err := newBatch(ctx, tx, "purchase_sets", []string{"level", "term", "date", "channel", "customers"})
	if err != nil {
		return err
	}
	w := setWriter{b}

	// A group is the lines of one (product, date, channel), the scan's
	// order. The sets a group feeds (its product's, and its category's, L1's
	// and brand's that day and channel) are found once per group, so a line
	// costs four bitmap adds and no lookup.
	g := newSetGroups(w)
	// The same groups summed are product_days (the index covers the
	// amounts, so the scan reads no table row).
	// A warehouse imported before purchase_lines had quantities gets its
	// sets but no product_days (its line measures keep reading the lines).
	withDays := true
	if r, err := tx.QueryContext(ctx, `SELECT quantity FROM purchase_lines LIMIT 0`); err != nil {
		withDays = false
	} else {
		r.Close()
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM product_days`); err != nil {
		return fmt.Errorf("clear product days: %w", err)
	}
	days, err := newBatch(ctx, tx, "product_days", []string{"date", "product_key", "channel", "amount_cents", "units"})
	if err != nil {
		return err
	}
	var pday struct {
		pk            int64
		date, channel string
		amount, units int64
	}
	flushDay := func() error {
		if pday.date == "" || !withDays {
			return nil
		}
		return days.add(pday.date, pday.pk, pday.channel, pday.amount, pday.units)
	}
	sums := "amount_cents, quantity"
	if !withDays {
		sums = "0, 0"
	}
	rows, err = tx.QueryContext(ctx, `SELECT product_key, date, coalesce(channel, ''), customer_key, `+sums+`
		FROM purchase_lines INDEXED BY purchase_lines_product ORDER BY product_key, date, channel`)
	if err != nil {
		return fmt.Errorf("read purchase lines: %w", err)
	}
	lastPK := int64(-1)
	for rows.Next() {
		var pk, ck, amount, qty int64
		var d, c sql.RawBytes
		if err := rows.Scan(&pk, &d, &c, &ck, &amount, &qty); err != nil {
			rows.Close()
			return err
		}
		if pk != lastPK || string(d) != g.date || string(c) != g.channel {
			lastPK = pk
			if err := flushDay(); err != nil {
				rows.Close()
				return err
			}
			if err := g.start(terms[pk], string(d), string(c)); err != nil {
				rows.Close()
				return err
			}
			pday.pk, pday.date, pday.channel, pday.amount, pday.units = pk, g.date, g.channel, 0, 0
		}
		pday.amount += amount
		pday.units += qty
		m, err := member(ck)
		if err != nil {
			rows.Close()
			return err
		}
		for _, s := range g.targets {
			s.Add(m)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read purchase lines: %w", err)
	}
	if err := g.finish(); err != nil {
		return err
	}
	if err := flushDay(); err != nil {
		return err
	}
	if err := days.flush(); err != nil {
		return err
	}
	if withDays {
		if err := setMeta(ctx, tx, metaProductDays, "1"); err != nil {
			return err
		}
	}

	// Any completed order: level all, one set per (date, channel) in order;
	// the same groups' spend and order counts are order_days.
	if _, err := tx.ExecContext(ctx, `DELETE FROM order_days`); err != nil {
		return fmt.Errorf("clear order days: %w", err)
	}
	odays, err := newBatch(ctx, tx, "order_days", []string{"date", "channel", "pay_cents", "orders"})
	if err != nil {
		return err
	}
	var pay, orders int64
	rows, err = tx.QueryContext(ctx, `SELECT date, coalesce(channel, ''), customer_key, pay_cents
		FROM purchase_orders INDEXED BY purchase_orders_date ORDER BY date, channel`)
	if err != nil {
		return fmt.Errorf("read purchase orders: %w", err)
	}
	day := setKey{level: "all"}
	daySet := custset.New()
	for rows.Next() {
		var ck, cents int64
		var d, c sql.RawBytes
		if err := rows.Scan(&d, &c, &ck, &cents); err != nil {
			rows.Close()
			return err
		}
		if string(d) != day.date || string(c) != day.channel {
			if !daySet.IsEmpty() {
				if err := w.put(day, daySet); err != nil {
					rows.Close()
					return err
				}
				if err := odays.add(day.date, day.channel, pay, orders); err != nil {
					rows.Close()
					return err
				}
			}
			day.date, day.channel, daySet, pay, orders = string(d), string(c), custset.New(), 0, 0
		}
		pay += cents
		orders++
		m, err := member(ck)
		if err != nil {
			rows.Close()
			return err
		}
		daySet.Add(m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read purchase orders: %w", err)
	}
	if !daySet.IsEmpty() {
		if err := w.put(day, daySet); err != nil {
			return err
		}
		if err := odays.add(day.date, day.channel, pay, orders); err != nil {
			return err
		}
	}
	if err := b.flush(); err != nil {
		return err
	}
	if err := odays.flush(); err != nil {
		return err
	}
	if err := setMeta(ctx, tx, metaOrderDays, "1"); err != nil {
		return err
	}
	return setMeta(ctx, tx, metaPurchaseSets, "built")
}

// setGroups holds the sets being filled by the line scan: the current
// product's set for the current day (written when the scan moves on) and
// every coarse set, keyed by small integers so that the ~1M group changes
// at 1M customers stay cheap.
type setGroups struct {
	w             setWriter
	date, channel string
	product       setKey
	productSet    *custset.Set
	coarse        map[[4]int32]*coarseSet
	ids           map[string]int32
	dayID, chID   int32
	targets       []*custset.Set
}

type coarseSet struct {
	key setKey
	set *custset.Set
}

func newSetGroups(w setWriter) *setGroups {
	return &setGroups{w: w, productSet: custset.New(), coarse: map[[4]int32]*coarseSet{}, ids: map[string]int32{}}
}

func (g *setGroups) id(s string) int32 {
	id, ok := g.ids[s]
	if !ok {
		id = int32(len(g.ids))
		g.ids[s] = id
	}
	return id
}

// start begins the group of a product's lines on one date and channel.
func (g *setGroups) start(t [4]sql.NullString, date, channel string) error {
	if date != g.date {
		g.date, g.dayID = date, g.id("d"+date)
	}
	if channel != g.channel {
		g.channel, g.chID = channel, g.id("c"+channel)
	}
	if k := (setKey{"product", t[3].String, g.date, ""}); k != g.product {
		if err := g.flushProduct(); err != nil {
			return err
		}
		g.product = k
	}
	g.targets = append(g.targets[:0], g.productSet)
	for i, l := range purchaseSetLevels[:3] {
		if !t[i].Valid {
			continue
		}
		k := [4]int32{int32(i), g.id(t[i].String), g.dayID, g.chID}
		cs := g.coarse[k]
		if cs == nil {
			cs = &coarseSet{setKey{l.level, t[i].String, g.date, g.channel}, custset.New()}
			g.coarse[k] = cs
		}
		g.targets = append(g.targets, cs.set)
	}
	return nil
}

func (g *setGroups) flushProduct() error {
	if g.productSet.IsEmpty() {
		return nil
	}
	err := g.w.put(g.product, g.productSet)
	g.productSet = custset.New()
	return err
}

// finish writes the last product set and every coarse set.
func (g *setGroups) finish() error {
	if err := g.flushProduct(); err != nil {
		return err
	}
	for _, cs := range g.coarse {
		if err := g.w.put(cs.key, cs.set); err != nil {
			return err
		}
	}
	return nil
}

// buildCustomerSets replaces one snapshot's customer_sets with the sets of
// every value of every SetAttrs column, read back from the snapshot rows
// refresh just wrote: the sets hold exactly what the compiler's plain-SQL
// conditions on those columns would select (a NULL is in no value's set).
func buildCustomerSets(ctx context.Context, tx *sql.Tx, asOf time.Time, topCategory map[int64]string) error {
	day := FormatDate(asOf)
	if _, err := tx.ExecContext(ctx, `DELETE FROM customer_sets WHERE as_of = ?`, day); err != nil {
		return fmt.Errorf("clear customer sets %s: %w", day, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT customer_key, birth_date, frequency, `+strings.Join(SetAttrs, ", ")+
		` FROM customer_measures WHERE as_of = ?`, day)
	if err != nil {
		return fmt.Errorf("read snapshot %s: %w", day, err)
	}
	sets := map[[2]string]*custset.Set{}
	add := func(attr, value string, m uint32) {
		k := [2]string{attr, value}
		if sets[k] == nil {
			sets[k] = custset.New()
		}
		sets[k].Add(m)
	}
	var key int64
	var birth sql.NullString
	var orders int64
	vals := make([]sql.NullString, len(SetAttrs))
	dest := []any{&key, &birth, &orders}
	for i := range vals {
		dest = append(dest, &vals[i])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return err
		}
		m, err := member(key)
		if err != nil {
			rows.Close()
			return err
		}
		add(AllCustomers, "", m)
		for i, v := range vals {
			if v.Valid {
				add(SetAttrs[i], v.String, m)
			}
		}
		if band := ageBand(birth.String, asOf); band != "" {
			add(AgeBandAttr, band, m)
		}
		if age, ok := ageAt(birth.String, asOf); ok {
			add(AgeAttr, AgeValue(age), m)
		}
		if c, ok := topCategory[key]; ok {
			add(TopCategoryAttr, c, m)
		}
		if orders >= 2 {
			add(RepeatAttr, RepeatValue, m)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read snapshot %s: %w", day, err)
	}
	// The behaviour tags: a customer in each of theirs.
	rows, err = tx.QueryContext(ctx, `SELECT tag, customer_key FROM customer_tags WHERE as_of = ?`, day)
	if err != nil {
		return fmt.Errorf("read tags %s: %w", day, err)
	}
	for rows.Next() {
		var tag string
		if err := rows.Scan(&tag, &key); err != nil {
			rows.Close()
			return err
		}
		m, err := member(key)
		if err != nil {
			rows.Close()
			return err
		}
		add(TagSetAttr, tag, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read tags %s: %w", day, err)
	}
	for k, s := range sets {
		blob, err := custset.Encode(s)
		if err != nil {
			return fmt.Errorf("encode set %s=%s: %w", k[0], k[1], err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO customer_sets(as_of, attr, value, customers) VALUES (?, ?, ?, ?)`,
			day, k[0], k[1], blob); err != nil {
			return fmt.Errorf("write customer sets %s: %w", day, err)
		}
	}
	return nil
}

// member is a customer key as a set member. Import numbers customers
// 1, 2, 3, … so this only fails on a hand-made file.
func member(key int64) (uint32, error) {
	if key < 0 || key > math.MaxUint32 {
		return 0, fmt.Errorf("customer key %d is outside the range customer sets hold", key)
	}
	return uint32(key), nil
}

// purchaseSetsBuilt reports whether the warehouse's purchase sets are
// complete (read through a transaction at refresh, the guarded pool when
// serving).
func purchaseSetsBuilt(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (bool, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaPurchaseSets).Scan(&v)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("inspect warehouse: %w", err)
	}
	return v == "built", nil
}

// SQLiteOnlyMeta are the meta keys that announce structures only chatbi's
// SQLite connections can read (customer-set BLOBs and the day tables built
// from them). A copy of the warehouse into another engine leaves them out,
// so its catalog says those structures are absent.
var SQLiteOnlyMeta = []string{metaPurchaseSets, metaProductDays, metaOrderDays}
