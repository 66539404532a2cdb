package nlq

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
		s.w("g2.gap")
		return
	}
	s.w("(SELECT julianday(po2.date) FROM purchase_orders po2"+d.indexed("purchase_orders_customer")+" WHERE po2.customer_key = "+key+
		" AND po2.date <= ? ORDER BY po2.date LIMIT 1 OFFSET 1) - julianday(m.first_date)", asOf)
}

// gapJoin joins, on ClickHouse, each customer's first-to-second order gap
// (secondOrderGap); customers with fewer than two orders get NULL (the
// executor sets join_use_nulls). Nothing on SQLite.
func (d Dialect) gapJoin(s *sqlText, key, asOf string) {
	if d != ClickHouse {
		return
	}
	s.w("\nLEFT JOIN (SELECT po2.customer_key, toRelativeDayNum(toDate(arraySort(groupArray(po2.date))[2])) - toRelativeDayNum(toDate(min(po2.date))) AS gap"+
		" FROM purchase_orders po2 WHERE po2.date <= ? GROUP BY po2.customer_key HAVING count() >= 2) g2 ON g2.customer_key = "+key, asOf)
}
