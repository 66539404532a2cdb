package nlq

import (
	"strconv"
	"strings"
)

// Dialect is the SQL a Plan is compiled to. The Plan, the compiler and the
// shape of every statement are the same in both; a dialect only renders the
// few constructs the engines spell differently. ClickHouse runs the plain
// path: the customer-set functions (set_union, set_and, …) exist only on
// chatbi's SQLite connections.
type Dialect int

const (
	SQLite Dialect = iota
	ClickHouse
)

func (d Dialect) String() string {
	if d == ClickHouse {
		return "clickhouse"
	}
	return "sqlite"
}

// indexed is SQLite's index hint (the planner picks a worse index on some
// shapes); ClickHouse has no secondary-index hints and reads by sort key.
func (d Dialect) indexed(index string) string {
	if d == ClickHouse {
		return ""
	}
	return " INDEXED BY " + index
}

// dateText is a date column's value as 'YYYY-MM-DD' text: on ClickHouse
// the fact tables' order dates are typed Date (schema/clickhouse), and an
// answer shows, groups and compares text on both engines.
func (d Dialect) dateText(expr string) string {
	if d == ClickHouse {
		return "toString(" + expr + ")"
	}
	return expr
}

// crossJoin is an inner join that SQLite must not reorder (CROSS JOIN keeps
// the written order); ClickHouse has no such hint and no CROSS JOIN … ON.
func (d Dialect) crossJoin() string {
	if d == ClickHouse {
		return " JOIN "
	}
	return " CROSS JOIN "
}

// secondOrderGap writes the days from a customer's first completed order
// to their second, up to as_of (NULL with fewer than two). SQLite reads the
// second order by an index range per customer and subtracts the snapshot's
// first_date. ClickHouse cannot run that correlated subquery (no ORDER BY …
// LIMIT inside one, and none under an outer aggregate), so there it is a
// column of gapJoin's per-customer table.
func (d Dialect) secondOrderGap(s *sqlText, key, asOf string) {
	if d == ClickHouse {
		s.w("g2_gap")
		return
	}
	s.w("(SELECT julianday(po2.date) FROM purchase_orders po2"+d.indexed("purchase_orders_customer")+" WHERE po2.customer_key = "+key+
		" AND po2.date <= ? ORDER BY po2.date LIMIT 1 OFFSET 1) - julianday(m.first_date)", asOf)
}

// gapJoin joins, on ClickHouse, each customer's first-to-second order gap
// (secondOrderGap) USING the left key's column; customers with fewer than
// two orders get NULL (the executor sets join_use_nulls). Nothing on
// SQLite.
func (d Dialect) gapJoin(s *sqlText, key, asOf string) {
	if d != ClickHouse {
		return
	}
	_, name, _ := strings.Cut(key, ".")
	s.w("\nANY LEFT JOIN (SELECT po2.customer_key AS "+name+", toRelativeDayNum(toDate(arraySort(groupArray(po2.date))[2])) - toRelativeDayNum(toDate(min(po2.date))) AS g2_gap"+
		" FROM purchase_orders po2 WHERE po2.date <= ? GROUP BY po2.customer_key HAVING count() >= 2) g2 USING "+name, asOf)
}

// windowJoin left-joins each customer's spend (s) and order count (n) in
// a window, computed once for all customers: the subquery selects key,
// spend and orders from rest. SQLite joins on the key; ClickHouse before
// 19.x resolves no qualified names in a join's ON, so there the subquery's
// key takes the name of the left key's column and the join is USING it,
// with the measures as w_s and w_n (joined).
func (d Dialect) windowJoin(s *sqlText, leftKey, key, spend, orders, rest string, args ...any) {
	if d == ClickHouse {
		_, name, _ := strings.Cut(leftKey, ".")
		s.w("\nANY LEFT JOIN (SELECT "+key+" AS "+name+", "+spend+" AS w_s, "+orders+" AS w_n"+rest+") w USING "+name, args...)
		return
	}
	s.w("\nLEFT JOIN (SELECT "+key+", "+spend+" AS s, "+orders+" AS n"+rest+") w ON w.customer_key = "+leftKey, args...)
}

// joined names a windowJoin measure ("s" or "n").
func (d Dialect) joined(col string) string {
	if d == ClickHouse {
		return "w_" + col
	}
	return "w." + col
}

// column refers to result column n (from 1) in GROUP BY or ORDER BY: by
// position on SQLite, by its alias on ClickHouse (before 22.x a number
// there is a constant, and GROUP BY 1 makes one group).
func (d Dialect) column(n int, alias string) string {
	if d == ClickHouse {
		return `"` + alias + `"`
	}
	return strconv.Itoa(n)
}

// taggedSnapshot is the snapshot with each row joined to its behaviour
// tags (one row per customer and tag), as m. On ClickHouse the join is a
// subquery of its own, USING the shared columns: a server before 21.x
// runs one join per SELECT (a windowed measure joins to it next), and on a
// cluster names qualified in a join's ON are lost when a distributed query
// rewrites the joined table.
func (d Dialect) taggedSnapshot() string {
	if d == ClickHouse {
		return "(SELECT *, tag AS t_tag FROM customer_measures ALL INNER JOIN (SELECT as_of, customer_key, tag FROM customer_tags) t USING (as_of, customer_key)) m"
	}
	return "customer_measures m JOIN customer_tags t ON t.as_of = m.as_of AND t.customer_key = m.customer_key"
}

// tagColumn is a tag of taggedSnapshot's rows.
func (d Dialect) tagColumn() string {
	if d == ClickHouse {
		return "m.t_tag"
	}
	return "t.tag"
}

// productsJoin joins each order line (purchase_lines o) to its product
// (p). On ClickHouse it is USING the key: a name qualified in ON is lost
// when a cluster's distributed query rewrites purchase_lines.
func (d Dialect) productsJoin(s *sqlText) {
	if d == ClickHouse {
		s.w(" ALL INNER JOIN (SELECT id AS product_key, product_id, product_name, brand, category, category_l1 FROM products) p USING product_key")
		return
	}
	s.w(" JOIN products p ON p.id = o.product_key")
}
