package nlq

import (
	"fmt"
	"math"
	"strings"

	"github.com/chatbi/chatbi/schema"
)

// Query is a compiled Plan: one SQL statement and its bound arguments.
type Query struct {
	SQL     string
	Args    []any
	Answer  AnswerType
	Columns []string // result columns, in order
	// TotalColumn: the last column is count(*) OVER () — the total rows the
	// question selects — and is not shown.
	TotalColumn bool
	PII         []bool // per column: personal data to mask
}

// Page is the slice of a customer list to return.
type Page struct {
	Limit, Offset int
}

// sqlText accumulates SQL and its arguments in textual order. Values only
// ever enter as arguments; the text comes from this file and the catalog.
type sqlText struct {
	sb   strings.Builder
	args []any
}

func (s *sqlText) w(text string, args ...any) {
	s.sb.WriteString(text)
	s.args = append(s.args, args...)
}

// placeholders writes (?, ?, …) for vals.
func (s *sqlText) in(vals []string) {
	s.sb.WriteString("(")
	for i, v := range vals {
		if i > 0 {
			s.sb.WriteString(", ")
		}
		s.sb.WriteString("?")
		s.args = append(s.args, v)
	}
	s.sb.WriteString(")")
}

type compiler struct {
	e        *Engine
	p        *Plan
	snap     bool // the warehouse has a segment snapshot for the plan's as_of
	negDepth int  // NOTs around the condition being written
	asOf     string
	// key is the customer key column the base query exposes; needC says
	// whether customers must be joined (a condition or grouping reads it).
	key   string
	needC bool
}

// Compile turns a checked Plan into one SQL statement with bound
// parameters. Errors: *PlanError when the plan needs something the
// warehouse does not have (segments for a date without a snapshot).
func (e *Engine) Compile(p *Plan, page Page) (*Query, error) {
	if err := e.Check(p); err != nil {
		return nil, err
	}
	c := &compiler{e: e, p: p, asOf: p.AsOf.String()}
	c.snap = e.Catalog == nil || e.Catalog.HasSnapshot(p.AsOf.Time)
	c.needC = !c.snap
	c.key = "c.id"
	if c.snap {
		c.key = "m.customer_key"
	}
	if needsSnapshot(p) && !c.snap {
		return nil, &PlanError{Msg: fmt.Sprintf("%s 没有分群快照，这个问题用到的分群、生命周期、预测值或新客数都按快照计算；已有快照的日期：%s（可用 chatbi refresh --as-of 生成）",
			c.asOf, snapshotList(e.Catalog))}
	}
	if p.Migration != nil {
		return c.migration(), nil
	}
	if isLinePlan(p) && p.Answer != AnswerCustomers {
		return c.lineTable(), nil
	}
	switch p.Answer {
	case AnswerCustomers:
		return c.customers(page), nil
	case AnswerCount:
		if len(p.Measures) == 0 || (len(p.Measures) == 1 && p.Measures[0] == "customers") {
			return c.count(), nil
		}
		return c.table(), nil
	case AnswerTable:
		return c.table(), nil
	}
	return nil, &PlanError{Msg: fmt.Sprintf("未知的回答类型 %q", p.Answer)}
}

func snapshotList(cat *schema.Catalog) string {
	if cat == nil || len(cat.Snapshots) == 0 {
		return "无"
	}
	var s []string
	for _, t := range cat.Snapshots {
		s = append(s, schema.FormatDate(t))
	}
	return strings.Join(s, "、")
}

func needsSnapshot(p *Plan) bool {
	need := p.Sort != nil && predictedMeasure(p.Sort.By)
	for _, m := range p.Measures {
		need = need || predictedMeasure(m) || m == "new_customers" || lifecycleMeasure(m)
	}
	Walk(p.Filter, func(n *Node) {
		if n.Cond != nil && (n.Cond.Kind == CondRFM || n.Cond.Kind == CondLifecycle || n.Cond.Kind == CondPotential ||
			(n.Cond.Kind == CondMeasure && predictedMeasure(n.Cond.Measure))) {
			need = true
		}
	})
	if d, ok := Dimensions[p.GroupBy]; ok && d.Snapshot {
		need = true
	}
	return need
}

// col is where a customer attribute is read: the snapshot keeps a copy of
// every attribute questions filter and group by, so with a snapshot no
// customers row is joined; without one, customers itself.
func (c *compiler) col(col schema.Column) string {
	if col.Table == "c" && c.snap {
		return "m." + col.Name
	}
	return col.SQL()
}

// dimExpr is a grouping dimension's expression for this plan.
func (c *compiler) dimExpr(d DimensionDef) string {
	if d.Column.Name != "" {
		return c.col(d.Column)
	}
	return d.Expr
}

// from writes the customer base: the as-of snapshot (one row per customer)
// joined to customers only when needed, or customers alone without one.
func (c *compiler) from(s *sqlText) {
	s.w("FROM ")
	c.base(s)
}

func (c *compiler) base(s *sqlText) {
	switch {
	case c.snap && c.needC:
		s.w("customer_measures m JOIN customers c ON c.id = m.customer_key")
	case c.snap:
		s.w("customer_measures m")
	default:
		s.w("customers c")
	}
}

func (c *compiler) where(s *sqlText) {
	switch {
	case c.snap && c.p.Filter != nil:
		s.w("\nWHERE m.as_of = ? AND ", c.asOf)
		c.node(s, c.p.Filter)
	case c.snap:
		s.w("\nWHERE m.as_of = ?", c.asOf)
	case c.p.Filter != nil:
		s.w("\nWHERE ")
		c.node(s, c.p.Filter)
	}
}

// scope returns the dates a measure or purchase covers: a window, or the
// whole history up to as_of.
func (c *compiler) scope(w *Window) (from, to string) {
	if w == nil {
		return "0000-01-01", c.asOf
	}
	return w.From.String(), w.To.String()
}

func (c *compiler) node(s *sqlText, n *Node) {
	switch n.Op {
	case OpAnd, OpOr:
		s.w("(")
		for i, k := range n.Kids {
			if i > 0 {
				s.w(map[string]string{OpAnd: " AND ", OpOr: " OR "}[n.Op])
			}
			c.node(s, k)
		}
		s.w(")")
	case OpNot:
		s.w("NOT ")
		c.negDepth++
		c.node(s, n.Kids[0])
		c.negDepth--
	case OpCond:
		c.cond(s, n.Cond)
	}
}

func (c *compiler) cond(s *sqlText, k *Cond) {
	switch k.Kind {
	case CondBought:
		from, to := c.scope(c.p.EffectiveWindow(k))
		if k.Promo != "" {
			c.promoOrders(s, k, from, to)
			return
		}
		if len(k.Items) == 0 {
			s.w(c.key+" IN (SELECT po.customer_key FROM purchase_orders po WHERE po.date BETWEEN ? AND ?", from, to)
			c.channels(s, "po", k)
			s.w(")")
			return
		}
		if k.Only {
			s.w("(")
		}
		s.w(c.key + " IN (SELECT pl.customer_key FROM purchase_lines pl WHERE pl.product_key IN (SELECT p.id FROM products p WHERE ")
		c.itemPredicate(s, k.Items)
		s.w(") AND pl.date BETWEEN ? AND ?", from, to)
		c.channels(s, "pl", k)
		s.w(")")
		if k.Only {
			// …and no line in scope of any other product.
			s.w(" AND NOT " + c.key + " IN (SELECT pl.customer_key FROM purchase_lines pl WHERE pl.product_key NOT IN (SELECT p.id FROM products p WHERE ")
			c.itemPredicate(s, k.Items)
			s.w(") AND pl.date BETWEEN ? AND ?", from, to)
			c.channels(s, "pl", k)
			s.w("))")
		}
	case CondRFM, CondLifecycle, CondPotential:
		if k.At != nil {
			// A segment at an earlier snapshot: its members that day.
			s.w(c.key+" IN (SELECT ps.customer_key FROM customer_measures ps WHERE ps.as_of = ? AND ps."+attrColumn[k.Kind].Name+" IN ", k.At.String())
			s.in(k.Values)
			s.w(")")
			return
		}
		if c.negDepth > 0 {
			// Under a NOT, a customer without a class is not in it (no NULL).
			s.w("coalesce(" + attrColumn[k.Kind].SQL() + " IN ")
			s.in(k.Values)
			s.w(", 0)")
			return
		}
		s.w(attrColumn[k.Kind].SQL() + " IN ")
		s.in(k.Values)
	case CondGender, CondCity, CondProvince, CondMemberLevel, CondRegisterChannel:
		s.w(c.col(attrColumn[k.Kind]) + " IN ")
		s.in(k.Values)
	case CondAge:
		// Age ≥ a ⇔ born on or before as_of's month-day a years earlier; the
		// bound is text so that 02-29 compares as the formula says.
		y, md := c.p.AsOf.Year(), c.p.AsOf.Format("01-02")
		bd := c.col(schema.ColBirthDate)
		s.w("(" + bd + " IS NOT NULL")
		if k.AgeMin != nil {
			s.w(" AND "+bd+" <= ?", fmt.Sprintf("%04d-%s", y-*k.AgeMin, md))
		}
		if k.AgeMax != nil {
			s.w(" AND "+bd+" > ?", fmt.Sprintf("%04d-%s", y-*k.AgeMax-1, md))
		}
		s.w(")")
	case CondBirthYear:
		s.w(c.col(schema.ColBirthDate)+" BETWEEN ? AND ?", fmt.Sprintf("%04d-01-01", int(k.Value)), fmt.Sprintf("%04d-12-31", int(k.Value2)))
	case CondBirthMonth:
		s.w("substr("+c.col(schema.ColBirthDate)+", 6, 2) = ?", fmt.Sprintf("%02d", int(k.Value)))
	case CondFirstPurchase:
		from, to := c.scope(c.p.EffectiveWindow(k))
		if c.snap {
			s.w("m.first_date BETWEEN ? AND ?", from, to)
		} else {
			s.w(c.key+" IN (SELECT po.customer_key FROM purchase_orders po INDEXED BY purchase_orders_customer WHERE po.date <= ? GROUP BY po.customer_key HAVING min(po.date) BETWEEN ? AND ?)", c.asOf, from, to)
		}
	case CondRegistered:
		from, to := c.scope(c.p.EffectiveWindow(k))
		s.w(c.col(schema.ColRegisterDate)+" BETWEEN ? AND ?", from, to)
	case CondMeasure:
		c.measureCond(s, k)
	}
}

// promoOrders: the customers with a completed order in scope that used a
// coupon (or, for promo, had a discount), with a line of the items if any.
// The facts have no coupon column, so this reads the orders themselves.
func (c *compiler) promoOrders(s *sqlText, k *Cond, from, to string) {
	s.w(c.key+" IN (SELECT o.customer_key FROM orders o WHERE o.status = 'completed' AND o.order_date BETWEEN ? AND ?", from, to)
	if k.Promo == PromoAny {
		s.w(" AND (o.coupon_used = 1 OR o.discount_amount > 0)")
	} else {
		s.w(" AND o.coupon_used = 1")
	}
	c.channels(s, "o", k)
	if len(k.Items) > 0 {
		s.w(" AND EXISTS (SELECT 1 FROM order_items oi JOIN products p ON p.id = oi.product_key WHERE oi.order_key = o.id AND ")
		c.itemPredicate(s, k.Items)
		s.w(")")
	}
	s.w(")")
}

// itemPredicate selects the products (alias p) an order line must be of:
// every item matches, each in any of the places it was found.
func (c *compiler) itemPredicate(s *sqlText, items []ItemTerm) {
	for i, it := range items {
		if i > 0 {
			s.w(" AND ")
		}
		s.w("(")
		for j, kind := range it.Kinds {
			if j > 0 {
				s.w(" OR ")
			}
			s.w(itemColumn[kind].SQL()+" = ?", it.Value)
		}
		s.w(")")
	}
}

func (c *compiler) channels(s *sqlText, alias string, k *Cond) {
	if len(k.Channels) == 0 {
		return
	}
	if k.ChannelNot {
		s.w(" AND " + alias + ".channel NOT IN ")
	} else {
		s.w(" AND " + alias + ".channel IN ")
	}
	s.in(k.Channels)
}

var itemColumn = map[ItemKind]schema.Column{
	ItemCategory: schema.ColCategory, ItemCategoryL1: schema.ColCategoryL1,
	ItemBrand: schema.ColBrand, ItemProduct: schema.ColProductName,
}

var attrColumn = map[CondKind]schema.Column{
	CondRFM: schema.ColRFM, CondLifecycle: schema.ColLifecycle, CondGender: schema.ColGender,
	CondCity: schema.ColCity, CondProvince: schema.ColProvince, CondMemberLevel: schema.ColMemberLevel,
	CondRegisterChannel: schema.ColRegisterChannel, CondPotential: schema.ColPotential,
}

// predictedColumn holds each CLV measure in the snapshot.
var predictedColumn = map[string]schema.Column{"clv": schema.ColCLV, "exp_purchases": schema.ColExpPurchases, "p_alive": schema.ColPAlive}

// measureValue converts a threshold to the stored unit (money in cents).
func measureValue(key string, v float64) any {
	switch key {
	case "spend":
		return int64(math.Round(v * 100))
	case "aov", "arpu":
		return v * 100
	}
	return v
}

var opSQL = map[string]string{">": ">", ">=": ">=", "<": "<", "<=": "<=", "=": "="}

// measureCond writes a threshold on a customer's measure in scope. Below a
// threshold (消费少于100元) includes customers with nothing in scope.
func (c *compiler) measureCond(s *sqlText, k *Cond) {
	w := c.p.EffectiveWindow(k)
	v1, v2 := measureValue(k.Measure, k.Value), measureValue(k.Measure, k.Value2)
	if col, ok := predictedColumn[k.Measure]; ok {
		if k.Op == "between" {
			s.w("("+col.SQL()+" BETWEEN ? AND ?)", k.Value, k.Value2)
		} else {
			s.w("("+col.SQL()+" "+opSQL[k.Op]+" ?)", k.Value)
		}
		return
	}
	if w == nil && c.snap && len(k.Channels) == 0 && len(k.Items) == 0 {
		expr := map[string]string{"spend": "m.monetary_cents", "orders": "m.frequency",
			"aov": "(m.monetary_cents * 1.0 / m.frequency)", "arpu": "(m.monetary_cents * 1.0 / m.frequency)"}[k.Measure]
		if k.Measure == "aov" || k.Measure == "arpu" {
			s.w("(m.frequency > 0 AND ")
		} else {
			s.w("(")
		}
		if k.Op == "between" {
			s.w(expr+" BETWEEN ? AND ?)", v1, v2)
		} else {
			s.w(expr+" "+opSQL[k.Op]+" ?)", v1)
		}
		return
	}
	from, to := c.scope(w)
	not := ""
	if zeroPasses(k) {
		not = "NOT "
	}
	if len(k.Items) > 0 {
		// 买过3次以上口红: the orders in scope with a line of the item (an
		// order with two lipsticks counts once).
		s.w(not + c.key + " IN (SELECT pl.customer_key FROM purchase_lines pl WHERE pl.product_key IN (SELECT p.id FROM products p WHERE ")
		c.itemPredicate(s, k.Items)
		s.w(") AND pl.date BETWEEN ? AND ?", from, to)
		c.channels(s, "pl", k)
		s.w(" GROUP BY pl.customer_key HAVING " + not + "(count(DISTINCT pl.order_key)")
		if k.Op == "between" {
			s.w(" BETWEEN ? AND ?))", v1, v2)
		} else {
			s.w(" "+opSQL[k.Op]+" ?))", v1)
		}
		return
	}
	agg := map[string]string{"spend": "sum(po.pay_cents)", "orders": "count(*)",
		"aov": "(sum(po.pay_cents) * 1.0 / count(*))", "arpu": "(sum(po.pay_cents) * 1.0 / count(*))"}[k.Measure]
	// The customers whose orders in scope pass. When zero passes too (少于
	// 100元, 消费为0, 0到500之间), a customer with nothing in scope does, so
	// it is everyone but the customers whose orders fail.
	s.w(not+c.key+" IN (SELECT po.customer_key FROM purchase_orders po INDEXED BY purchase_orders_customer WHERE po.date BETWEEN ? AND ?", from, to)
	c.channels(s, "po", k)
	s.w(" GROUP BY po.customer_key HAVING " + not + "(" + agg)
	if k.Op == "between" {
		s.w(" BETWEEN ? AND ?))", v1, v2)
	} else {
		s.w(" "+opSQL[k.Op]+" ?))", v1)
	}
}

// zeroPasses reports whether a customer with nothing in scope — spend and
// orders of zero — meets a threshold. An average of no orders is undefined
// and meets none.
func zeroPasses(k *Cond) bool {
	if k.Measure != "spend" && k.Measure != "orders" {
		return false
	}
	switch k.Op {
	case "<":
		return 0 < k.Value
	case "<=":
		return 0 <= k.Value
	case "=":
		return k.Value == 0
	case ">=":
		return 0 >= k.Value
	case "between":
		return k.Value <= 0 && 0 <= k.Value2
	}
	return false
}

// The customer list is two queries in one statement. The inner one selects
// the customers, their sort key and the total, and keeps one page: its cost
// is the filter plus one sort key per selected customer. The outer one
// decorates only that page with names, measures and segments, so display
// columns cost 50 rows, not the whole selection.

var customerColumns = []string{"customer_id", "姓名", "性别", "年龄", "城市", "会员等级", "RFM分群", "生命周期", "消费金额", "订单数", "最近购买日", "预测价值", "手机号"}

// windowMeasure is a customer's spend (cents), order count or last purchase
// date in [from, to], as a correlated scalar subquery: one short index range
// per customer. ck is the customer key column it correlates with.
func windowMeasure(s *sqlText, ck, measure, from, to string) {
	switch measure {
	case "orders":
		s.w("(SELECT count(*) FROM purchase_orders po WHERE po.customer_key = "+ck+" AND po.date BETWEEN ? AND ?)", from, to)
	case "last":
		s.w("(SELECT max(po.date) FROM purchase_orders po WHERE po.customer_key = "+ck+" AND po.date <= ?)", to)
	default:
		s.w("(SELECT coalesce(sum(po.pay_cents), 0) FROM purchase_orders po WHERE po.customer_key = "+ck+" AND po.date BETWEEN ? AND ?)", from, to)
	}
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
		windowMeasure(s, c.key, "last", from, c.asOf)
	case joined && by == "orders":
		s.w("coalesce(w.n, 0)")
	case joined && (by == "aov" || by == "arpu"):
		s.w("(w.s * 1.0 / w.n)")
	case joined:
		s.w("coalesce(w.s, 0)")
	case whole && by == "orders":
		s.w("m.frequency")
	case whole && (by == "aov" || by == "arpu"):
		s.w("(m.monetary_cents * 1.0 / nullif(m.frequency, 0))")
	case whole:
		s.w("m.monetary_cents")
	case by == "orders":
		windowMeasure(s, c.key, "orders", from, to)
	case by == "aov" || by == "arpu":
		s.w("(")
		windowMeasure(s, c.key, "spend", from, to)
		s.w(" * 1.0 / nullif(")
		windowMeasure(s, c.key, "orders", from, to)
		s.w(", 0))")
	default:
		windowMeasure(s, c.key, "spend", from, to)
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
	s := &sqlText{}

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
		windowMeasure(s, "c.id", "spend", from, to)
		s.w(` / 100.0 AS "消费金额", `)
		windowMeasure(s, "c.id", "orders", from, to)
		s.w(` AS "订单数", `)
		windowMeasure(s, "c.id", "last", from, c.asOf)
		s.w(` AS "最近购买日", `)
	}
	if c.snap {
		s.w(`round(m.clv, 2) AS "预测价值", `)
	} else {
		s.w(`NULL AS "预测价值", `)
	}
	s.w(`c.phone AS "手机号", sel.total AS "_total"` + "\nFROM (")

	// Inner: the selection, its sort key, the total and one page.
	s.w("SELECT ck, k, count(*) OVER () AS total FROM (")
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
		if joined {
			from, to := c.scope(p.Window)
			s.w("\nLEFT JOIN (SELECT po.customer_key, sum(po.pay_cents) AS s, count(*) AS n FROM purchase_orders po INDEXED BY purchase_orders_customer WHERE po.date BETWEEN ? AND ? GROUP BY po.customer_key) w ON w.customer_key = "+c.key, from, to)
		}
		c.where(s)
	}
	if p.Limit > 0 {
		s.w("\nORDER BY k"+dir+", ck\nLIMIT ?", p.Limit)
	}
	s.w(")\nORDER BY k"+dir+", ck\nLIMIT ? OFFSET ?) sel\nJOIN customers c ON c.id = sel.ck", page.Limit, page.Offset)
	if c.snap {
		s.w(" JOIN customer_measures m ON m.customer_key = c.id AND m.as_of = ?", c.asOf)
	}
	s.w("\nORDER BY sel.k" + dir + ", sel.ck")
	pii := make([]bool, len(customerColumns))
	pii[len(pii)-1] = true
	return &Query{SQL: s.sb.String(), Args: s.args, Answer: AnswerCustomers, Columns: customerColumns, TotalColumn: true, PII: pii}
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

var groupMeasureSQL = map[string]string{
	"clv":           "sum(v)",
	"exp_purchases": "sum(ep)",
	"p_alive":       "avg(pa)",
	"customers":     "count(*)",
	"spend":         "sum(s) / 100.0",
	"orders":        "sum(n)",
	"aov":           "sum(s) / 100.0 / nullif(sum(n), 0)",
	"arpu":          "sum(s) / 100.0 / nullif(sum(n > 0), 0)",
	"repurchase":    "sum(n >= 2) * 1.0 / nullif(sum(n >= 1), 0)",
	"new_customers": "sum(nw)",
	// lost, act, buyer and gap are the per-customer columns lifecycleCols writes.
	"churn_rate":          "round(sum(lost) * 1.0 / nullif(sum(buyer), 0), 4)",
	"active_rate":         "round(sum(act) * 1.0 / nullif(sum(buyer), 0), 4)",
	"repurchase_interval": "round(avg(gap), 2)",
}

// lifecycleCols writes, per customer of a table, whether the snapshot has
// them lost, active (new or active) or a buyer at all, and the days from
// their first to their second completed order (one index range each).
func (c *compiler) lifecycleCols(s *sqlText) {
	lc := c.e.Catalog.Model.Lifecycle
	s.w(", (m.lifecycle = ?) AS lost, (m.lifecycle IN (?, ?)) AS act, (m.first_date IS NOT NULL) AS buyer", lc.Lost.Name, lc.New.Name, lc.Active.Name)
	s.w(", (SELECT julianday(po2.date) FROM purchase_orders po2 INDEXED BY purchase_orders_customer WHERE po2.customer_key = "+c.key+
		" AND po2.date <= ? ORDER BY po2.date LIMIT 1 OFFSET 1) - julianday(m.first_date) AS gap", c.asOf)
}

// migration counts customers by their segment at one snapshot (f) and at
// another (m), optionally among the customers the filter selects.
func (c *compiler) migration() *Query {
	mg := c.p.Migration
	col := map[string]string{"rfm": "rfm_class", "lifecycle": "lifecycle"}[mg.Dim]
	s := &sqlText{}
	s.w(`SELECT coalesce(f.` + col + `, '无') AS "原分群", coalesce(m.` + col + `, '无') AS "现分群", count(*) AS "客户数"` + "\n")
	s.w("FROM customer_measures m JOIN customer_measures f ON f.customer_key = m.customer_key AND f.as_of = ?", mg.From.String())
	if c.needC {
		s.w(" JOIN customers c ON c.id = m.customer_key")
	}
	s.w("\nWHERE m.as_of = ?", mg.To.String())
	if c.p.Filter != nil {
		s.w(" AND ")
		c.node(s, c.p.Filter)
	}
	s.w("\nGROUP BY 1, 2\nORDER BY ")
	for i, side := range []string{`"原分群"`, `"现分群"`} {
		if i > 0 {
			s.w(", ")
		}
		s.w("CASE " + side)
		for j, name := range c.segmentOrder(mg.Dim) {
			s.w(fmt.Sprintf(" WHEN ? THEN %d", j), name)
		}
		s.w(" ELSE 99 END")
	}
	cols := []string{"原分群", "现分群", "客户数"}
	return &Query{SQL: s.sb.String(), Args: s.args, Answer: AnswerTable, Columns: cols, PII: make([]bool, len(cols))}
}

// newCustomersByMonth counts customers by the month of their first
// purchase (近6个月每月新客数), from the snapshot.
func (c *compiler) newCustomersByMonth() *Query {
	s := &sqlText{}
	from, to := c.scope(c.p.Window)
	cols := []string{"月份", "新客数"}
	s.w(`SELECT substr(m.first_date, 1, 7) AS "月份", count(*) AS "新客数"`)
	c.shares(s, &cols, map[string]string{"new_customers": "count(*)"})
	s.w("\n")
	c.from(s)
	c.where(s)
	s.w(" AND m.first_date BETWEEN ? AND ?\nGROUP BY 1 ORDER BY 1", from, to)
	return &Query{SQL: s.sb.String(), Args: s.args, Answer: AnswerTable, Columns: cols, PII: make([]bool, len(cols))}
}

// purchaseScan writes the FROM and WHERE of a scan over the window's orders
// by date (CROSS JOIN keeps that order), joined to the selected customers
// only when a condition needs them.
func (c *compiler) purchaseScan(s *sqlText, from, to string) {
	if c.p.Filter == nil {
		s.w("FROM purchase_orders po INDEXED BY purchase_orders_date\nWHERE po.date BETWEEN ? AND ?", from, to)
		return
	}
	// With a condition, the selected customers drive (CROSS JOIN keeps that
	// order) and their orders are one index range each.
	s.w("FROM ")
	c.base(s)
	s.w(" CROSS JOIN purchase_orders po INDEXED BY purchase_orders_customer ON po.customer_key = " + c.key)
	c.where(s)
	s.w(" AND po.date BETWEEN ? AND ?", from, to)
}

// purchaseMeasureSQL computes measures straight from order rows, for
// purchase dimensions (channel, month) where no per-customer step is needed.
var purchaseMeasureSQL = map[string]string{
	"customers": "count(DISTINCT po.customer_key)",
	"spend":     "sum(po.pay_cents) / 100.0",
	"orders":    "count(*)",
	"aov":       "sum(po.pay_cents) / 100.0 / count(*)",
	"arpu":      "sum(po.pay_cents) / 100.0 / count(DISTINCT po.customer_key)",
}

// tableByPurchase groups orders by a purchase dimension directly; ok is
// false when a measure (复购率) needs the per-customer step.
func (c *compiler) tableByPurchase(dim DimensionDef) (*Query, bool) {
	p := c.p
	for _, m := range p.Measures {
		if _, ok := purchaseMeasureSQL[m]; !ok {
			return nil, false
		}
	}
	s := &sqlText{}
	cols := []string{dim.Name}
	s.w("SELECT " + c.dimExpr(dim) + ` AS "` + dim.Name + `"`)
	for _, m := range p.Measures {
		s.w(", " + purchaseMeasureSQL[m] + ` AS "` + Measures[m].Name + `"`)
		cols = append(cols, Measures[m].Name)
	}
	c.shares(s, &cols, purchaseMeasureSQL)
	s.w("\n")
	from, to := c.scope(p.Window)
	c.purchaseScan(s, from, to)
	s.w("\nGROUP BY 1 HAVING " + c.dimExpr(dim) + " IS NOT NULL ORDER BY ")
	switch {
	case p.Sort != nil:
		c.rankGroups(s, "1")
	case p.GroupBy == "month":
		s.w("1")
	default:
		s.w("2 DESC, 1")
	}
	return &Query{SQL: s.sb.String(), Args: s.args, Answer: p.Answer, Columns: cols, PII: make([]bool, len(cols))}, true
}

// table groups the selected customers by a dimension (or not at all, for a
// single figure) and computes each measure over their orders in scope.
func (c *compiler) table() *Query {
	p := c.p
	dim, grouped := Dimensions[p.GroupBy]
	if p.GroupBy == "month" && len(p.Measures) == 1 && p.Measures[0] == "new_customers" {
		return c.newCustomersByMonth()
	}
	if dim.OrderLevel {
		if q, ok := c.tableByPurchase(dim); ok {
			return q
		}
	}
	needOrders := dim.OrderLevel
	for _, m := range p.Measures {
		if m != "customers" && !lifecycleMeasure(m) {
			needOrders = true
		}
	}
	s := &sqlText{}
	var cols []string
	s.w("SELECT ")
	if grouped {
		s.w(`g AS "` + dim.Name + `"`)
		cols = append(cols, dim.Name)
	}
	for i, m := range p.Measures {
		if i > 0 || grouped {
			s.w(", ")
		}
		def := Measures[m]
		s.w(groupMeasureSQL[m] + ` AS "` + def.Name + `"`)
		cols = append(cols, def.Name)
	}
	if grouped {
		c.shares(s, &cols, groupMeasureSQL)
	}
	s.w("\nFROM (SELECT ")
	if grouped {
		s.w(c.dimExpr(dim) + " AS g, ")
	} else {
		s.w("1 AS g, ")
	}
	if dim.OrderLevel {
		s.w("po.customer_key AS ck")
	} else {
		s.w(c.key + " AS ck")
	}
	// Whole-history measures of customer groups come from the snapshot (one
	// row per customer, no order rows); a window or a purchase dimension
	// (channel, month) needs the orders, summed per group and customer.
	fromSnapshot := needOrders && p.Window == nil && c.snap && !dim.OrderLevel
	for _, m := range p.Measures {
		if m == "new_customers" {
			from, to := c.scope(p.Window)
			s.w(", (m.first_date BETWEEN ? AND ?) AS nw", from, to)
			break
		}
	}
	for _, m := range p.Measures {
		if predictedMeasure(m) {
			s.w(", m.clv AS v, m.exp_purchases AS ep, m.p_alive AS pa")
			break
		}
	}
	for _, m := range p.Measures {
		if lifecycleMeasure(m) {
			c.lifecycleCols(s)
			break
		}
	}
	switch {
	case fromSnapshot:
		s.w(", m.frequency AS n, m.monetary_cents AS s\n")
	case needOrders:
		s.w(", count(po.order_key) AS n, coalesce(sum(po.pay_cents), 0) AS s\n")
	default:
		s.w("\n")
	}
	from, to := c.scope(p.Window)
	switch {
	case dim.OrderLevel:
		c.purchaseScan(s, from, to)
	case needOrders && !fromSnapshot:
		c.from(s)
		s.w(" LEFT JOIN purchase_orders po ON po.customer_key = "+c.key+" AND po.date BETWEEN ? AND ?", from, to)
		c.where(s)
	default:
		c.from(s)
		c.where(s)
	}
	if needOrders && !fromSnapshot {
		s.w("\nGROUP BY g, ck")
	}
	s.w(")")
	if grouped {
		s.w("\nWHERE g IS NOT NULL\nGROUP BY g\nORDER BY ")
		switch {
		case p.Sort != nil:
			c.rankGroups(s, "g")
		case p.GroupBy == "rfm" || p.GroupBy == "lifecycle":
			s.w("CASE g")
			for i, name := range c.segmentOrder(p.GroupBy) {
				s.w(fmt.Sprintf(" WHEN ? THEN %d", i), name)
			}
			s.w(" ELSE 99 END")
		case p.GroupBy == "month":
			s.w("g")
		default:
			s.w("2 DESC, g")
		}
	}
	ans := p.Answer
	return &Query{SQL: s.sb.String(), Args: s.args, Answer: ans, Columns: cols, PII: make([]bool, len(cols))}
}

// shares writes, for a plan that asks 占比, each additive measure's share
// of the groups' total: the aggregate over the window of all groups, so a
// ranking's LIMIT cuts the rows, not the total. The share columns come last
// so that measure columns keep their positions.
func (c *compiler) shares(s *sqlText, cols *[]string, sql map[string]string) {
	if !c.p.Share {
		return
	}
	for _, m := range shareMeasures(c.p.Measures) {
		e := sql[m]
		name := Measures[m].Name + "占比"
		s.w(", round((" + e + ") * 1.0 / nullif(sum(" + e + ") OVER (), 0), 4) AS \"" + name + "\"")
		*cols = append(*cols, name)
	}
}

// rankGroups orders a table by the measure its ranking names (a result
// column: the group is column 1, measures follow), ties by the group g,
// and keeps the first Limit groups.
func (c *compiler) rankGroups(s *sqlText, g string) {
	col := 2
	for i, m := range c.p.Measures {
		if m == c.p.Sort.By {
			col = i + 2
		}
	}
	dir := " DESC"
	if !c.p.Sort.Desc {
		dir = " ASC"
	}
	s.w(fmt.Sprintf("%d%s, %s", col, dir, g))
	if c.p.Limit > 0 {
		s.w("\nLIMIT ?", c.p.Limit)
	}
}

func (c *compiler) segmentOrder(dim string) []string {
	model := schema.DefaultModel()
	if c.e.Catalog != nil {
		model = c.e.Catalog.Model
	}
	var out []string
	if dim == "rfm" {
		for _, r := range model.RFM {
			out = append(out, r.Name)
		}
		return out
	}
	for _, st := range model.Lifecycle.Stages() {
		out = append(out, st.Name)
	}
	return out
}
