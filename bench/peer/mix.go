package main

// The benchmark mix (cmd/chatbi bench's 20 questions) with the SQL an
// analyst writes for each over DuckDB's tables. {from} and {to} are the
// window chatbi read from the question (dates), {asof} the data's date.

type question struct {
	question string
	kind     string // list (total + first 50 ids), count, table
	sql      string
}

// bought is the customers with a completed order in the window holding a
// line that matches cond (on products p, orders o).
func bought(cond string) string {
	return `SELECT DISTINCT o.cno FROM orders o JOIN order_items i ON i.ono = o.ono JOIN products p ON p.pno = i.pno
  WHERE o.status = 'completed' AND o.order_date BETWEEN {from} AND {to} AND ` + cond
}

// list pages the selected customers (a cno column) by their spend
// in the window, best first, ties by customer key, with the total.
func list(sel string) string {
	return `SELECT s.customer_id, count(*) OVER () AS total
FROM (` + sel + `) x JOIN segments s ON s.cno = x.cno
LEFT JOIN (SELECT cno, sum(pay_cents) AS spend FROM orders WHERE status = 'completed' AND order_date BETWEEN {from} AND {to} GROUP BY cno) sp
  ON sp.cno = x.cno
ORDER BY coalesce(sp.spend, 0) DESC, s.customer_key LIMIT 50`
}

// listAll pages by spend over the whole history (the segment table's).
func listAll(sel string) string {
	return `SELECT s.customer_id, count(*) OVER () AS total
FROM (` + sel + `) x JOIN segments s ON s.cno = x.cno
ORDER BY s.monetary_cents DESC, s.customer_key LIMIT 50`
}

var mix = []question{
	{"过去3个月买过口红没买过粉底液的重要价值客户", "list", list(`SELECT cno FROM segments WHERE rfm_class = '重要价值客户'
  AND cno IN (` + bought(`p.category = '口红'`) + `)
  AND cno NOT IN (` + bought(`p.category = '粉底液'`) + `)`)},
	{"近30天买过香奈儿的客户", "list", list(bought(`p.brand = '香奈儿'`))},
	{"近一周买过资生堂的客户", "list", list(bought(`p.brand = '资生堂'`))},
	{"最近90天购买过眼影的会员有哪些", "list", list(bought(`p.category = '眼影'`))},
	{"近1个月买过睫毛膏的女性客户有多少", "count", `SELECT count(*) FROM (` + bought(`p.category = '睫毛膏'`) + `) b
  JOIN customers c ON c.cno = b.cno WHERE c.gender = '女'`},
	{"重要价值客户的数量是多少", "count", `SELECT count(*) FROM segments WHERE rfm_class = '重要价值客户'`},
	{"一般发展客户有哪些", "list", listAll(`SELECT cno FROM segments WHERE rfm_class = '一般发展客户'`)},
	{"从未买过面霜的重要保持客户", "list", listAll(`SELECT cno FROM segments WHERE rfm_class = '重要保持客户'
  AND cno NOT IN (` + bought(`p.category = '面霜'`) + `)`)},
	{"沉默客户中买过防晒霜的", "list", listAll(`SELECT cno FROM segments WHERE lifecycle = '沉默客户'
  AND cno IN (` + bought(`p.category = '防晒霜'`) + `)`)},
	{"杭州的女性客户中近3个月买过洗发水的", "list", list(`SELECT cno FROM customers WHERE city = '杭州' AND gender = '女'
  AND cno IN (` + bought(`p.category = '洗发水'`) + `)`)},
	{"30岁以上的重要价值客户有多少", "count", `SELECT count(*) FROM segments s JOIN customers c ON c.cno = s.cno
  WHERE s.rfm_class = '重要价值客户' AND c.birth_date <= {asof} - INTERVAL 30 YEAR`},
	{"近3个月在门店买过口红的客户", "list", list(bought(`p.category = '口红' AND o.channel = '门店'`))},
	{"近3个月线上买过香水的客户", "list", list(bought(`p.category = '香水' AND o.channel <> '门店'`))},
	{"近一年消费超过3000块的客户", "list", list(`SELECT cno FROM orders WHERE status = 'completed' AND order_date BETWEEN {from} AND {to}
  GROUP BY cno HAVING sum(pay_cents) > 300000`)},
	{"近一年买了3次以上的客户", "list", list(`SELECT cno FROM orders WHERE status = 'completed' AND order_date BETWEEN {from} AND {to}
  GROUP BY cno HAVING count(*) >= 3`)},
	{"近3个月消费金额前10的客户", "list", `SELECT customer_id, least(count(*) OVER (), 10) AS total FROM (
  SELECT any_value(s.customer_id) AS customer_id, sum(o.pay_cents) AS spend, any_value(s.customer_key) AS k FROM orders o JOIN segments s ON s.cno = o.cno
  WHERE o.status = 'completed' AND o.order_date BETWEEN {from} AND {to} GROUP BY o.cno)
ORDER BY spend DESC, k LIMIT 10`},
	{"上个月买过口红的客户", "list", list(bought(`p.category = '口红'`))},
	{"各RFM分群的客户数", "table", `SELECT rfm_class, count(*) FROM segments WHERE rfm_class IS NOT NULL GROUP BY rfm_class`},
	{"各城市的重要价值客户数量", "table", `SELECT c.city, count(*) FROM segments s JOIN customers c ON c.cno = s.cno
  WHERE s.rfm_class = '重要价值客户' AND c.city IS NOT NULL GROUP BY c.city`},
	{"各会员等级的复购率", "table", `SELECT c.member_level, count(*) FILTER (WHERE s.frequency >= 2) * 1.0 / nullif(count(*) FILTER (WHERE s.frequency >= 1), 0)
  FROM segments s JOIN customers c ON c.cno = s.cno WHERE c.member_level IS NOT NULL GROUP BY c.member_level`},
}
