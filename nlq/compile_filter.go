package nlq

// The filter: a Plan's condition tree as a WHERE clause, every value a bound
// parameter (purchases, segments, attributes, thresholds).

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/chatbi/chatbi/schema"
)

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
		s.w(c.key + " IN ")
		c.lineBuyers(s, k, "", from, to)
		if k.Only {
			// …and no line in scope of any other product.
			s.w(" AND NOT " + c.key + " IN ")
			c.lineBuyers(s, k, "NOT ", from, to)
			s.w(")")
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
	case CondCohort:
		// A saved list, by customer_id (stable across re-imports, unlike
		// the keys): its ids are one bound JSON array.
		ids, _ := json.Marshal(k.IDs)
		s.w(c.key+" IN (SELECT cu.id FROM customers cu WHERE cu.customer_id IN (SELECT je.value FROM json_each(?) je))", string(ids))
	case CondTag:
		// The customers carrying any of the tags at the snapshot (never
		// NULL: under a NOT, everyone else).
		day := c.asOf
		if k.At != nil {
			day = k.At.String()
		}
		s.w(c.key+" IN (SELECT t.customer_key FROM customer_tags t WHERE t.as_of = ? AND t.tag IN ", day)
		s.in(k.Values)
		s.w(")")
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
			s.w(c.key+" IN (SELECT po.customer_key FROM purchase_orders po"+c.e.Dialect.indexed("purchase_orders_customer")+" WHERE po.date <= ? GROUP BY po.customer_key HAVING min(po.date) BETWEEN ? AND ?)", c.asOf, from, to)
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

// lineBuyers writes the subquery of the customers with a completed order
// line in [from, to], in k's channels, of a product that is (not: "NOT ",
// is not) one of k's items. On ClickHouse with purchase_bitmaps
// (schema/clickhouse) and no channel named, it merges those products' day
// bitmaps instead of reading their lines — the same customers: a bitmap
// is one product's buyers on one day.
func (c *compiler) lineBuyers(s *sqlText, k *Cond, not, from, to string) {
	from1, key, alias := "purchase_lines pl", "pl.customer_key", "pl"
	if c.e.Dialect == ClickHouse && c.e.Catalog.PurchaseBitmaps && len(k.Channels) == 0 {
		from1, key, alias = "purchase_bitmaps pb", "arrayJoin(bitmapToArray(groupBitmapMergeState(pb.customers)))", "pb"
	}
	s.w("(SELECT " + key + " FROM " + from1 + " WHERE " + alias + ".product_key " + not + "IN (SELECT p.id FROM products p WHERE ")
	c.itemPredicate(s, k.Items)
	s.w(") AND "+alias+".date BETWEEN ? AND ?", from, to)
	c.channels(s, alias, k)
	s.w(")")
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
	if spend, orders, pre := c.windowColumns(w); pre && len(k.Channels) == 0 && (k.Measure == "spend" || k.Measure == "orders") {
		// Summed at refresh (schema/windows.go): the buyers of the last
		// year, one row each; anyone else has 0 in the window.
		col := map[string]string{"spend": spend, "orders": orders}[k.Measure]
		s.w(not + c.key + " IN (SELECT cw.customer_key FROM customer_windows cw WHERE " + not + "(cw." + col)
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
	s.w(not+c.key+" IN (SELECT po.customer_key FROM purchase_orders po"+c.e.Dialect.indexed("purchase_orders_customer")+" WHERE po.date BETWEEN ? AND ?", from, to)
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
