package schema

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// Behaviour tags (spec semantics.md, "Behaviour tags"): how a customer
// buys, over the completed orders of the behaviour window (the 12 months up
// to the snapshot). A customer may carry several tags or none; refresh
// stores them per snapshot in customer_tags, so they are dated like the
// segments and sit in the customer sets beside them.
const (
	TagFrequent   = "高频购买型"
	TagBigTicket  = "偶发大额型"
	TagPromo      = "促销敏感型"
	TagBrandLoyal = "品牌忠诚型"
	TagExplorer   = "品类探索型"
)

// BehaviourTags in the spec's order (tables list them so).
var BehaviourTags = []string{TagFrequent, TagBigTicket, TagPromo, TagBrandLoyal, TagExplorer}

// The rules' fixed numbers (the percentiles are computed per snapshot).
const (
	BehaviourMonths  = 12
	FrequentMin      = 3  // 高频购买型: n ≥ 3 and ≥ P80 of n
	BigTicketMax     = 2  // 偶发大额型: 1 ≤ n ≤ 2 and largest order ≥ P90 of the window's orders
	PromoMinOrders   = 2  // 促销敏感型: n ≥ 2 and ≥ 60% of orders with a promotion
	PromoSharePct    = 60 //
	BrandMinOrders   = 3  // 品牌忠诚型: n ≥ 3 and one brand ≥ 60% of item amount
	BrandSharePct    = 60 //
	ExplorerMinCats  = 4  // 品类探索型: ≥ 4 leaf categories and ≥ P80 of that count
	FrequentPct      = 80
	BigTicketPct     = 90
	ExplorerPct      = 80
	tagAttr          = "tag" // customer_sets attr of the tags
	TagSetAttr       = tagAttr
	NoPromoReason    = "数据中没有促销信息（所有订单的 coupon_used 和 discount_amount 都为空），无法计算促销敏感型"
	NoBrandReason    = "数据中没有任何商品品牌，无法计算品牌忠诚型"
	tagsNotRefreshed = "这个快照是在行为标签加入之前生成的，请运行 chatbi refresh 重新计算"
)

// TagCutoffs records, per snapshot, the behaviour window and the cut-offs
// the tags were computed with, so an answer can state the rule with the
// numbers actually used ("P80 = 4 单"), and which tags the data could not
// support, with the reason.
type TagCutoffs struct {
	From          string            `json:"from"` // first date of the window (inclusive)
	To            string            `json:"to"`   // the snapshot date
	Buyers        int               `json:"buyers"`
	OrdersP80     int               `json:"orders_p80"`
	PayP90        float64           `json:"pay_p90"` // yuan
	CategoriesP80 int               `json:"categories_p80"`
	Counts        map[string]int    `json:"counts"`
	Skipped       map[string]string `json:"skipped,omitempty"` // tag → why it was not computed (Chinese)
}

// Unavailable says why tag cannot be asked about at this snapshot ("" if
// it can).
func (t *TagCutoffs) Unavailable(tag string) string {
	if t == nil {
		return tagsNotRefreshed
	}
	return t.Skipped[tag]
}

// behaviour is one customer's orders in the behaviour window.
type behaviour struct {
	orders, promo int
	maxPay        int64 // cents
	lines         int64 // item amount, cents
	topBrand      int64 // the largest one brand's item amount, cents
	categories    int
	topCategory   int32 // the leaf category with the largest item amount (why-analysis dimension)
}

// tagged is one customer's tags.
type tagged struct {
	key  int64
	tags []string
}

// behaviourTags is what readTags works out: the tags to store, the
// cut-offs, and each buyer's top category in the window (the leaf category
// they spent most on), which the customer sets keep as a dimension for the
// why-analysis.
type behaviourTags struct {
	cut    *TagCutoffs
	tagged []tagged // by customer key
	top    map[int64]string
}

// querier is a transaction or a connection: readTags only reads, so a
// refresh runs it on a connection of its own beside the writing one.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// readTagsAside is readTags on a read-only connection of its own, in one
// read transaction (its SHARED lock keeps the writer from spilling pages
// under it; the writer's busy timeout waits for it, see openBuild).
func readTagsAside(ctx context.Context, path string, asOf time.Time) (*behaviourTags, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=600000")
	if err != nil {
		return nil, fmt.Errorf("open %s for the tags: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("read tags: %w", err)
	}
	defer tx.Rollback()
	return readTags(ctx, tx, asOf)
}

// writeTags replaces the snapshot's rows of customer_tags.
func writeTags(ctx context.Context, tx *sql.Tx, day string, bt *behaviourTags) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM customer_tags WHERE as_of = ?`, day); err != nil {
		return fmt.Errorf("clear tags %s: %w", day, err)
	}
	ins, err := newBatch(ctx, tx, "customer_tags", []string{"as_of", "tag", "customer_key"})
	if err != nil {
		return fmt.Errorf("write tags: %w", err)
	}
	for _, t := range bt.tagged {
		for _, tag := range t.tags {
			if err := ins.add(day, tag, t.key); err != nil {
				return fmt.Errorf("write tags: %w", err)
			}
		}
	}
	if err := ins.flush(); err != nil {
		return fmt.Errorf("write tags: %w", err)
	}
	return nil
}

// readTags works out every customer's behaviour tags as of asOf (spec
// semantics.md) from the completed orders of the behaviour window. It
// only reads.
func readTags(ctx context.Context, tx querier, asOf time.Time) (*behaviourTags, error) {
	day, from := FormatDate(asOf), BehaviourFrom(asOf)
	cut := &TagCutoffs{From: from, To: day, Counts: map[string]int{}, Skipped: map[string]string{}}
	top := map[int64]string{}
	var hasPromo, hasBrand bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM orders WHERE coupon_used IS NOT NULL OR discount_amount IS NOT NULL),
		EXISTS (SELECT 1 FROM products WHERE brand IS NOT NULL AND brand <> '')`).Scan(&hasPromo, &hasBrand); err != nil {
		return nil, fmt.Errorf("inspect promotion and brand data: %w", err)
	}
	if !hasPromo {
		cut.Skipped[TagPromo] = NoPromoReason
	}
	if !hasBrand {
		cut.Skipped[TagBrandLoyal] = NoBrandReason
	}

	// The window's orders, one row each from the covering date index: per
	// customer how many and the largest payment, and every payment for
	// P90 (sorting them here is ~20× cheaper than ORDER BY … OFFSET in
	// SQLite, which spills to a temporary file at a million customers).
	by := map[int64]*behaviour{}
	var pays []int64
	err := scanRows(ctx, tx, `SELECT customer_key, pay_cents FROM purchase_orders WHERE date BETWEEN ? AND ?`,
		[]any{from, day}, func(r *sql.Rows) error {
			var k, pay int64
			if err := r.Scan(&k, &pay); err != nil {
				return err
			}
			b := by[k]
			if b == nil {
				b = &behaviour{}
				by[k] = b
			}
			b.orders++
			b.maxPay = max(b.maxPay, pay)
			pays = append(pays, pay)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("read behaviour orders: %w", err)
	}
	p90pay := nearestRank(pays, BigTicketPct)
	err = scanRows(ctx, tx, `SELECT customer_key, count(*) FROM orders
		WHERE status = 'completed' AND order_date BETWEEN ? AND ? AND (coalesce(coupon_used, 0) = 1 OR coalesce(discount_amount, 0) > 0)
		GROUP BY customer_key`, []any{from, day}, func(r *sql.Rows) error {
		var k int64
		var n int
		if err := r.Scan(&k, &n); err != nil {
			return err
		}
		if b := by[k]; b != nil {
			b.promo = n
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read behaviour promotions: %w", err)
	}
	// The window's order lines, read in one pass over the table (the date
	// is not the lead of any index; a scan is ~10M rows/s), kept per
	// customer as (product, amount) until every line is in.
	type productInfo struct{ category, brand int32 }
	prods := map[int64]productInfo{}
	names := map[string]int32{}
	intern := func(s string) int32 {
		if s == "" {
			return -1
		}
		if id, ok := names[s]; ok {
			return id
		}
		names[s] = int32(len(names))
		return names[s]
	}
	err = scanRows(ctx, tx, `SELECT id, category, coalesce(brand, '') FROM products`, nil, func(r *sql.Rows) error {
		var id int64
		var cat, brand string
		if err := r.Scan(&id, &cat, &brand); err != nil {
			return err
		}
		prods[id] = productInfo{intern("c" + cat), intern(brandName(brand))}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read products: %w", err)
	}
	type line struct {
		product int64
		amount  int64
	}
	lines := map[int64][]line{}
	err = scanRows(ctx, tx, `SELECT customer_key, product_key, amount_cents FROM purchase_lines NOT INDEXED WHERE date BETWEEN ? AND ?`,
		[]any{from, day}, func(r *sql.Rows) error {
			var k int64
			var l line
			if err := r.Scan(&k, &l.product, &l.amount); err != nil {
				return err
			}
			lines[k] = append(lines[k], l)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("read behaviour lines: %w", err)
	}
	catName := make([]string, len(names))
	for n, id := range names {
		if strings.HasPrefix(n, "c") {
			catName[id] = n[1:]
		}
	}
	cats, brands := map[int32]int64{}, map[int32]int64{}
	for k, ls := range lines {
		b := by[k]
		if b == nil {
			continue // a line's order is always in the window too
		}
		clear(cats)
		clear(brands)
		for _, l := range ls {
			pi := prods[l.product]
			cats[pi.category] += l.amount
			b.lines += l.amount
			if pi.brand >= 0 {
				brands[pi.brand] += l.amount
			}
		}
		b.categories = len(cats)
		for _, amt := range brands {
			b.topBrand = max(b.topBrand, amt)
		}
		best := int64(-1)
		for c, amt := range cats { // ties: the first name in order, so the choice is stable
			if amt > best || amt == best && catName[c] < catName[b.topCategory] {
				b.topCategory, best = c, amt
			}
		}
	}
	for k, b := range by {
		if b.categories > 0 {
			top[k] = catName[b.topCategory]
		}
	}
	// Nearest-rank percentiles over the window's buyers (orders: over the
	// window's orders).
	ns, cs := make([]int64, 0, len(by)), make([]int64, 0, len(by))
	for _, b := range by {
		ns = append(ns, int64(b.orders))
		cs = append(cs, int64(b.categories))
	}
	cut.Buyers = len(by)
	p80n, p80c := nearestRank(ns, FrequentPct), nearestRank(cs, ExplorerPct)
	cut.OrdersP80, cut.PayP90, cut.CategoriesP80 = int(p80n), float64(p90pay)/100, int(p80c)

	keys := make([]int64, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	bt := &behaviourTags{cut: cut, top: top, tagged: make([]tagged, 0, len(keys)/2)}
	for _, k := range keys {
		b := by[k]
		n := int64(b.orders)
		has := map[string]bool{
			TagFrequent:   n >= FrequentMin && n >= p80n,
			TagBigTicket:  n >= 1 && n <= BigTicketMax && b.maxPay >= p90pay,
			TagPromo:      hasPromo && n >= PromoMinOrders && int64(b.promo)*100 >= PromoSharePct*n,
			TagBrandLoyal: hasBrand && n >= BrandMinOrders && b.lines > 0 && b.topBrand*100 >= BrandSharePct*b.lines,
			TagExplorer:   int64(b.categories) >= ExplorerMinCats && int64(b.categories) >= p80c,
		}
		var tags []string
		for _, tag := range BehaviourTags {
			if has[tag] {
				cut.Counts[tag]++
				tags = append(tags, tag)
			}
		}
		if len(tags) > 0 {
			bt.tagged = append(bt.tagged, tagged{k, tags})
		}
	}
	return bt, nil
}

// BehaviourFrom is the first day of the behaviour window that ends at
// asOf (the 12 months up to it).
func BehaviourFrom(asOf time.Time) string {
	return FormatDate(addMonths(asOf, -BehaviourMonths).AddDate(0, 0, 1))
}

// nearestRank is Pk of vals: the value at rank ⌈k/100 · n⌉ in ascending
// order (0 for no values). It sorts vals.
func nearestRank(vals []int64, k int) int64 {
	if len(vals) == 0 {
		return 0
	}
	slices.Sort(vals)
	return vals[NearestRankIndex(len(vals), k)]
}

// NearestRankIndex is the 0-based position of Pk among n sorted values.
func NearestRankIndex(n, k int) int {
	r := int(math.Ceil(float64(k) * float64(n) / 100))
	return max(r, 1) - 1
}

// brandName keys a brand apart from a category of the same name ("" stays
// "": no brand).
func brandName(b string) string {
	if b == "" {
		return ""
	}
	return "b" + b
}

// scanRows runs q and calls each for every row.
func scanRows(ctx context.Context, tx querier, q string, args []any, each func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// addMonths moves t by n calendar months, clamping to the month's last day
// (2026-05-31 − 3 months = 2026-02-28), as the spec's windows do.
func addMonths(t time.Time, n int) time.Time {
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, n, 0)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(t.Day(), last), 0, 0, 0, 0, time.UTC)
}

// LoadTagCutoffs reads the tags' cut-offs of every snapshot (nil for a
// snapshot made before the tags).
func LoadTagCutoffs(ctx context.Context, db *sql.DB) (map[string]*TagCutoffs, error) {
	rows, err := db.QueryContext(ctx, `SELECT as_of, tags_json FROM snapshots`)
	if err != nil {
		return nil, fmt.Errorf("load tag cut-offs: %w", err)
	}
	defer rows.Close()
	out := map[string]*TagCutoffs{}
	for rows.Next() {
		var day string
		var js sql.NullString
		if err := rows.Scan(&day, &js); err != nil {
			return nil, err
		}
		if !js.Valid {
			out[day] = nil
			continue
		}
		t := &TagCutoffs{}
		if err := json.Unmarshal([]byte(js.String), t); err != nil {
			return nil, fmt.Errorf("snapshot %s tag cut-offs: %w", day, err)
		}
		out[day] = t
	}
	return out, rows.Err()
}
