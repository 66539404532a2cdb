package nlq

// Customer lists on ClickHouse servers before 21.x (Engine.OldClickHouse).
//
// This shape runs on every ClickHouse from 18.16 to today, sharded or not:
// no window functions, no correlated subqueries, one join per SELECT. So
// the list is the page (the selection sorted, one page kept), joined one
// table at a time — customers, the snapshot row, the window's measures —
// each read only for the page's customers, and the total is a scalar
// subquery over the selection. On a cluster the page's customers are
// sent to the shards with GLOBAL IN: a page is a global top, not a
// shard's.

// customersClickHouse is customers() on an old ClickHouse. It evaluates
// the selection once for the total and once per joined table (the page's
// customers), so on a new server the window-function shape is used: on
// chDB 26.7 at 1M customers a list took ~430 ms this way against ~125 ms.
func (c *compiler) customersClickHouse(srt *Sort, dir string, joined bool, page Page) *Query {
	p := c.p
	sel := &sqlText{}
	c.selection(sel, setSplit{}, false, joined, srt, dir)
	pg := &sqlText{}
	pg.w("SELECT ck, k FROM (")
	pg.w(sel.sb.String(), sel.args...)
	pg.w(")\nORDER BY k"+dir+", ck\nLIMIT ? OFFSET ?", page.Limit, page.Offset)
	// The page's customers, for each joined table to read only theirs.
	in := &sqlText{}
	in.w(" GLOBAL IN (SELECT ck FROM (")
	in.w(pg.sb.String(), pg.args...)
	in.w("))")
	windowed := p.Window != nil || !c.snap

	s := &sqlText{}
	s.w(`SELECT customer_id AS "customer_id", name AS "姓名", gender AS "性别", `)
	// NULL without a birth date: ClickHouse evaluates every branch of a
	// CASE, and before 19.x a CAST of NULL to a plain integer fails.
	s.w(`CAST(substr(?, 1, 4) AS Int64) - CAST(substr(birth_date, 1, 4) AS Nullable(Int64)) - (substr(?, 6, 5) < substr(birth_date, 6, 5)) AS "年龄", `, c.asOf, c.asOf)
	s.w(`city AS "城市", member_level AS "会员等级", `)
	if c.snap {
		s.w(`rfm_class AS "RFM分群", lifecycle AS "生命周期", `)
	} else {
		s.w(`NULL AS "RFM分群", NULL AS "生命周期", `)
	}
	if windowed {
		s.w(`coalesce(w_spend, 0) / 100.0 AS "消费金额", coalesce(w_orders, 0) AS "订单数", w_last AS "最近购买日", `)
	} else {
		s.w(`monetary_cents / 100.0 AS "消费金额", frequency AS "订单数", last_date AS "最近购买日", `)
	}
	if c.snap {
		s.w(`round(clv, 2) AS "预测价值", `)
	} else {
		s.w(`NULL AS "预测价值", `)
	}
	s.w(`phone AS "手机号", (SELECT count() FROM (`)
	s.w(sel.sb.String(), sel.args...)
	s.w(`)) AS "_total"` + "\nFROM ")
	// Innermost first: the page, then one join per level. Each join wraps what came before: (SELECT * FROM <before> ANY LEFT
	// JOIN (<table's rows for the page>) USING ck). Every subquery has an
	// alias (newer servers require one in a join).
	from := &sqlText{}
	from.w("(")
	from.w(pg.sb.String(), pg.args...)
	from.w(") pg")
	join := func(alias, rows string, args ...any) {
		next := &sqlText{}
		next.w("(SELECT * FROM ")
		next.w(from.sb.String(), from.args...)
		next.w("\nANY LEFT JOIN ("+rows, args...)
		next.w(") " + alias + " USING ck) " + alias + "_j")
		from = next
	}
	join("cu", "SELECT id AS ck, customer_id, name, gender, birth_date, city, member_level, phone FROM customers WHERE id"+in.sb.String(), in.args...)
	if c.snap {
		join("me", "SELECT customer_key AS ck, rfm_class, lifecycle, monetary_cents, frequency, last_date, clv FROM customer_measures WHERE as_of = ? AND customer_key"+in.sb.String(),
			append([]any{c.asOf}, in.args...)...)
	}
	if windowed {
		wFrom, wTo := c.scope(p.Window)
		join("wi", "SELECT customer_key AS ck, sumIf(pay_cents, date BETWEEN ? AND ?) AS w_spend, countIf(date BETWEEN ? AND ?) AS w_orders, toString(max(date)) AS w_last"+
			" FROM purchase_orders WHERE date <= ? AND customer_key"+in.sb.String()+" GROUP BY customer_key",
			append([]any{wFrom, wTo, wFrom, wTo, c.asOf}, in.args...)...)
	}
	s.w(from.sb.String(), from.args...)
	s.w("\nORDER BY k" + dir + ", ck")
	pii := make([]bool, len(customerColumns))
	pii[len(pii)-1] = true
	return &Query{SQL: s.sb.String(), Args: s.args, Answer: AnswerCustomers, Columns: customerColumns, TotalColumn: true, PII: pii}
}
