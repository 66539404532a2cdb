package nlq

import (
	"fmt"
	"strings"

	"github.com/chatbi/chatbi/schema"
)

// The set path. A customer list or count whose filter combines purchases
// with segments and attributes is answered from the warehouse's customer
// sets (package custset) instead of nested lookups: the conditions become
// one set expression — unions of per-day purchase sets, the snapshot's
// attribute sets, set_and / set_minus — and only the members of the result
// are turned into rows (json_each over set_keys) to be sorted and paged.
// Conditions that are not sets (age, thresholds, dates) still filter those
// rows in SQL, against each member's snapshot row.
//
// It is the same question in a different statement, so it must give the
// same answer: SQL's three-valued logic is why a negated attribute (不是女性)
// is "has a gender, and not 女", never "everyone but the women"; a NOT over
// anything else that could be NULL stays in SQL. TestSetPathSameAnswers
// runs every golden and evaluation question both ways.

// setSplit is a filter's top-level conjuncts, split by how they are answered.
type setSplit struct {
	sets     []*Node // by customer sets
	residual []*Node // by SQL on each member's snapshot row
}

// splitForSets decides whether the plan takes the set path. It does when
// the warehouse has sets for the as-of date and the set conjuncts include a
// purchase (where nested lookups cost most) and at least one positive
// conjunct, which bounds the rows produced: without one the set would be
// "everyone but …", which the snapshot scan answers as cheaply. A count
// made of set conditions only (杭州的女性重要价值客户有多少) takes it too:
// it never turns members into rows.
func (c *compiler) splitForSets(count bool) (setSplit, bool) {
	var sp setSplit
	p := c.p
	if p.Filter == nil || c.e.plain() || c.e.Catalog == nil || !c.snap || !c.e.Catalog.HasSets(p.AsOf.Time) {
		return sp, false
	}
	kids := []*Node{p.Filter}
	if p.Filter.Op == OpAnd {
		kids = p.Filter.Kids
	}
	purchase, positive := false, false
	for _, k := range kids {
		if !c.setable(k) {
			sp.residual = append(sp.residual, k)
			continue
		}
		sp.sets = append(sp.sets, k)
		purchase = purchase || hasPurchase(k)
		positive = positive || k.Op != OpNot
	}
	return sp, positive && (purchase || count && len(sp.residual) == 0)
}

func hasPurchase(n *Node) bool {
	found := false
	Walk(n, func(x *Node) { found = found || (x.Cond != nil && x.Cond.Kind == CondBought) })
	return found
}

// attrLeaf reports a condition on a snapshot column that may be NULL,
// where "not X" means "known, and not X" (不是女性: has a gender). A
// segment is not one: a customer without a class is certainly not in it
// (不是重要价值客户 includes those who never bought).
func attrLeaf(n *Node) bool {
	return n.Op == OpCond && n.Cond.At == nil && setAttr(n.Cond.Kind) != "" && !segmentKind(n.Cond.Kind)
}

// segmentKind reports the snapshot's segment columns (RFM class,
// lifecycle stage, potential), NULL for customers outside every value.
func segmentKind(k CondKind) bool {
	return k == CondRFM || k == CondLifecycle || k == CondPotential || k == CondTag
}

// setAttr is the customer_sets attr of a condition kind ("" if none).
func setAttr(k CondKind) string {
	switch k {
	case CondRFM, CondLifecycle, CondPotential, CondGender, CondCity, CondProvince, CondMemberLevel, CondRegisterChannel:
		return attrColumn[k].Name
	case CondTag:
		return schema.TagSetAttr
	}
	return ""
}

// nullable reports whether SQL could evaluate n to NULL.
func nullable(n *Node) bool {
	found := false
	Walk(n, func(x *Node) { found = found || attrLeaf(x) })
	return found
}

// setable reports whether n can be answered by customer sets with exactly
// the rows the SQL of n selects.
func (c *compiler) setable(n *Node) bool {
	switch n.Op {
	case OpAnd, OpOr:
		for _, k := range n.Kids {
			if !c.setable(k) {
				return false
			}
		}
		return true
	case OpNot:
		k := n.Kids[0]
		return attrLeaf(k) || (!nullable(k) && c.setable(k))
	case OpCond:
		switch k := n.Cond; {
		case k.Kind == CondBought:
			// Product sets hold all channels together (schema/sets.go);
			// "nothing else" is not a union of sets.
			// Coupons and discounts are not in the sets.
			return c.e.Catalog.PurchaseSets && (len(k.Channels) == 0 || !productLevel(k)) && !k.Only && k.Promo == ""
		case k.Kind == CondAge:
			// Ages at the plan's as-of date, one set per whole year.
			return k.At == nil && c.e.Catalog.AgeSets(c.p.AsOf.Time)
		case setAttr(k.Kind) == "":
			return false
		case k.At != nil:
			return c.e.Catalog.HasSets(k.At.Time)
		default:
			return true
		}
	}
	return false
}

// setAnd writes the intersection of kids: the positives intersected, the
// negated (non-NULL) ones subtracted; with no positive, from every customer.
func (c *compiler) setAnd(s *sqlText, kids []*Node) {
	var pos, neg []*Node
	for _, k := range kids {
		if k.Op == OpNot && !attrLeaf(k.Kids[0]) {
			neg = append(neg, k.Kids[0])
		} else {
			pos = append(pos, k)
		}
	}
	if len(neg) > 0 {
		s.w("set_minus(")
	}
	switch len(pos) {
	case 0:
		c.setAll(s)
	case 1:
		c.setExpr(s, pos[0])
	default:
		c.setCall(s, "set_and", pos)
	}
	if len(neg) > 0 {
		s.w(", ")
		if len(neg) == 1 {
			c.setExpr(s, neg[0])
		} else {
			c.setCall(s, "set_or", neg)
		}
		s.w(")")
	}
}

func (c *compiler) setCall(s *sqlText, fn string, kids []*Node) {
	s.w(fn + "(")
	for i, k := range kids {
		if i > 0 {
			s.w(", ")
		}
		c.setExpr(s, k)
	}
	s.w(")")
}

// setExpr writes a set-valued expression for a setable node.
func (c *compiler) setExpr(s *sqlText, n *Node) {
	switch n.Op {
	case OpAnd:
		c.setAnd(s, n.Kids)
	case OpOr:
		c.setCall(s, "set_or", n.Kids)
	case OpNot:
		k := n.Kids[0]
		s.w("set_minus(")
		if attrLeaf(k) {
			c.setKnown(s, k.Cond)
		} else {
			c.setAll(s)
		}
		s.w(", ")
		c.setExpr(s, k)
		s.w(")")
	case OpCond:
		if n.Cond.Kind == CondBought {
			c.setBought(s, n.Cond)
		} else if n.Cond.Kind == CondAge {
			c.setAge(s, n.Cond)
		} else {
			c.setAttrValues(s, n.Cond)
		}
	}
}

// setBought is the union of the purchase sets of the condition's items (or
// of any order), days and channels.
func (c *compiler) setBought(s *sqlText, k *Cond) {
	from, to := c.scope(c.p.EffectiveWindow(k))
	s.w("(SELECT set_union(ps.customers) FROM purchase_sets ps WHERE ")
	switch {
	case len(k.Items) == 0:
		s.w("ps.level = ? AND ps.term = ?", "all", "")
	case !productLevel(k):
		// One term, found as category, L1 or brand: a line matches it in
		// any of those places, so the union of those levels' sets.
		var levels []string
		for _, kind := range k.Items[0].Kinds {
			levels = append(levels, itemColumn[kind].Name)
		}
		s.w("ps.level IN ")
		s.in(levels)
		s.w(" AND ps.term = ?", k.Items[0].Value)
	default:
		// A product name or a combination (兰蔻口红): the sets of every
		// product it matches.
		s.w("ps.level = ? AND ps.term IN (SELECT p.product_id FROM products p WHERE ", "product")
		c.itemPredicate(s, k.Items)
		s.w(")")
	}
	s.w(" AND ps.date BETWEEN ? AND ?", from, to)
	if len(k.Channels) > 0 {
		if k.ChannelNot {
			// As SQL's channel NOT IN (…): an order without a channel is excluded.
			s.w(" AND ps.channel <> ? AND ps.channel NOT IN ", "")
		} else {
			s.w(" AND ps.channel IN ")
		}
		s.in(k.Channels)
	}
	s.w(")")
}

// productLevel reports whether a purchase needs product sets: a product
// name, or a combination (兰蔻口红) no coarser set answers.
func productLevel(k *Cond) bool {
	if len(k.Items) == 0 {
		return false
	}
	if len(k.Items) > 1 {
		return true
	}
	for _, kind := range k.Items[0].Kinds {
		if kind == ItemProduct {
			return true
		}
	}
	return false
}

// setAttrValues is the members holding any of the values, at the condition's
// snapshot.
func (c *compiler) setAttrValues(s *sqlText, k *Cond) {
	s.w("(SELECT set_union(cs.customers) FROM customer_sets cs WHERE cs.as_of = ? AND cs.attr = ? AND cs.value IN ", c.setDay(k), setAttr(k.Kind))
	s.in(k.Values)
	s.w(")")
}

// setAge is the customers whose whole-year age at the as-of date is in the
// condition's range (the age sets' values are three-digit text).
func (c *compiler) setAge(s *sqlText, k *Cond) {
	lo, hi := 0, 999
	if k.AgeMin != nil {
		lo = *k.AgeMin
	}
	if k.AgeMax != nil {
		hi = *k.AgeMax
	}
	s.w("(SELECT set_union(cs.customers) FROM customer_sets cs WHERE cs.as_of = ? AND cs.attr = ? AND cs.value BETWEEN ? AND ?)",
		c.asOf, schema.AgeAttr, schema.AgeValue(max(lo, 0)), schema.AgeValue(min(hi, 999)))
}

// setKnown is the members with any value of the condition's attribute.
func (c *compiler) setKnown(s *sqlText, k *Cond) {
	s.w("(SELECT set_union(cs.customers) FROM customer_sets cs WHERE cs.as_of = ? AND cs.attr = ?)", c.setDay(k), setAttr(k.Kind))
}

// setAll is every customer of the as-of snapshot.
func (c *compiler) setAll(s *sqlText) {
	s.w("(SELECT cs.customers FROM customer_sets cs WHERE cs.as_of = ? AND cs.attr = ?)", c.asOf, schema.AllCustomers)
}

func (c *compiler) setDay(k *Cond) string {
	if k.At != nil {
		return k.At.String()
	}
	return c.asOf
}

// setFrom writes the rows of the set path: one per member, joined to its
// snapshot row when the residual conditions or the sort key read it.
func (c *compiler) setFrom(s *sqlText, sp setSplit, needM bool) {
	s.w("FROM json_each(set_keys(")
	c.setAnd(s, sp.sets)
	s.w(")) j")
	if needM {
		s.w(" JOIN customer_measures m ON m.as_of = ? AND m.customer_key = j.value", c.asOf)
	}
	if len(sp.residual) > 0 {
		s.w("\nWHERE ")
		c.node(s, &Node{Op: OpAnd, Kids: sp.residual})
	}
}

// groupAttr is the customer_sets attr holding each group of a dimension.
var groupAttr = map[string]string{"rfm": "rfm_class", "lifecycle": "lifecycle", "city": "city", "province": "province",
	"gender": "gender", "member_level": "member_level", "register_channel": "register_channel", "tag": schema.TagSetAttr}

// setTable answers a count of customers — or a 流失率 / 活跃率 — by a
// customer attribute (各RFM分群的客户数, 各城市的重要价值客户数量, 各会员等级的
// 流失率) from the sets: intersection cardinalities per group, no customer
// row read. ok is false where the plan needs more (other measures, a
// ranking, shares, a condition that is not a set).
func (c *compiler) setTable(dim DimensionDef) (*Query, bool) {
	p := c.p
	attr, grouped := groupAttr[p.GroupBy]
	if !grouped || len(p.Measures) == 0 || p.Sort != nil || p.Share ||
		c.e.plain() || c.e.Catalog == nil || !c.snap || !c.e.Catalog.HasSets(p.AsOf.Time) {
		return nil, false
	}
	window := "" // 复购率 over a standard window: the window's buyer sets
	for _, m := range p.Measures {
		switch {
		case m == "customers" || m == "churn_rate" || m == "active_rate":
		case m == "repurchase" && p.Window == nil && c.e.Catalog.RepeatSets(p.AsOf.Time):
			// Whole history: the buyers with two orders or more are a set.
		case m == "repurchase" && p.Window != nil && c.e.Catalog.Windows != nil && c.e.Catalog.Windows.Repeat:
			spend, _, ok := c.windowColumns(p.Window)
			if !ok {
				return nil, false
			}
			window = strings.TrimPrefix(spend, "spend_")
		default:
			return nil, false
		}
	}
	var sp setSplit
	if p.Filter != nil {
		var ok bool
		if sp, ok = c.splitForSets(true); !ok || len(sp.residual) > 0 {
			return nil, false
		}
	}
	lc := c.e.Catalog.Model.Lifecycle
	stages := map[string][]string{
		"churn_rate":  {lc.Lost.Name},
		"active_rate": {lc.New.Name, lc.Active.Name},
		"buyers":      {lc.New.Name, lc.Active.Name, lc.Silent.Name, lc.Lost.Name},
	}
	// count is set_count(group ∩ filter [∩ the customers of these stages,
	// or the repeat buyers]).
	count := func(s *sqlText, extra []string) {
		s.w("set_count(set_and(cs.customers")
		if p.Filter != nil {
			s.w(", ")
			c.setAnd(s, sp.sets)
		}
		if len(extra) == 1 && strings.HasPrefix(extra[0], "window:") {
			s.w(", (SELECT ws.customers FROM window_sets ws WHERE ws.col = ?)", strings.TrimPrefix(extra[0], "window:"))
		} else if len(extra) == 1 && extra[0] == schema.RepeatValue {
			s.w(", (SELECT st.customers FROM customer_sets st WHERE st.as_of = ? AND st.attr = ? AND st.value = ?)", c.asOf, schema.RepeatAttr, schema.RepeatValue)
		} else if extra != nil {
			s.w(", (SELECT set_union(st.customers) FROM customer_sets st WHERE st.as_of = ? AND st.attr = ? AND st.value IN ", c.asOf, "lifecycle")
			s.in(extra)
			s.w(")")
		}
		s.w("))")
	}
	s := &sqlText{}
	cols := []string{dim.Name}
	s.w(`SELECT g AS "` + dim.Name + `"`)
	for i := range p.Measures {
		s.w(fmt.Sprintf(`, m%d AS "%s"`, i, Measures[p.Measures[i]].Name))
		cols = append(cols, Measures[p.Measures[i]].Name)
	}
	s.w(" FROM (SELECT cs.value AS g, ")
	count(s, nil)
	s.w(" AS n")
	for i, m := range p.Measures {
		s.w(", ")
		switch m {
		case "customers":
			count(s, nil)
		case "repurchase":
			// As the plain path: ≥ 2 orders ÷ ≥ 1 order (in the window, if
			// one is said), not rounded.
			repeat, buyers := []string{schema.RepeatValue}, stages["buyers"]
			if window != "" {
				repeat, buyers = []string{"window:" + schema.WindowRepeat(window)}, []string{"window:" + schema.WindowBuyers(window)}
			}
			count(s, repeat)
			s.w(" * 1.0 / nullif(")
			count(s, buyers)
			s.w(", 0)")
		default:
			// As the plain path: round(stage ÷ buyers, 4), NULL without buyers.
			s.w("round(")
			count(s, stages[m])
			s.w(" * 1.0 / nullif(")
			count(s, stages["buyers"])
			s.w(", 0), 4)")
		}
		s.w(fmt.Sprintf(" AS m%d", i))
	}
	s.w("\nFROM customer_sets cs WHERE cs.as_of = ? AND cs.attr = ?)\nWHERE n > 0\nORDER BY ", c.asOf, attr)
	if p.GroupBy == "rfm" || p.GroupBy == "lifecycle" || p.GroupBy == "tag" {
		s.w("CASE g")
		for i, name := range c.segmentOrder(p.GroupBy) {
			s.w(fmt.Sprintf(" WHEN ? THEN %d", i), name)
		}
		s.w(" ELSE 99 END")
	} else {
		s.w("2 DESC, g")
	}
	return &Query{SQL: s.sb.String(), Args: s.args, Answer: p.Answer, Columns: cols, PII: make([]bool, len(cols))}, true
}

// setCount is the count answer of the set path.
func (c *compiler) setCount(sp setSplit) *Query {
	s := &sqlText{}
	if len(sp.residual) == 0 {
		s.w(`SELECT set_count(`)
		c.setAnd(s, sp.sets)
		s.w(`) AS "客户数"`)
	} else {
		s.w(`SELECT count(*) AS "客户数"` + "\n")
		c.setFrom(s, sp, true)
	}
	return countQuery(s)
}
