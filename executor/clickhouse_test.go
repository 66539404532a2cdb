package executor

import (
	"errors"
	"testing"
)

func TestCheckClickHouse(t *testing.T) {
	for _, c := range []struct {
		sql string
		ok  bool
	}{
		{`SELECT count(*) FROM customer_measures m WHERE m.as_of = ? AND m.customer_key IN (SELECT pl.customer_key FROM purchase_lines pl)`, true},
		{"SELECT ck FROM (SELECT m.customer_key AS ck FROM customer_measures m) sel JOIN customers c ON c.id = sel.ck", true},
		{`SELECT coalesce(m.rfm_class, '无 FROM file(x)') AS "FROM" FROM customer_measures m`, true},
		{"SELECT * FROM file('/etc/passwd', 'LineAsString')", false},
		{"SELECT * FROM url('http://127.0.0.1:1/x', 'CSV')", false},
		{"SELECT * FROM customers JOIN remote('h', db.t) r ON 1", false},
		{"SELECT * FROM system.tables", false},
		{"SELECT 1 FROM customers INTO OUTFILE '/tmp/x.csv'", false},
		{"SELECT * FROM customers FORMAT CSV", false},
		{"SELECT * FROM `customers`", true},
		{"SELECT * FROM", false},
		{"SELECT * FROM customers c, file('/etc/passwd') f", false},
		{"SELECT * FROM customers c, system.users u", false},
		{"SELECT (SELECT count(*) FROM numbers(10)) FROM customers", false},
		{"SELECT if(count() >= 2, toRelativeDayNum(toDate(arraySort(groupArray(po2.date))[2])), NULL) FROM purchase_orders po2", true},
	} {
		err := checkClickHouse(c.sql)
		if c.ok != (err == nil) || (err != nil && !errors.Is(err, ErrDenied)) {
			t.Errorf("%s: %v", c.sql, err)
		}
	}
}

func FuzzCheckClickHouse(f *testing.F) {
	f.Add("SELECT * FROM customers WHERE name = 'a''b'")
	f.Add("SELECT `x` FROM (SELECT 1) JOIN file('a') ON 1")
	f.Fuzz(func(t *testing.T, s string) {
		_ = checkClickHouse(s) // never panics
	})
}
