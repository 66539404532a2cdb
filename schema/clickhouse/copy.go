package clickhouse

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/chatbi/chatbi/schema"
)

// Table is a warehouse table copied to ClickHouse and its sort key.
type Table struct {
	Name    string
	OrderBy []string // columns; empty: tuple() (no key)
}

// Tables are the tables questions read on ClickHouse, in copy order.
var Tables = []Table{
	{"meta", []string{"key"}},
	{"customers", []string{"id"}},
	{"products", []string{"id"}},
	{"orders", []string{"customer_key", "order_date"}},
	{"order_items", nil},
	{"purchase_orders", []string{"customer_key", "date"}},
	{"purchase_lines", []string{"product_key", "date", "customer_key"}},
	{"snapshots", []string{"as_of"}},
	{"customer_measures", []string{"as_of", "customer_key"}},
	{"customer_tags", []string{"as_of", "customer_key"}},
	{"customer_windows", []string{"customer_key"}},
}

// batchRows is how many rows one INSERT carries.
const batchRows = 5000

// column is one column of a SQLite table as ClickHouse declares it.
type column struct {
	name, typ string
}

// Copy copies the warehouse's tables from src (a SQLite warehouse) into
// dst (ClickHouse). Each table is loaded aside as <name>_loading and only
// when every table has loaded are they renamed into place, so a failed
// copy leaves the tables a server reads as they were.
func Copy(ctx context.Context, src, dst *sql.DB) error {
	return copyTables(ctx, src, dst, func(t Table, tmp string, cols []column) error {
		return insertRows(ctx, src, dst, t, tmp, cols)
	})
}

// CopyFile is Copy for a ClickHouse that can read the warehouse file
// itself (chDB in this process, or a server on the same machine): each
// table is one INSERT … SELECT from ClickHouse's sqlite() table function,
// with no row passing through chatbi. src is the same file, opened, for
// the columns.
func CopyFile(ctx context.Context, path string, src, dst *sql.DB) error {
	return copyTables(ctx, src, dst, func(t Table, tmp string, cols []column) error {
		var names []string
		for _, c := range cols {
			names = append(names, quote(c.name))
		}
		list := strings.Join(names, ", ")
		_, err := dst.ExecContext(ctx, "INSERT INTO "+tmp+" ("+list+") SELECT "+list+" FROM sqlite(?, ?)"+metaFilter(t), path, t.Name)
		return err
	})
}

// copyTables loads every table aside with fill, then publishes them.
func copyTables(ctx context.Context, src, dst *sql.DB, fill func(t Table, tmp string, cols []column) error) (err error) {
	defer func() {
		if err != nil { // leave no half-loaded tables behind
			for _, t := range Tables {
				dst.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+t.Name+"_loading")
			}
		}
	}()
	for _, t := range Tables {
		cols, err := columns(ctx, src, t)
		if err != nil {
			return err
		}
		if err := create(ctx, dst, t, cols); err != nil {
			return fmt.Errorf("copy %s to ClickHouse: %w", t.Name, err)
		}
		if err := fill(t, t.Name+"_loading", cols); err != nil {
			return fmt.Errorf("copy %s to ClickHouse: %w", t.Name, err)
		}
	}
	for _, t := range Tables {
		if _, err := dst.ExecContext(ctx, "DROP TABLE IF EXISTS "+t.Name); err != nil {
			return fmt.Errorf("publish %s: %w", t.Name, err)
		}
		if _, err := dst.ExecContext(ctx, "RENAME TABLE "+t.Name+"_loading TO "+t.Name); err != nil {
			return fmt.Errorf("publish %s: %w", t.Name, err)
		}
	}
	return nil
}

// columns reads a table's columns and maps their types. A column in the
// sort key, or declared NOT NULL, or the integer primary key, is not
// Nullable (ClickHouse keys cannot be).
func columns(ctx context.Context, src *sql.DB, t Table) ([]column, error) {
	rows, err := src.QueryContext(ctx, "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)", t.Name)
	if err != nil {
		return nil, fmt.Errorf("inspect %s: %w", t.Name, err)
	}
	defer rows.Close()
	key := map[string]bool{}
	for _, k := range t.OrderBy {
		key[k] = true
	}
	var cols []column
	for rows.Next() {
		var name, typ string
		var notNull, pk int
		if err := rows.Scan(&name, &typ, &notNull, &pk); err != nil {
			return nil, err
		}
		ct := "String"
		switch u := strings.ToUpper(typ); {
		case strings.Contains(u, "INT"):
			ct = "Int64"
		case strings.Contains(u, "REAL"), strings.Contains(u, "FLOA"), strings.Contains(u, "DOUB"), strings.Contains(u, "NUM"):
			ct = "Float64"
		}
		if notNull == 0 && pk == 0 && !key[name] {
			ct = "Nullable(" + ct + ")"
		}
		cols = append(cols, column{name, ct})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("inspect %s: no such table in the warehouse", t.Name)
	}
	return cols, nil
}

// create makes the empty <name>_loading table.
func create(ctx context.Context, dst *sql.DB, t Table, cols []column) error {
	tmp := t.Name + "_loading"
	if _, err := dst.ExecContext(ctx, "DROP TABLE IF EXISTS "+tmp); err != nil {
		return err
	}
	var defs []string
	for _, c := range cols {
		defs = append(defs, quote(c.name)+" "+c.typ)
	}
	order := "tuple()"
	if len(t.OrderBy) > 0 {
		order = "(" + strings.Join(t.OrderBy, ", ") + ")"
	}
	_, err := dst.ExecContext(ctx, "CREATE TABLE "+tmp+" ("+strings.Join(defs, ", ")+") ENGINE = MergeTree ORDER BY "+order)
	return err
}

// metaFilter leaves out the meta keys of SQLite-only structures.
func metaFilter(t Table) string {
	if t.Name != "meta" {
		return ""
	}
	return " WHERE key NOT IN ('" + strings.Join(schema.SQLiteOnlyMeta, "', '") + "')"
}

// insertRows fills tmp from src's rows in batches of INSERT … VALUES.
func insertRows(ctx context.Context, src, dst *sql.DB, t Table, tmp string, cols []column) error {
	var names []string
	for _, c := range cols {
		names = append(names, quote(c.name))
	}
	rows, err := src.QueryContext(ctx, "SELECT "+strings.Join(names, ", ")+" FROM "+t.Name+metaFilter(t))
	if err != nil {
		return err
	}
	defer rows.Close()
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	insert := "INSERT INTO " + tmp + " (" + strings.Join(names, ", ") + ") VALUES "
	var args []any
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		text := insert + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
		_, err := dst.ExecContext(ctx, text, args...)
		args, n = args[:0], 0
		return err
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
		args = append(args, vals...)
		if n++; n == batchRows {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush()
}

// quote makes a column name an identifier (key is a keyword in places).
func quote(name string) string { return "`" + name + "`" }
