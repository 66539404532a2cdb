package nlq

import "fmt"

// Item-level measures (spec semantics.md): X的销售额 / 销量 / 购买人数, and
// tables grouped by an item attribute (各品类, 各品牌, 各商品). They count
// order lines, not customers: the sum of the lines' amount or quantity, or
// the distinct customers with such a line, in completed orders in scope.

// lineMeasureSQL are the measures over order lines: purchase_lines (alias
// o) holds the completed orders' lines with their customer and date, so
// only the products are joined.
var lineMeasureSQL = map[string]string{
	"sales":  "round(sum(o.amount_cents) / 100.0, 2)",
	"units":  "sum(o.quantity)",
	"buyers": "count(DISTINCT o.customer_key)",
}

// productDaysSQL are the line measures product_days can sum (the number of
// distinct buyers is not a sum of days).
var productDaysSQL = map[string]string{
	"sales": "round(sum(pd.amount_cents) / 100.0, 2)",
	"units": "sum(pd.units)",
}

// fromProductDays reports whether a line plan reads product_days: every
// measure is a sum, no condition selects customers, and the warehouse has
// them built.
func (c *compiler) fromProductDays() bool {
	if c.e.plain() || c.e.Catalog == nil || !c.e.Catalog.ProductDays || c.p.Filter != nil {
		return false
	}
	for _, m := range c.p.Measures {
		if _, ok := productDaysSQL[m]; !ok {
			return false
		}
	}
	return true
}

// isLinePlan reports a plan answered over order lines.
func isLinePlan(p *Plan) bool {
	if Dimensions[p.GroupBy].Line || len(p.Lines) > 0 {
		return true
	}
	for _, m := range p.Measures {
		if _, ok := lineMeasureSQL[m]; ok {
			return true
		}
	}
	return false
}

// lineTable answers a line plan: one row, or one per group, over the
// completed order lines in scope of the plan's items, of the customers the
// filter selects.
func (c *compiler) lineTable() *Query {
	p := c.p
	dim, grouped := Dimensions[p.GroupBy]
	s := &sqlText{}
	var cols []string
	s.w("SELECT ")
	if grouped {
		s.w(dim.Expr + ` AS "` + dim.Name + `"`)
		cols = append(cols, dim.Name)
	}
	for i, m := range p.Measures {
		if i > 0 || grouped {
			s.w(", ")
		}
		if c.fromProductDays() {
			s.w(productDaysSQL[m] + ` AS "` + Measures[m].Name + `"`)
		} else {
			s.w(lineMeasureSQL[m] + ` AS "` + Measures[m].Name + `"`)
		}
		cols = append(cols, Measures[m].Name)
	}
	from, to := c.scope(p.Window)
	if c.fromProductDays() {
		// Summed per product and day at import: a few rows a day.
		s.w("\nFROM product_days pd JOIN products p ON p.id = pd.product_key")
		s.w("\nWHERE pd.date BETWEEN ? AND ?", from, to)
	} else {
		s.w("\nFROM purchase_lines o")
		c.e.Dialect.productsJoin(s)
		s.w("\nWHERE o.date BETWEEN ? AND ?", from, to)
	}
	if len(p.Lines) > 0 {
		s.w(" AND ")
		c.itemPredicate(s, p.Lines)
	}
	if p.Filter != nil {
		// The customers the conditions select, as one subquery.
		s.w(" AND o.customer_key IN (SELECT " + c.key + " ")
		c.from(s)
		c.where(s)
		s.w(")")
	}
	if grouped {
		d := c.e.Dialect
		g := d.column(1, cols[0])
		s.w("\nGROUP BY " + g + "\nORDER BY ")
		if p.Sort != nil {
			c.rankGroups(s, g)
		} else {
			s.w(d.column(2, cols[1]) + " DESC, " + g)
		}
	}
	return &Query{SQL: s.sb.String(), Args: s.args, Answer: p.Answer, Columns: cols, PII: make([]bool, len(cols))}
}

// checkLines checks a line plan: its items exist, its measures are line
// measures.
func (e *Engine) checkLines(p *Plan) error {
	for _, m := range p.Measures {
		if _, ok := lineMeasureSQL[m]; !ok {
			return &PlanError{Msg: fmt.Sprintf("按商品统计时只能计算销售额、销量和购买人数（不能计算%s）", Measures[m].Name)}
		}
	}
	if len(p.Measures) == 0 {
		return &PlanError{Msg: "按商品统计需要一个指标（销售额、销量或购买人数）"}
	}
	if d, ok := Dimensions[p.GroupBy]; ok && !d.Line {
		return &PlanError{Msg: fmt.Sprintf("商品的销售额、销量和购买人数只能按品类、大类、品牌或商品分组（不能按%s）", d.Name)}
	}
	c := &Cond{Kind: CondBought, Items: p.Lines}
	return e.checkCond(c)
}
