package nlq

// Tables: measures of customer groups, purchase groups (channel, month) and
// segment migrations.

import (
	"fmt"

	"github.com/chatbi/chatbi/schema"
)

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
	s.w(", ")
	c.e.Dialect.secondOrderGap(s, c.key, c.asOf)
	s.w(" AS gap")
}

// migration counts customers by their segment at one snapshot (f) and at
// another (m), optionally among the customers the filter selects.
func (c *compiler) migration() *Query {
	mg := c.p.Migration
	col := map[string]string{"rfm": "rfm_class", "lifecycle": "lifecycle"}[mg.Dim]
	m := migrationSQL{from: "f." + col, to: "m." + col, names: [2]string{"原分群", "现分群"}, order: c.segmentOrder(mg.Dim)}
	if mg.Dim == "tag" {
		// A customer holding several tags counts in every (then, now)
		// pair of them; one without a tag at both snapshots is not listed.
		m = migrationSQL{from: "ft.tag", to: "mt.tag", names: [2]string{"原标签", "现标签"}, order: schema.BehaviourTags,
			joins: "\nLEFT JOIN customer_tags ft ON ft.as_of = f.as_of AND ft.customer_key = m.customer_key" +
				"\nLEFT JOIN customer_tags mt ON mt.as_of = m.as_of AND mt.customer_key = m.customer_key",
			where: " AND (ft.tag IS NOT NULL OR mt.tag IS NOT NULL)"}
	}
	clickhouseRFM := c.e.Dialect == ClickHouse && mg.Dim != "tag"
	clickhouseTags := c.e.Dialect == ClickHouse && mg.Dim == "tag"
	switch {
	case clickhouseRFM:
		m.from = "f_" + col
	case clickhouseTags:
		m.from, m.to = "ft_tag", "mt_tag"
	}
	s := &sqlText{}
	s.w(`SELECT coalesce(` + m.from + `, '无') AS "` + m.names[0] + `", coalesce(` + m.to + `, '无') AS "` + m.names[1] + `", count(*) AS "客户数"` + "\n")
	if clickhouseTags {
		c.tagPairs(s, mg)
	} else if clickhouseRFM {
		// The earlier snapshot as a joined table USING the customer: on a
		// cluster, names qualified in a join's ON are lost when the
		// distributed query rewrites the table.
		s.w("FROM customer_measures m ALL INNER JOIN (SELECT customer_key, "+col+" AS f_"+col+" FROM customer_measures WHERE as_of = ?) f USING customer_key", mg.From.String())
	} else {
		s.w("FROM customer_measures m JOIN customer_measures f ON f.customer_key = m.customer_key AND f.as_of = ?", mg.From.String())
	}
	if c.needC {
		s.w(" JOIN customers c ON c.id = m.customer_key")
	}
	if !clickhouseTags {
		s.w(m.joins)
		s.w("\nWHERE m.as_of = ?"+m.where, mg.To.String())
		if c.p.Filter != nil {
			s.w(" AND ")
			c.node(s, c.p.Filter)
		}
	}
	d := c.e.Dialect
	s.w("\nGROUP BY " + d.column(1, m.names[0]) + ", " + d.column(2, m.names[1]) + "\nORDER BY ")
	for i, side := range m.names {
		if i > 0 {
			s.w(", ")
		}
		s.w(`CASE "` + side + `"`)
		for j, name := range m.order {
			s.w(fmt.Sprintf(" WHEN ? THEN %d", j), name)
		}
		s.w(" ELSE 99 END")
	}
	cols := []string{m.names[0], m.names[1], "客户数"}
	return &Query{SQL: s.sb.String(), Args: s.args, Answer: AnswerTable, Columns: cols, PII: make([]bool, len(cols))}
}

// tagPairs writes, on ClickHouse, the FROM and WHERE of a tag migration:
// each selected customer present at both snapshots, paired tag by tag
// (then, now), NULL on a side without tags, one join per SELECT (servers
// before 21.x run no more) and each USING the key (a cluster's
// distributed query loses names qualified in ON).
func (c *compiler) tagPairs(s *sqlText, mg *Migration) {
	from, to := mg.From.String(), mg.To.String()
	s.w("FROM (SELECT customer_key, mt_tag, ft_tag FROM (SELECT customer_key, mt_tag FROM (SELECT m.customer_key AS customer_key FROM customer_measures m"+
		"\n  WHERE m.as_of = ? AND m.customer_key IN (SELECT customer_key FROM customer_measures WHERE as_of = ?)", to, from)
	if c.p.Filter != nil {
		s.w(" AND ")
		c.node(s, c.p.Filter)
	}
	s.w(") sel\n  ALL LEFT JOIN (SELECT customer_key, tag AS mt_tag FROM customer_tags WHERE as_of = ?) mt USING customer_key) now", to)
	s.w("\n  ALL LEFT JOIN (SELECT customer_key, tag AS ft_tag FROM customer_tags WHERE as_of = ?) ft USING customer_key) pairs", from)
	s.w("\nWHERE ft_tag IS NOT NULL OR mt_tag IS NOT NULL")
}

// migrationSQL is what differs between the migration tables: the values
// then and now, their column names and order, and for tags their joins.
type migrationSQL struct {
	from, to     string
	names        [2]string
	order        []string
	joins, where string
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
	month := c.e.Dialect.column(1, "月份")
	s.w(" AND m.first_date BETWEEN ? AND ?\nGROUP BY "+month+" ORDER BY "+month, from, to)
	return &Query{SQL: s.sb.String(), Args: s.args, Answer: AnswerTable, Columns: cols, PII: make([]bool, len(cols))}
}

// purchaseScan writes the FROM and WHERE of a scan over the window's orders
// by date (CROSS JOIN keeps that order), joined to the selected customers
// only when a condition needs them.
func (c *compiler) purchaseScan(s *sqlText, from, to string) {
	if c.p.Filter == nil {
		s.w("FROM purchase_orders po"+c.e.Dialect.indexed("purchase_orders_date")+"\nWHERE po.date BETWEEN ? AND ?", from, to)
		return
	}
	// With a condition, the selected customers drive (CROSS JOIN keeps that
	// order) and their orders are one index range each.
	s.w("FROM ")
	c.base(s)
	s.w(c.e.Dialect.crossJoin() + "purchase_orders po" + c.e.Dialect.indexed("purchase_orders_customer") + " ON po.customer_key = " + c.key)
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

// orderDaysSQL are the purchase measures over order_days rows (od) and,
// for the distinct customers, the 'all' purchase sets of the group's days
// (b: that set's size, written by orderDaysBuyers).
var orderDaysSQL = map[string]string{
	"customers": "b",
	"spend":     "s / 100.0",
	"orders":    "n",
	"aov":       "s / 100.0 / n",
	"arpu":      "s / 100.0 / b",
}

// tableByOrderDays answers a table of orders grouped by channel or month,
// with no customer condition, from order_days (a row per day and channel)
// and the per-day purchase sets: no order row is read.
func (c *compiler) tableByOrderDays(dim DimensionDef) (*Query, bool) {
	p := c.p
	if c.e.plain() || c.e.Catalog == nil || !c.e.Catalog.OrderDays || !c.e.Catalog.PurchaseSets || p.Filter != nil || p.Share {
		return nil, false
	}
	group := map[string]string{"channel": "od.channel", "month": "substr(od.date, 1, 7)"}[p.GroupBy]
	if group == "" {
		return nil, false
	}
	from, to := c.scope(p.Window)
	s := &sqlText{}
	cols := []string{dim.Name}
	s.w(`SELECT g AS "` + dim.Name + `"`)
	for _, m := range p.Measures {
		s.w(", " + orderDaysSQL[m] + ` AS "` + Measures[m].Name + `"`)
		cols = append(cols, Measures[m].Name)
	}
	s.w("\nFROM (SELECT g, s, n")
	for _, m := range p.Measures {
		if m == "customers" || m == "arpu" {
			// The group's distinct buyers: its days' sets, united.
			s.w(", (SELECT set_count(set_union(ps.customers)) FROM purchase_sets ps WHERE ps.level = ? AND ps.term = ?", "all", "")
			if p.GroupBy == "channel" {
				s.w(" AND ps.channel = g AND ps.date BETWEEN ? AND ?)", from, to)
			} else {
				s.w(" AND ps.date BETWEEN max(?, g || '-01') AND min(?, g || '-31'))", from, to)
			}
			s.w(" AS b")
			break
		}
	}
	s.w(" FROM (SELECT "+group+" AS g, sum(od.pay_cents) AS s, sum(od.orders) AS n FROM order_days od WHERE od.date BETWEEN ? AND ?", from, to)
	if p.GroupBy == "channel" {
		s.w(" AND od.channel <> ?", "") // orders without a channel are in no channel's row
	}
	s.w(" GROUP BY 1))\nORDER BY ")
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

// tableByPurchase groups orders by a purchase dimension directly; ok is
// false when a measure (复购率) needs the per-customer step.
func (c *compiler) tableByPurchase(dim DimensionDef) (*Query, bool) {
	p := c.p
	for _, m := range p.Measures {
		if _, ok := purchaseMeasureSQL[m]; !ok {
			return nil, false
		}
	}
	if q, ok := c.tableByOrderDays(dim); ok {
		return q, true
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
	d := c.e.Dialect
	g := d.column(1, dim.Name)
	s.w("\nGROUP BY " + g + " HAVING " + c.dimExpr(dim) + " IS NOT NULL ORDER BY ")
	switch {
	case p.Sort != nil:
		c.rankGroups(s, g)
	case p.GroupBy == "month":
		s.w(g)
	default:
		s.w(d.column(2, cols[1]) + " DESC, " + g)
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
	if q, ok := c.setTable(dim); ok {
		return q
	}
	c.needT = dim.Tags
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
	lifecycle := false
	for _, m := range p.Measures {
		if lifecycleMeasure(m) {
			c.lifecycleCols(s)
			lifecycle = true
			break
		}
	}
	switch {
	case fromSnapshot:
		s.w(", m.frequency AS n, m.monetary_cents AS s\n")
	case needOrders && c.e.Dialect == ClickHouse:
		// Each customer's orders in the window, summed in a joined table
		// (windowJoin): one join, no condition but the key in it.
		s.w(", coalesce(sum(" + c.e.Dialect.joined("n") + "), 0) AS n, coalesce(sum(" + c.e.Dialect.joined("s") + "), 0) AS s\n")
	case needOrders:
		s.w(", count(po.order_key) AS n, coalesce(sum(po.pay_cents), 0) AS s\n")
	default:
		s.w("\n")
	}
	from, to := c.scope(p.Window)
	switch {
	case dim.OrderLevel:
		c.purchaseScan(s, from, to)
	case needOrders && !fromSnapshot && c.e.Dialect == ClickHouse:
		c.from(s)
		c.e.Dialect.windowJoin(s, c.key, "po.customer_key", "sum(po.pay_cents)", "count(*)", " FROM purchase_orders po WHERE po.date BETWEEN ? AND ? GROUP BY po.customer_key", from, to)
		c.where(s)
	case needOrders && !fromSnapshot:
		c.from(s)
		s.w(" LEFT JOIN purchase_orders po ON po.customer_key = "+c.key+" AND po.date BETWEEN ? AND ?", from, to)
		c.where(s)
	default:
		c.from(s)
		if lifecycle {
			c.e.Dialect.gapJoin(s, c.key, c.asOf)
		}
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
		case p.GroupBy == "rfm" || p.GroupBy == "lifecycle" || p.GroupBy == "tag":
			s.w("CASE g")
			for i, name := range c.segmentOrder(p.GroupBy) {
				s.w(fmt.Sprintf(" WHEN ? THEN %d", i), name)
			}
			s.w(" ELSE 99 END")
		case p.GroupBy == "month":
			s.w("g")
		default:
			s.w(c.e.Dialect.column(2, cols[1]) + " DESC, g")
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
	col, name := 2, ""
	if len(c.p.Measures) > 0 {
		name = Measures[c.p.Measures[0]].Name
	}
	for i, m := range c.p.Measures {
		if m == c.p.Sort.By {
			col, name = i+2, Measures[m].Name
		}
	}
	dir := " DESC"
	if !c.p.Sort.Desc {
		dir = " ASC"
	}
	s.w(c.e.Dialect.column(col, name) + dir + ", " + g)
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
	if dim == "tag" {
		return schema.BehaviourTags
	}
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
