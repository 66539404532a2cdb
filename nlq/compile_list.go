package nlq

import (
	"strings"

	"github.com/chatbi/chatbi/schema"
)

// Customer lists and counts.
//
// The customer list is two queries in one statement. The inner one selects
// the customers, their sort key and the total, and keeps one page: its cost
// is the filter plus one sort key per selected customer. The outer one
// decorates only that page with names, measures and segments, so display
// columns cost 50 rows, not the whole selection.

var customerColumns = []string{"customer_id", "姓名", "性别", "年龄", "城市", "会员等级", "RFM分群", "生命周期", "消费金额", "订单数", "最近购买日", "预测价值", "手机号"}

// windowMeasure is a customer's spend (cents), order count or last purchase
// date in [from, to], as a correlated scalar subquery: one short index range
// per customer. ck is the customer key column it correlates with.
//
// The coalesce is outside the subquery: ClickHouse decorrelates it into a
// join, where a customer without orders gets NULL even from count(*), and
// "消费少于100元" must still hold for a customer who spent nothing.
func windowMeasure(s *sqlText, d Dialect, ck, measure, from, to string) {
	switch measure {
	case "orders":
		s.w("coalesce((SELECT count(*) FROM purchase_orders po WHERE po.customer_key = "+ck+" AND po.date BETWEEN ? AND ?), 0)", from, to)
	case "last":
		s.w("(SELECT "+d.dateText("max(po.date)")+" FROM purchase_orders po WHERE po.customer_key = "+ck+" AND po.date <= ?)", to)
	default:
		s.w("coalesce((SELECT sum(po.pay_cents) FROM purchase_orders po WHERE po.customer_key = "+ck+" AND po.date BETWEEN ? AND ?), 0)", from, to)
	}
}

// windowColumns are the precomputed columns of customer_windows for a
// window, when the warehouse has them for it (schema/windows.go): exactly
// a standard window ending at the plan's as-of date, at the newest snapshot.
func (c *compiler) windowColumns(w *Window) (spend, orders string, ok bool) {
	cat := c.e.Catalog
	if w == nil || cat == nil || cat.Windows == nil || cat.Windows.AsOf != c.asOf || w.To.String() != c.asOf {
		return "", "", false
	}
	for _, k := range schema.WindowKeys {
		if cat.Windows.From[k] == w.From.String() {
			return "spend_" + k, "orders_" + k, true
		}
	}
	return "", "", false
}

// precomputedKey writes a windowed spend or order count sort key from
// customer_windows (one primary-key lookup per customer) when the window
// was summed at refresh, and reports whether it did.
func (c *compiler) precomputedKey(s *sqlText, by string) bool {
	spend, orders, pre := c.windowColumns(c.p.Window)
	if !pre || (by != "spend" && by != "orders") {
		return false
	}
	col := map[string]string{"spend": spend, "orders": orders}[by]
	s.w("coalesce((SELECT cw." + col + " FROM customer_windows cw WHERE cw.customer_key = " + c.key + "), 0)")
	return true
}

// sortKey writes the expression a list is sorted by, in stored units.
func (c *compiler) sortKey(s *sqlText, by string, joined bool) {
	from, to := c.scope(c.p.Window)
	whole := c.p.Window == nil && c.snap
	if col, ok := predictedColumn[by]; ok {
		s.w(col.SQL())
		return
	}
	switch {
	case by == SortLastPurchase && c.snap:
		s.w("m.last_date")
	case by == SortLastPurchase:
		windowMeasure(s, c.e.Dialect, c.key, "last", from, c.asOf)
	case joined && by == "orders":
		s.w("coalesce(" + c.e.Dialect.joined("n") + ", 0)")
	case joined && (by == "aov" || by == "arpu"):
		s.w("(" + c.e.Dialect.joined("s") + " * 1.0 / " + c.e.Dialect.joined("n") + ")")
	case joined:
		s.w("coalesce(" + c.e.Dialect.joined("s") + ", 0)")
	case whole && by == "orders":
		s.w("m.frequency")
	case whole && (by == "aov" || by == "arpu"):
		s.w("(m.monetary_cents * 1.0 / nullif(m.frequency, 0))")
	case whole:
		s.w("m.monetary_cents")
	case c.precomputedKey(s, by):
	case by == "orders":
		windowMeasure(s, c.e.Dialect, c.key, "orders", from, to)
	case by == "aov" || by == "arpu":
		s.w("(")
		windowMeasure(s, c.e.Dialect, c.key, "spend", from, to)
		s.w(" * 1.0 / nullif(")
		windowMeasure(s, c.e.Dialect, c.key, "orders", from, to)
		s.w(", 0))")
	default:
		windowMeasure(s, c.e.Dialect, c.key, "spend", from, to)
	}
}

// narrow reports whether the filter already confines the list to buyers of
// something specific, so a per-customer sort key is cheap; otherwise a
// windowed sort key is computed once for all buyers in the window.
func narrow(p *Plan) bool {
	kids := []*Node{p.Filter}
	if p.Filter != nil && p.Filter.Op == OpAnd {
		kids = p.Filter.Kids
	}
	for _, k := range kids {
		if k == nil || k.Op != OpCond {
			continue
		}
		switch cd := k.Cond; {
		case cd.Kind == CondBought && len(cd.Items) > 0:
			return true
		case cd.Kind == CondMeasure && cd.Op != "<" && cd.Op != "<=":
			return true
		}
	}
	return false
}

func (c *compiler) customers(page Page) *Query {
	p := c.p
	srt := p.Sort
	if srt == nil {
		srt = &Sort{By: "spend", Desc: true}
	}
	dir := " DESC"
	if !srt.Desc {
		dir = " ASC"
	}
	sp, viaSets := c.splitForSets(false)
	joined := p.Window != nil && srt.By != SortLastPurchase && !narrow(p) && !viaSets
	if c.e.Dialect == ClickHouse && c.e.OldClickHouse {
		// No correlated subqueries on older ClickHouse servers: a windowed
		// sort key is always a joined per-customer sum.
		joined = p.Window != nil && srt.By != SortLastPurchase
		return c.customersClickHouse(srt, dir, joined, page)
	}
	s := &sqlText{}
	walk, canWalk := c.walkColumn(srt)
	if canWalk && !viaSets {
		// A list of set conditions only (一般发展客户有哪些), or of everyone
		// (消费金额前10的客户), is walked too: no sort of the whole list.
		var ok bool
		sp, ok = c.splitForSets(true)
		canWalk = ok || c.p.Filter == nil && c.e.Catalog.HasSets(c.p.AsOf.Time)
		if !ok && c.p.Filter != nil {
			sp.residual = []*Node{c.p.Filter} // thresholds, maybe
			canWalk = true
		}
	}
	var thr []*Cond
	if canWalk && len(sp.residual) > 0 {
		thr, canWalk = c.walkThresholds(walk)
	}
	if canWalk && thr == nil {
		// The selection, once: the walk tests membership in it, the total
		// counts it, the tail lists its members with nothing spent.
		s.w("WITH s AS MATERIALIZED (SELECT ")
		c.setAnd(s, sp.sets)
		s.w(" AS b)\n")
	}

	// Outer: the page's display columns.
	s.w(`SELECT c.customer_id AS "customer_id", c.name AS "姓名", c.gender AS "性别", `)
	s.w(`CASE WHEN c.birth_date IS NULL THEN NULL ELSE CAST(substr(?, 1, 4) AS INTEGER) - CAST(substr(c.birth_date, 1, 4) AS INTEGER) - (substr(?, 6, 5) < substr(c.birth_date, 6, 5)) END AS "年龄", `, c.asOf, c.asOf)
	s.w(`c.city AS "城市", c.member_level AS "会员等级", `)
	if c.snap {
		s.w(`m.rfm_class AS "RFM分群", m.lifecycle AS "生命周期", `)
	} else {
		s.w(`NULL AS "RFM分群", NULL AS "生命周期", `)
	}
	if p.Window == nil && c.snap {
		s.w(`m.monetary_cents / 100.0 AS "消费金额", m.frequency AS "订单数", m.last_date AS "最近购买日", `)
	} else {
		from, to := c.scope(p.Window)
		windowMeasure(s, c.e.Dialect, "c.id", "spend", from, to)
		s.w(` / 100.0 AS "消费金额", `)
		windowMeasure(s, c.e.Dialect, "c.id", "orders", from, to)
		s.w(` AS "订单数", `)
		windowMeasure(s, c.e.Dialect, "c.id", "last", from, c.asOf)
		s.w(` AS "最近购买日", `)
	}
	if c.snap {
		s.w(`round(m.clv, 2) AS "预测价值", `)
	} else {
		s.w(`NULL AS "预测价值", `)
	}
	s.w(`c.phone AS "手机号", sel.total AS "_total"` + "\nFROM (")

	// Inner: the selection, its sort key, the total and one page.
	if canWalk {
		c.walkPage(s, walk, page, thr)
	} else {
		c.sortPage(s, sp, viaSets, joined, srt, dir, page)
	}
	s.w(") sel\nJOIN customers c ON c.id = sel.ck")
	if c.snap {
		s.w(" JOIN customer_measures m ON m.customer_key = c.id AND m.as_of = ?", c.asOf)
	}
	s.w("\nORDER BY sel.k" + dir + ", sel.ck")
	pii := make([]bool, len(customerColumns))
	pii[len(pii)-1] = true
	return &Query{SQL: s.sb.String(), Args: s.args, Answer: AnswerCustomers, Columns: customerColumns, TotalColumn: true, PII: pii}
}

// walkColumn is the customer_windows column a list sorted by srt can be
// walked down (schema.WalkIndex): spend, highest first, over a standard
// window or the whole history, at the newest snapshot.
func (c *compiler) walkColumn(srt *Sort) (key string, ok bool) {
	cat := c.e.Catalog
	if c.e.plain() || srt.By != "spend" || !srt.Desc || !c.snap || cat == nil || cat.Windows == nil || !cat.Windows.Walk || cat.Windows.AsOf != c.asOf {
		return "", false
	}
	if c.p.Window == nil {
		return "all", true
	}
	spend, _, ok := c.windowColumns(c.p.Window)
	return strings.TrimPrefix(spend, "spend_"), ok
}

// walkPage selects one page by walking down the spend index of key and
// keeping the selected rows until the page is full: its cost is the rows
// passed over, about page × buyers ÷ selected, not a sort of every selected
// customer. Rows with nothing spent follow in key order, as the sorted path
// puts them (spend 0, then customer key). The selection is either the set
// s (the WITH the caller wrote; thr nil) or thresholds on customer_windows
// columns (thr), which exclude anyone without a row there.
func (c *compiler) walkPage(s *sqlText, key string, page Page, thr []*Cond) {
	col := "cw.spend_" + key
	n := page.Offset + page.Limit
	if c.p.Limit > 0 && c.p.Limit < n {
		n = c.p.Limit
	}
	s.w("SELECT ck, k, ")
	if c.p.Limit > 0 {
		s.w("min(")
	}
	if thr == nil {
		s.w("(SELECT set_count(b) FROM s)")
	} else {
		s.w("(SELECT count(*) FROM customer_windows cw WHERE ")
		c.windowThresholds(s, key, thr)
		s.w(")")
	}
	if c.p.Limit > 0 {
		s.w(", ?)", c.p.Limit)
	}
	s.w(" AS total FROM (\n")
	switch {
	case thr == nil && c.e.Catalog.Windows.Ranks:
		// The set's members in the first buckets of the ranking that hold n
		// of them: the n best are there, whatever the set's shape.
		s.w("SELECT ck, k FROM (SELECT j.value AS ck, "+col+" AS k FROM json_each(set_keys((SELECT set_head(r.customers, (SELECT set_ref(b) FROM s), ? ORDER BY r.bucket) FROM window_ranks r WHERE r.col = ?))) j", n, "spend_"+key)
		s.w(" JOIN customer_windows cw ON cw.customer_key = j.value ORDER BY k DESC, ck LIMIT ?)\nUNION ALL\n", n)
	case thr == nil:
		s.w("SELECT ck, k FROM (SELECT cw.customer_key AS ck, " + col + " AS k FROM customer_windows cw INDEXED BY " + schema.WalkIndex(key) + " WHERE " + col + " > 0 AND ")
		s.w("set_has((SELECT set_ref(b) FROM s), cw.customer_key)")
		s.w(" ORDER BY "+col+" DESC, cw.customer_key LIMIT ?)\nUNION ALL\n", n)
	default:
		s.w("SELECT ck, k FROM (SELECT cw.customer_key AS ck, " + col + " AS k FROM customer_windows cw INDEXED BY " + schema.WalkIndex(key) + " WHERE " + col + " > 0 AND ")
		c.windowThresholds(s, key, thr)
		s.w(" ORDER BY "+col+" DESC, cw.customer_key LIMIT ?)\nUNION ALL\n", n)
	}
	if thr == nil {
		s.w("SELECT ck, k FROM (SELECT j.value AS ck, 0 AS k FROM s, json_each(set_keys(set_first(set_minus(s.b, (SELECT ws.customers FROM window_sets ws WHERE ws.col = ?)), ?))) j))", "spend_"+key, n)
	} else {
		s.w("SELECT ck, k FROM (SELECT cw.customer_key AS ck, 0 AS k FROM customer_windows cw INDEXED BY " + schema.WalkIndex(key) + " WHERE " + col + " = 0 AND ")
		c.windowThresholds(s, key, thr)
		s.w(" ORDER BY cw.customer_key LIMIT ?))", n)
	}
	s.w("\nORDER BY k DESC, ck\nLIMIT ? OFFSET ?", n-min(page.Offset, n), page.Offset)
}

// walkThresholds returns the filter's conditions when every one is a
// threshold customer_windows answers for the walk column's window, none
// passed by a customer with nothing in it (近一年消费超过3000块, 近一年买了3次
// 以上): such a list is one index walk, its total one index range.
func (c *compiler) walkThresholds(key string) ([]*Cond, bool) {
	p := c.p
	if p.Filter == nil {
		return nil, false
	}
	kids := []*Node{p.Filter}
	if p.Filter.Op == OpAnd {
		kids = p.Filter.Kids
	}
	var out []*Cond
	for _, n := range kids {
		if n.Op != OpCond {
			return nil, false
		}
		k := n.Cond
		if k.Kind != CondMeasure || (k.Measure != "spend" && k.Measure != "orders") || len(k.Channels) > 0 || len(k.Items) > 0 || k.Promo != "" || zeroPasses(k) {
			return nil, false
		}
		if w := p.EffectiveWindow(k); w != p.Window && (w == nil || p.Window == nil || *w != *p.Window) {
			return nil, false
		}
		out = append(out, k)
	}
	return out, len(out) > 0
}

// windowThresholds writes thr as conditions on customer_windows' columns
// for the window key.
func (c *compiler) windowThresholds(s *sqlText, key string, thr []*Cond) {
	for i, k := range thr {
		if i > 0 {
			s.w(" AND ")
		}
		col := "cw." + k.Measure + "_" + key
		v1, v2 := measureValue(k.Measure, k.Value), measureValue(k.Measure, k.Value2)
		if k.Op == "between" {
			s.w(col+" BETWEEN ? AND ?", v1, v2)
		} else {
			s.w(col+" "+opSQL[k.Op]+" ?", v1)
		}
	}
}

// sortPage selects one page by computing every selected customer's sort
// key and sorting them.
func (c *compiler) sortPage(s *sqlText, sp setSplit, viaSets, joined bool, srt *Sort, dir string, page Page) {
	s.w("SELECT ck, k, count(*) OVER () AS total FROM (")
	c.selection(s, sp, viaSets, joined, srt, dir)
	s.w(")\nORDER BY k"+dir+", ck\nLIMIT ? OFFSET ?", page.Limit, page.Offset)
}

// selection writes the selected customers and their sort keys (ck, k);
// for a top-N, only the first N.
func (c *compiler) selection(s *sqlText, sp setSplit, viaSets, joined bool, srt *Sort, dir string) {
	p := c.p
	if p.Limit > 0 {
		// A top-N sorts the selection by its key first. ClickHouse cannot
		// ORDER BY a correlated subquery, so the key is a column of a
		// subquery by then (SQLite flattens this away).
		s.w("SELECT ck, k FROM (")
	}
	if viaSets {
		c.key = "j.value"
		// The snapshot row is read only for residual conditions or a sort
		// key kept there (a windowed sort key is per member from the facts).
		_, predicted := predictedColumn[srt.By]
		needM := len(sp.residual) > 0 || p.Window == nil || predicted || srt.By == SortLastPurchase
		s.w("SELECT j.value AS ck, ")
		c.sortKey(s, srt.By, false)
		s.w(" AS k\n")
		c.setFrom(s, sp, needM)
	} else {
		s.w("SELECT " + c.key + " AS ck, ")
		c.sortKey(s, srt.By, joined)
		s.w(" AS k\n")
		c.from(s)
		if spend, orders, pre := c.windowColumns(p.Window); joined && pre {
			// The window's measures were summed at refresh: one row per buyer.
			c.e.Dialect.windowJoin(s, c.key, "cw.customer_key", "cw."+spend, "cw."+orders, " FROM customer_windows cw")
		} else if joined {
			from, to := c.scope(p.Window)
			c.e.Dialect.windowJoin(s, c.key, "po.customer_key", "sum(po.pay_cents)", "count(*)", " FROM purchase_orders po"+c.e.Dialect.indexed("purchase_orders_customer")+" WHERE po.date BETWEEN ? AND ? GROUP BY po.customer_key", from, to)
		}
		c.where(s)
	}
	if p.Limit > 0 {
		s.w(")\nORDER BY k"+dir+", ck\nLIMIT ?", p.Limit)
	}
}

func (c *compiler) count() *Query {
	if sp, ok := c.splitForSets(true); ok {
		c.key = "j.value"
		return c.setCount(sp)
	}
	s := &sqlText{}
	s.w(`SELECT count(*) AS "客户数"` + "\n")
	c.from(s)
	c.where(s)
	return countQuery(s)
}

// countQuery is a statement whose one row and column is the customer count.
func countQuery(s *sqlText) *Query {
	return &Query{SQL: s.sb.String(), Args: s.args, Answer: AnswerCount, Columns: []string{"客户数"}, PII: []bool{false}}
}
