package schema

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
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
	behaviourMonths  = 12
	frequentMin      = 3  // 高频购买型: n ≥ 3 and ≥ P80 of n
	bigTicketMax     = 2  // 偶发大额型: 1 ≤ n ≤ 2 and largest order ≥ P90 of the window's orders
	promoMinOrders   = 2  // 促销敏感型: n ≥ 2 and ≥ 60% of orders with a promotion
	promoSharePct    = 60 //
	brandMinOrders   = 3  // 品牌忠诚型: n ≥ 3 and one brand ≥ 60% of item amount
	brandSharePct    = 60 //
	explorerMinCats  = 4  // 品类探索型: ≥ 4 leaf categories and ≥ P80 of that count
	frequentPct      = 80
	bigTicketPct     = 90
	explorerPct      = 80
	tagAttr          = "tag" // customer_sets attr of the tags
	TagSetAttr       = tagAttr
	noPromoReason    = "数据中没有促销信息（所有订单的 coupon_used 和 discount_amount 都为空），无法计算促销敏感型"
	noBrandReason    = "数据中没有任何商品品牌，无法计算品牌忠诚型"
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

// computeTags works out every customer's tags as of day and writes them to
// customer_tags; it returns the cut-offs used, and each buyer's top
// category in the window (the leaf category they spent most on), which the
// customer sets keep as a dimension for the why-analysis.
func computeTags(ctx context.Context, tx *sql.Tx, asOf time.Time) (cut *TagCutoffs, top map[int64]string, err error) {
	top = map[int64]string{}
	cut, err = computeTagsInto(ctx, tx, asOf, top)
	return cut, top, err
}

func computeTagsInto(ctx context.Context, tx *sql.Tx, asOf time.Time, top map[int64]string) (*TagCutoffs, error) {
	day := FormatDate(asOf)
	from := FormatDate(addMonths(asOf, -behaviourMonths).AddDate(0, 0, 1))
	cut := &TagCutoffs{From: from, To: day, Counts: map[string]int{}, Skipped: map[string]string{}}
	if _, err := tx.ExecContext(ctx, `DELETE FROM customer_tags WHERE as_of = ?`, day); err != nil {
		return nil, fmt.Errorf("clear tags %s: %w", day, err)
	}
	var hasPromo, hasBrand bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM orders WHERE coupon_used IS NOT NULL OR discount_amount IS NOT NULL),
		EXISTS (SELECT 1 FROM products WHERE brand IS NOT NULL AND brand <> '')`).Scan(&hasPromo, &hasBrand); err != nil {
		return nil, fmt.Errorf("inspect promotion and brand data: %w", err)
	}
	if !hasPromo {
		cut.Skipped[TagPromo] = noPromoReason
	}
	if !hasBrand {
		cut.Skipped[TagBrandLoyal] = noBrandReason
	}

	// The window's orders per customer: how many, the largest payment
	// (the date index covers both), then how many used a promotion.
	by := map[int64]*behaviour{}
	err := scanRows(ctx, tx, `SELECT customer_key, count(*), max(pay_cents) FROM purchase_orders
		WHERE date BETWEEN ? AND ? GROUP BY customer_key`, []any{from, day}, func(r *sql.Rows) error {
		var k int64
		b := &behaviour{}
		if err := r.Scan(&k, &b.orders, &b.maxPay); err != nil {
			return err
		}
		by[k] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read behaviour orders: %w", err)
	}
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
	// P90 of the window's payments: the order at that rank.
	var orders int64
	var p90pay int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM purchase_orders WHERE date BETWEEN ? AND ?`, from, day).Scan(&orders); err != nil {
		return nil, fmt.Errorf("count behaviour orders: %w", err)
	}
	if orders > 0 {
		if err := tx.QueryRowContext(ctx, `SELECT pay_cents FROM purchase_orders WHERE date BETWEEN ? AND ? ORDER BY pay_cents LIMIT 1 OFFSET ?`,
			from, day, nearestRankIndex(int(orders), bigTicketPct)).Scan(&p90pay); err != nil {
			return nil, fmt.Errorf("rank behaviour payments: %w", err)
		}
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
	p80n, p80c := nearestRank(ns, frequentPct), nearestRank(cs, explorerPct)
	cut.OrdersP80, cut.PayP90, cut.CategoriesP80 = int(p80n), float64(p90pay)/100, int(p80c)

	keys := make([]int64, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	ins, err := newBatch(ctx, tx, "customer_tags", []string{"as_of", "tag", "customer_key"})
	if err != nil {
		return nil, fmt.Errorf("write tags: %w", err)
	}
	for _, k := range keys {
		b := by[k]
		n := int64(b.orders)
		has := map[string]bool{
			TagFrequent:   n >= frequentMin && n >= p80n,
			TagBigTicket:  n >= 1 && n <= bigTicketMax && b.maxPay >= p90pay,
			TagPromo:      hasPromo && n >= promoMinOrders && int64(b.promo)*100 >= promoSharePct*n,
			TagBrandLoyal: hasBrand && n >= brandMinOrders && b.lines > 0 && b.topBrand*100 >= brandSharePct*b.lines,
			TagExplorer:   int64(b.categories) >= explorerMinCats && int64(b.categories) >= p80c,
		}
		for _, tag := range BehaviourTags {
			if !has[tag] {
				continue
			}
			cut.Counts[tag]++
			if err := ins.add(day, tag, k); err != nil {
				return nil, fmt.Errorf("write tags: %w", err)
			}
		}
	}
	if err := ins.flush(); err != nil {
		return nil, fmt.Errorf("write tags: %w", err)
	}
	return cut, nil
}

// nearestRank is Pk of vals: the value at rank ⌈k/100 · n⌉ in ascending
// order (0 for no values). It sorts vals.
func nearestRank(vals []int64, k int) int64 {
	if len(vals) == 0 {
		return 0
	}
	sort.Slice(vals, func(i, j int) bool { return vals[i] < vals[j] })
	return vals[nearestRankIndex(len(vals), k)]
}

// nearestRankIndex is the 0-based position of Pk among n sorted values.
func nearestRankIndex(n, k int) int {
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
func scanRows(ctx context.Context, tx *sql.Tx, q string, args []any, each func(*sql.Rows) error) error {
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
