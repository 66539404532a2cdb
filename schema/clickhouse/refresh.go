package clickhouse

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/schema/clv"
)

// Refresh recomputes the snapshot of opt.AsOf inside ClickHouse — RFM
// classes, lifecycle stages, CLV scores, behaviour tags and, for the newest
// date, the window measures — as schema.Refresh does in SQLite, to the same
// rows. No table passes through chatbi: each shard computes its own
// customers' rows with INSERT … SELECT over its local tables; chatbi reads
// only the few figures every shard needs (the buyers' means, the tags'
// percentiles, the CLV fit sample of 10,000 buyers and one expected-purchases
// numerator per distinct history shape) and binds them.
//
// As a copy does, a refresh loads the changed tables aside and publishes
// them by RENAME (publish), so services keep answering from the old
// snapshot meanwhile and a failure leaves the warehouse as it was. c is
// one node (Name "") or a cluster laid out by CopyCluster.
func Refresh(ctx context.Context, c Cluster, opt schema.RefreshOptions) (asOf time.Time, err error) {
	model, keep, err := opt.Settle()
	if err != nil {
		return asOf, err
	}
	if len(c.Shards) == 0 {
		return asOf, fmt.Errorf("refresh on ClickHouse: no nodes")
	}
	r := &refresher{Cluster: c, g: c.Shards[0], model: model}
	if c.Name != "" {
		r.local, r.in = "_local", "GLOBAL IN"
	} else {
		r.in = "IN"
	}
	cur, err := schema.AsOf(ctx, r.g)
	if err != nil {
		return asOf, err
	}
	asOf = opt.AsOf
	if asOf.IsZero() {
		asOf = cur
	}
	r.asOf, r.day = asOf, schema.FormatDate(asOf)
	r.newest = !asOf.Before(cur)
	data := []string{"customer_measures" + r.local, "customer_tags" + r.local, "snapshots"}
	if r.newest {
		data = append(data, "customer_windows"+r.local)
	}
	aside := append(slices.Clone(data), "meta")
	defer func() { // whatever was loaded aside, and the numerators, go
		for _, db := range c.nodes() {
			for _, t := range append(aside, numeratorsTable) {
				db.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+t+"_loading")
			}
		}
	}()

	if err := r.buyerFigures(ctx); err != nil {
		return asOf, err
	}
	if err := r.fitCLV(ctx); err != nil {
		return asOf, err
	}
	if err := r.tagFigures(ctx); err != nil {
		return asOf, err
	}
	drop, err := r.retention(ctx, keep)
	if err != nil {
		return asOf, err
	}
	for _, db := range c.nodes() { // every replica computes its shard's rows itself
		for _, t := range aside {
			if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+t+"_loading"); err != nil {
				return asOf, fmt.Errorf("refresh %s: %w", t, err)
			}
			if _, err := db.ExecContext(ctx, "CREATE TABLE "+t+"_loading AS "+t); err != nil {
				return asOf, fmt.Errorf("refresh %s: %w", t, err)
			}
		}
		if err := r.fillNode(ctx, db, drop); err != nil {
			return asOf, err
		}
	}
	if err := r.countTags(ctx); err != nil {
		return asOf, err
	}
	if err := r.fillSmallTables(ctx, drop, cur); err != nil {
		return asOf, err
	}
	if err := publish(ctx, c.nodes(), data); err != nil {
		return asOf, err
	}
	return asOf, nil
}

// numeratorsTable holds, while a refresh runs, the BG/NBD numerator of
// each distinct (x, T in days) of the buyers, on every node.
const numeratorsTable = "clv_numerators"

// refresher is one refresh's figures, worked out before any row is written.
type refresher struct {
	Cluster
	g            *sql.DB // global reads: through the Distributed tables on a cluster
	local, in    string  // "_local" and "GLOBAL IN" on a cluster
	model        *schema.SegmentModel
	asOf         time.Time
	day          string
	newest       bool // asOf is not before the warehouse's as-of date
	n            int64
	sumR, sumF   int64
	sumM, repeat int64

	clv schema.CLVModel

	from               string // the behaviour window's first day
	windowBuyers       int64
	p80n, p90pay, p80c int64
	hasPromo, hasBrand bool
	tagCounts          map[string]int
}

// dayNum is a 'YYYY-MM-DD' column or parameter as a day number, so two
// dates subtract to the days between them on any server version.
func dayNum(x string) string { return "toInt64(toRelativeDayNum(toDate(" + x + ")))" }

// buyersSQL aggregates each buyer's completed orders up to the snapshot
// date over table (purchase_orders or its local part): the RFM figures and
// the CLV summary's inputs (purchase days after the first, the days from
// the first purchase to the last and to the snapshot, and the value of the
// repeat days). One parameter: the snapshot date, twice.
func buyersSQL(table string) string {
	return `SELECT customer_key, first, last, f, m, toInt64(days - 1) AS x, repeat_cents,
		` + dayNum("?") + ` - ` + dayNum("last") + ` AS r,
		` + dayNum("?") + ` - ` + dayNum("first") + ` AS tdays,
		` + dayNum("last") + ` - ` + dayNum("first") + ` AS txdays
	FROM (SELECT customer_key, min(date) AS first, max(date) AS last, toInt64(sum(k)) AS f, toInt64(sum(s)) AS m,
			count() AS days, toInt64(sum(s) - argMin(s, date)) AS repeat_cents
		FROM (SELECT customer_key, date, sum(pay_cents) AS s, count() AS k FROM ` + table + ` WHERE date <= ? GROUP BY customer_key, date)
		GROUP BY customer_key)`
}

// buyerFigures reads the means RFM classes are cut at, as exact integer
// sums (R ≤ mean R ⇔ R·n ≤ ΣR), and how many buyers bought on more than
// one day (the CLV fit needs enough of them).
func (r *refresher) buyerFigures(ctx context.Context) error {
	var most [3]int64
	err := r.g.QueryRowContext(ctx, `SELECT toInt64(count()), toInt64(sum(r)), toInt64(sum(f)), toInt64(sum(m)), toInt64(countIf(x > 0)),
			toInt64(max(r)), toInt64(max(f)), toInt64(max(m))
		FROM (`+buyersSQL("purchase_orders")+`)`, r.day, r.day, r.day).Scan(&r.n, &r.sumR, &r.sumF, &r.sumM, &r.repeat, &most[0], &most[1], &most[2])
	if err != nil {
		return fmt.Errorf("refresh: aggregate purchases: %w", err)
	}
	// The classes compare r·n, f·n and m·n in Int64 (SQLite's refresh
	// multiplies in 128 bits): exact while the largest figure times the
	// buyers fits — 100M buyers up to ¥900M each.
	for _, m := range most {
		if r.n > 0 && m > math.MaxInt64/r.n {
			return fmt.Errorf("refresh: %d buyers, one with %d, overflow the exact RFM comparison on ClickHouse", r.n, m)
		}
	}
	return nil
}

// fitCLV fits the CLV models on the same sample schema.Refresh takes
// (every step-th buyer in key order), read as the same rows, so the fit is
// the same; then works out the BG/NBD numerator of each distinct (x, T)
// and puts them on every node, and finds the 高潜力客户 cut-off.
func (r *refresher) fitCLV(ctx context.Context) error {
	step := schema.CLVSampleStep(int(r.n))
	sample := `SELECT customer_key FROM (SELECT customer_key, rowNumberInAllBlocks() AS i
		FROM (SELECT customer_key FROM purchase_orders WHERE date <= ? GROUP BY customer_key ORDER BY customer_key))
		WHERE i % ? = 0`
	rows, err := r.g.QueryContext(ctx, `SELECT customer_key, toString(date), toInt64(sum(pay_cents)) FROM purchase_orders
		WHERE date <= ? AND customer_key `+r.in+` (`+sample+`)
		GROUP BY customer_key, date ORDER BY customer_key, date`, r.day, r.day, step)
	if err != nil {
		return fmt.Errorf("refresh: clv sample: %w", err)
	}
	hs, err := schema.CLVSummaries(rows, r.asOf)
	if err != nil {
		return err
	}
	summaries := make([]clv.Summary, len(hs))
	for i, h := range hs {
		summaries[i] = h.Summary
	}
	r.clv = schema.FitCLV(summaries, int(r.n), int(r.repeat))
	if r.clv.Skipped != "" {
		return nil
	}
	// The numerators: one per distinct (x, T) — a few thousand shapes
	// however many buyers — computed by the same Go as on SQLite.
	rows, err = r.g.QueryContext(ctx, `SELECT DISTINCT x, tdays FROM (`+buyersSQL("purchase_orders")+`)`, r.day, r.day, r.day)
	if err != nil {
		return fmt.Errorf("refresh: clv shapes: %w", err)
	}
	var shapes [][2]int64
	for rows.Next() {
		var s [2]int64
		if err := rows.Scan(&s[0], &s[1]); err != nil {
			rows.Close()
			return fmt.Errorf("refresh: clv shapes: %w", err)
		}
		shapes = append(shapes, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("refresh: clv shapes: %w", err)
	}
	bg := *r.clv.BGNBD
	cols := []column{{"x", "Int64"}, {"tdays", "Int64"}, {"num", "Float64"}}
	t := Table{Name: numeratorsTable, OrderBy: []string{"x", "tdays"}}
	for _, db := range r.nodes() {
		if err := create(ctx, db, numeratorsTable+"_loading", t, cols); err != nil {
			return fmt.Errorf("refresh: clv numerators: %w", err)
		}
		k := newSink(ctx, db, numeratorsTable+"_loading", []string{"x", "tdays", "num"})
		for _, s := range shapes {
			num := bg.PurchasesNumerator(float64(s[0]), float64(s[1])/7, schema.CLVHorizonWeeks)
			if err := k.add([]any{s[0], s[1], num}); err != nil {
				k.abort()
				return fmt.Errorf("refresh: clv numerators: %w", err)
			}
		}
		if err := k.flush(); err != nil {
			return fmt.Errorf("refresh: clv numerators: %w", err)
		}
	}
	if r.n == 0 {
		return nil
	}
	var cutoff float64
	err = r.g.QueryRowContext(ctx, `SELECT clv FROM (`+r.scoredSQL("purchase_orders")+`) ORDER BY clv LIMIT 1 OFFSET ?`,
		append(r.scoredArgs(), schema.PotentialCutoffIndex(int(r.n)))...).Scan(&cutoff)
	if err != nil {
		return fmt.Errorf("refresh: clv cut-off: %w", err)
	}
	r.clv.Cutoff = cutoff
	return nil
}

// scoredSQL is buyersSQL over table with each buyer's CLV scores — p_alive,
// exp_purchases, clv — worked out as clv.BGNBD and clv.GammaGamma do, the
// numerator joined from the numerators table. Its parameters are
// scoredArgs.
func (r *refresher) scoredSQL(table string) string {
	return `SELECT *, if(x > 0, 1 / den, 1) AS p_alive, num / den AS exp_purchases, exp_purchases * spend AS clv
	FROM (SELECT *,
			if(x > 0, 1 + ? / (? + x - 1) * pow((? + tdays / 7) / (? + txdays / 7), ? + x), 1) AS den,
			if(? <= 1, zbar, if(x = 0, ?, (1 - w) * ? + w * zbar)) AS spend,
			? * x AS px, px / (px + ? - 1) AS w,
			if(x > 0, repeat_cents / 100 / x, 0) AS zbar
		FROM (` + buyersSQL(table) + `) AS b ANY LEFT JOIN (SELECT x, tdays, num FROM ` + numeratorsTable + `_loading) AS nu USING (x, tdays))`
}

func (r *refresher) scoredArgs() []any {
	bg, gg := r.clv.BGNBD, r.clv.GammaGamma
	pop := 0.0
	if gg.Q > 1 {
		pop = gg.V * gg.P / (gg.Q - 1)
	}
	return []any{bg.A, bg.B, bg.Alpha, bg.Alpha, bg.R, gg.Q, pop, pop, gg.P, gg.Q, r.day, r.day, r.day}
}

// linesSQL aggregates each customer's order lines of the behaviour window
// over lines (purchase_lines or its local part): their amount, the
// largest one brand's share of it, and how many leaf categories.
func linesSQL(lines string) string {
	return `SELECT customer_key, toInt64(sum(a)) AS lines, toInt64(max(if(brand != '', a, 0))) AS top_brand,
			toInt64(length(groupUniqArrayArray(cats))) AS categories
		FROM (SELECT customer_key, brand, sum(amount_cents) AS a, groupUniqArray(category) AS cats
			FROM ` + lines + ` AS l ALL INNER JOIN (SELECT id AS product_key, category, coalesce(brand, '') AS brand FROM products) AS pr USING product_key
			WHERE date >= ? AND date <= ? GROUP BY customer_key, brand)
		GROUP BY customer_key`
}

// windowSQL is each buyer of the behaviour window over orders and
// purchases (the tables or their local parts) with what the tags test:
// orders n, the largest payment, orders with a promotion. Parameters: the
// window's first and last day, twice.
func windowSQL(purchases, orders string) string {
	return `SELECT customer_key, n, max_pay, promo
		FROM (SELECT customer_key, toInt64(count()) AS n, toInt64(max(pay_cents)) AS max_pay FROM ` + purchases + `
			WHERE date >= ? AND date <= ? GROUP BY customer_key) AS w
		ANY LEFT JOIN (SELECT customer_key, toInt64(count()) AS promo FROM ` + orders + `
			WHERE status = 'completed' AND order_date >= ? AND order_date <= ?
				AND (coalesce(coupon_used, 0) = 1 OR coalesce(discount_amount, 0) > 0)
			GROUP BY customer_key) AS p USING customer_key`
}

// tagFigures reads the behaviour tags' cut-offs, nearest-rank percentiles
// over the window's buyers and orders as schema.Refresh takes them.
func (r *refresher) tagFigures(ctx context.Context) error {
	r.from = schema.BehaviourFrom(r.asOf)
	err := r.g.QueryRowContext(ctx, `SELECT
		(SELECT count() FROM orders WHERE coupon_used IS NOT NULL OR discount_amount IS NOT NULL) > 0,
		(SELECT count() FROM products WHERE brand IS NOT NULL AND brand != '') > 0`).Scan(&r.hasPromo, &r.hasBrand)
	if err != nil {
		return fmt.Errorf("refresh: inspect promotion and brand data: %w", err)
	}
	var orders int64
	err = r.g.QueryRowContext(ctx, `SELECT toInt64(count()), toInt64(uniqExact(customer_key)) FROM purchase_orders WHERE date >= ? AND date <= ?`,
		r.from, r.day).Scan(&orders, &r.windowBuyers)
	if err != nil {
		return fmt.Errorf("refresh: behaviour window: %w", err)
	}
	rank := func(what, q string, n int64, pct int, args ...any) (int64, error) {
		if n == 0 {
			return 0, nil
		}
		var v int64
		args = append(args, int64(schema.NearestRankIndex(int(n), pct)))
		if err := r.g.QueryRowContext(ctx, q+` LIMIT 1 OFFSET ?`, args...).Scan(&v); err != nil {
			return 0, fmt.Errorf("refresh: %s percentile: %w", what, err)
		}
		return v, nil
	}
	if r.p90pay, err = rank("payment", `SELECT toInt64(pay_cents) FROM purchase_orders WHERE date >= ? AND date <= ? ORDER BY pay_cents`,
		orders, schema.BigTicketPct, r.from, r.day); err != nil {
		return err
	}
	if r.p80n, err = rank("orders", `SELECT toInt64(count()) AS n FROM purchase_orders WHERE date >= ? AND date <= ? GROUP BY customer_key ORDER BY n`,
		r.windowBuyers, schema.FrequentPct, r.from, r.day); err != nil {
		return err
	}
	r.p80c, err = rank("categories", `SELECT categories FROM (SELECT customer_key FROM purchase_orders WHERE date >= ? AND date <= ? GROUP BY customer_key) AS w
		ANY LEFT JOIN (`+linesSQL("purchase_lines")+`) AS l USING customer_key ORDER BY categories`,
		r.windowBuyers, schema.ExplorerPct, r.from, r.day, r.from, r.day)
	return err
}

// retention lists the snapshot days the refresh drops, and the one it
// replaces.
func (r *refresher) retention(ctx context.Context, keep schema.Retention) ([]any, error) {
	rows, err := r.g.QueryContext(ctx, `SELECT as_of FROM snapshots`)
	if err != nil {
		return nil, fmt.Errorf("refresh: list snapshots: %w", err)
	}
	days := []string{r.day}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return nil, err
		}
		if d != r.day {
			days = append(days, d)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("refresh: list snapshots: %w", err)
	}
	slices.Sort(days)
	slices.Reverse(days)
	drop := []any{r.day}
	for _, d := range schema.SnapshotsToDrop(days, keep, r.day) {
		drop = append(drop, d)
	}
	return drop, nil
}

// fillNode writes one node's sharded tables aside: the snapshots kept and
// the day's new rows of its own customers.
func (r *refresher) fillNode(ctx context.Context, db *sql.DB, drop []any) error {
	for _, t := range []string{"customer_measures", "customer_tags"} {
		t += r.local
		if _, err := db.ExecContext(ctx, "INSERT INTO "+t+"_loading SELECT * FROM "+t+" WHERE as_of NOT IN ("+placeholders(len(drop))+")", drop...); err != nil {
			return fmt.Errorf("refresh %s: %w", t, err)
		}
	}
	if err := r.writeMeasures(ctx, db); err != nil {
		return err
	}
	if err := r.writeTags(ctx, db); err != nil {
		return err
	}
	if r.newest {
		if err := r.writeWindows(ctx, db); err != nil {
			return err
		}
	}
	return nil
}

// writeMeasures writes the day's row of every customer of the node: the
// buyers' RFM class, lifecycle stage and CLV scores, 未购客户 for the others
// once registered, and the attributes questions filter by.
func (r *refresher) writeMeasures(ctx context.Context, db *sql.DB) error {
	lc := r.model.Lifecycle
	args := []any{r.day}
	flag := func(high bool, cond string) string {
		if high {
			return cond
		}
		return "NOT " + cond
	}
	class := "multiIf("
	for _, c := range r.model.RFM { // the first class that matches, as ClassFor
		class += flag(c.R, "r * ? <= ?") + " AND " + flag(c.F, "f * ? >= ?") + " AND " + flag(c.M, "m * ? >= ?") + ", ?, "
		args = append(args, r.n, r.sumR, r.n, r.sumF, r.n, r.sumM, c.Name)
	}
	class += "'')"
	args = append(args, lc.NewDays, lc.New.Name, lc.ActiveDays, lc.Active.Name, lc.SilentDays, lc.Silent.Name, lc.Lost.Name,
		r.day, lc.NeverBuyer.Name)
	scores, buyers, tail := "NULL, NULL, NULL, NULL", buyersSQL("purchase_orders"+r.local), []any{r.day, r.day, r.day}
	if r.clv.Skipped == "" {
		scores = "if(f > 0, p_alive, NULL), if(f > 0, exp_purchases, NULL), if(f > 0, clv, NULL), if(f > 0 AND clv >= ?, ?, NULL)"
		args = append(args, r.clv.Cutoff, schema.PotentialName)
		buyers, tail = r.scoredSQL("purchase_orders"+r.local), r.scoredArgs()
	}
	q := `INSERT INTO customer_measures` + r.local + `_loading (as_of, customer_key, first_date, last_date, recency, frequency, monetary_cents,
			rfm_class, lifecycle, p_alive, exp_purchases, clv, potential,
			gender, birth_date, city, province, member_level, register_channel, register_date)
		SELECT ?, customer_key, if(f > 0, first, NULL), if(f > 0, last, NULL), if(f > 0, r, NULL), f, m,
			if(f > 0, ` + class + `, NULL),
			if(f > 0, multiIf(tdays < ?, ?, r < ?, ?, r < ?, ?, ?), if(register_date <= ?, ?, NULL)),
			` + scores + `,
			gender, birth_date, city, province, member_level, register_channel, register_date
		FROM (SELECT id AS customer_key, gender, birth_date, city, province, member_level, register_channel, register_date FROM customers` + r.local + `) AS c
		ANY LEFT JOIN (` + buyers + `) AS b USING customer_key`
	if _, err := db.ExecContext(ctx, q, append(args, tail...)...); err != nil {
		return fmt.Errorf("refresh: write snapshot %s: %w", r.day, err)
	}
	return nil
}

// writeTags writes the day's behaviour tags of the node's customers.
func (r *refresher) writeTags(ctx context.Context, db *sql.DB) error {
	rules := []struct {
		tag, cond string
		args      []any
		on        bool
	}{
		{schema.TagFrequent, "n >= ? AND n >= ?", []any{schema.FrequentMin, r.p80n}, true},
		{schema.TagBigTicket, "n >= 1 AND n <= ? AND max_pay >= ?", []any{schema.BigTicketMax, r.p90pay}, true},
		{schema.TagPromo, "n >= ? AND promo * 100 >= ? * n", []any{schema.PromoMinOrders, schema.PromoSharePct}, r.hasPromo},
		{schema.TagBrandLoyal, "n >= ? AND lines > 0 AND top_brand * 100 >= ? * lines", []any{schema.BrandMinOrders, schema.BrandSharePct}, r.hasBrand},
		{schema.TagExplorer, "categories >= ? AND categories >= ?", []any{schema.ExplorerMinCats, r.p80c}, true},
	}
	var conds []string
	args := []any{r.day}
	for _, rule := range rules {
		if rule.on {
			conds = append(conds, "if("+rule.cond+", ?, '')")
			args = append(append(args, rule.args...), rule.tag)
		}
	}
	args = append(args, r.from, r.day, r.from, r.day, r.from, r.day)
	q := `INSERT INTO customer_tags` + r.local + `_loading (as_of, tag, customer_key)
		SELECT ?, tag, customer_key FROM (
			SELECT customer_key, arrayFilter(t -> t != '', [` + strings.Join(conds, ", ") + `]) AS tags
			FROM (` + windowSQL("purchase_orders"+r.local, "orders"+r.local) + `) AS wp
			ANY LEFT JOIN (` + linesSQL("purchase_lines"+r.local) + `) AS l USING customer_key)
		ARRAY JOIN tags AS tag`
	if _, err := db.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("refresh: write tags %s: %w", r.day, err)
	}
	return nil
}

// countTags counts the day's tags written, over one server of each shard.
func (r *refresher) countTags(ctx context.Context) error {
	r.tagCounts = map[string]int{}
	for _, db := range r.Shards {
		rows, err := db.QueryContext(ctx, `SELECT tag, toInt64(count()) FROM customer_tags`+r.local+`_loading WHERE as_of = ? GROUP BY tag`, r.day)
		if err != nil {
			return fmt.Errorf("refresh: count tags: %w", err)
		}
		for rows.Next() {
			var tag string
			var n int64
			if err := rows.Scan(&tag, &n); err != nil {
				rows.Close()
				return fmt.Errorf("refresh: count tags: %w", err)
			}
			r.tagCounts[tag] += int(n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("refresh: count tags: %w", err)
		}
	}
	return nil
}

// writeWindows writes the window measures of the node's buyers.
func (r *refresher) writeWindows(ctx context.Context, db *sql.DB) error {
	from := schema.WindowStarts(r.asOf)
	q := `INSERT INTO customer_windows` + r.local + `_loading SELECT customer_key`
	var args []any
	for _, k := range schema.WindowKeys {
		q += `, sumIf(pay_cents, date >= ?), countIf(date >= ?)`
		args = append(args, from[k], from[k])
	}
	q += `, sum(pay_cents), count() FROM purchase_orders` + r.local + ` WHERE date <= ? GROUP BY customer_key`
	if _, err := db.ExecContext(ctx, q, append(args, r.day)...); err != nil {
		return fmt.Errorf("refresh: window measures: %w", err)
	}
	return nil
}

// fillSmallTables writes snapshots and meta, whole on every node: the kept
// snapshots and the new one's row (its model, means, CLV fit and the tags'
// cut-offs), and the meta keys the refresh moves.
func (r *refresher) fillSmallTables(ctx context.Context, drop []any, cur time.Time) error {
	mj, _ := json.Marshal(r.model)
	cut := &schema.TagCutoffs{From: r.from, To: r.day, Buyers: int(r.windowBuyers), OrdersP80: int(r.p80n),
		PayP90: float64(r.p90pay) / 100, CategoriesP80: int(r.p80c), Counts: r.tagCounts, Skipped: map[string]string{}}
	if !r.hasPromo {
		cut.Skipped[schema.TagPromo] = schema.NoPromoReason
	}
	if !r.hasBrand {
		cut.Skipped[schema.TagBrandLoyal] = schema.NoBrandReason
	}
	tj, _ := json.Marshal(cut)
	means := "NULL, NULL, NULL"
	var meanArgs []any
	if r.n > 0 {
		n := float64(r.n)
		means = "?, ?, ?"
		meanArgs = []any{float64(r.sumR) / n, float64(r.sumF) / n, float64(r.sumM) / n / 100}
	}
	skip := []any{PublishedKey, PublishingKey, RenamingKey}
	var set [][2]string
	if r.asOf.After(cur) {
		set = append(set, [2]string{schema.MetaAsOf, r.day})
	}
	if r.newest {
		js, _ := json.Marshal(schema.Windows{AsOf: r.day, From: schema.WindowStarts(r.asOf), Walk: true, Ranks: true, Repeat: true})
		set = append(set, [2]string{schema.MetaWindows, string(js)})
	}
	for _, kv := range set {
		skip = append(skip, kv[0])
	}
	for _, db := range r.nodes() {
		if _, err := db.ExecContext(ctx, "INSERT INTO snapshots_loading SELECT * FROM snapshots WHERE as_of NOT IN ("+placeholders(len(drop))+")", drop...); err != nil {
			return fmt.Errorf("refresh snapshots: %w", err)
		}
		args := append([]any{r.day, time.Now().UTC().Format(time.RFC3339), string(mj), r.n}, meanArgs...)
		args = append(args, r.clv.JSON(), string(tj))
		if _, err := db.ExecContext(ctx, `INSERT INTO snapshots_loading (as_of, created_at, model_json, buyers, mean_r, mean_f, mean_m, clv_json, tags_json)
			SELECT ?, ?, ?, ?, `+means+`, ?, ?`, args...); err != nil {
			return fmt.Errorf("refresh: record snapshot %s: %w", r.day, err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO meta_loading SELECT * FROM meta WHERE `key` NOT IN ("+placeholders(len(skip))+")", skip...); err != nil {
			return fmt.Errorf("refresh meta: %w", err)
		}
		for _, kv := range set {
			if _, err := db.ExecContext(ctx, "INSERT INTO meta_loading (`key`, `value`) SELECT ?, ?", kv[0], kv[1]); err != nil {
				return fmt.Errorf("refresh meta: %w", err)
			}
		}
	}
	return nil
}
