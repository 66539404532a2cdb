package clickhouse

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/chatbi/chatbi/schema"
)

// Table is a warehouse table copied to ClickHouse, its sort key and, on
// a cluster, how its rows are spread.
type Table struct {
	Name    string
	OrderBy []string // columns; empty: tuple() (no key)
	// Dates are the columns typed Date on ClickHouse: the order dates of
	// the fact tables, which every window compares and a cluster at scale
	// scans most (2 bytes a row, not 10). Every other date stays the
	// 'YYYY-MM-DD' text SQLite has.
	Dates []string
	// Shard is the SQLite expression of the customer a row belongs to; on
	// a cluster the row goes to shard Shard % shards, so all of a
	// customer's rows are on one shard and every IN subquery the compiler
	// writes is answered shard-locally. Empty: a small table copied whole
	// to every shard.
	Shard string
}

// Tables are the tables questions read on ClickHouse, in copy order.
var Tables = []Table{
	{"meta", []string{"key"}, nil, ""},
	{"customers", []string{"id"}, nil, "id"},
	{"products", []string{"id"}, nil, ""},
	{"orders", []string{"customer_key", "order_date"}, []string{"order_date"}, "customer_key"},
	{"order_items", nil, nil, "(SELECT o.customer_key FROM orders o WHERE o.id = order_key)"},
	{"purchase_orders", []string{"customer_key", "date"}, []string{"date"}, "customer_key"},
	{"purchase_lines", []string{"product_key", "date", "customer_key"}, []string{"date"}, "customer_key"},
	{"snapshots", []string{"as_of"}, nil, ""},
	{"customer_measures", []string{"as_of", "customer_key"}, nil, "customer_key"},
	{"customer_tags", []string{"as_of", "customer_key"}, nil, "customer_key"},
	{"customer_windows", []string{"customer_key"}, nil, "customer_key"},
}

// column is one column of a SQLite table as ClickHouse declares it.
type column struct {
	name, typ string
}

// Copy copies the warehouse's tables from src (a SQLite warehouse) into
// dst (ClickHouse). Each table is loaded aside as <name>_loading and only
// when every table has loaded are they renamed into place, so a failed
// copy leaves the tables a server reads as they were.
func Copy(ctx context.Context, src, dst *sql.DB) error {
	_, err := copyTables(ctx, src, []*sql.DB{dst}, "", func(t Table, tmp string, cols []column) error {
		return insertRows(ctx, src, [][]*sql.DB{{dst}}, t, tmp, cols)
	})
	return err
}

// CopyFile is Copy for a ClickHouse that can read the warehouse file
// itself (chDB in this process, or a server on the same machine): each
// table is one INSERT … SELECT from ClickHouse's sqlite() table function,
// with no row passing through chatbi. src is the same file, opened, for
// the columns.
func CopyFile(ctx context.Context, path string, src, dst *sql.DB) error {
	_, err := copyTables(ctx, src, []*sql.DB{dst}, "", func(t Table, tmp string, cols []column) error {
		var names []string
		for _, c := range cols {
			names = append(names, quote(c.name))
		}
		list := strings.Join(names, ", ")
		_, err := dst.ExecContext(ctx, "INSERT INTO "+tmp+" ("+list+") SELECT "+list+" FROM sqlite(?, ?)"+metaFilter(t), path, t.Name)
		return err
	})
	return err
}

// copyTables loads every table aside with fill on every destination, then
// publishes them, and says whether the purchase bitmaps were built among
// them. A sharded table is named with suffix (a cluster's <name>_local); a
// whole one keeps its name.
func copyTables(ctx context.Context, src *sql.DB, dsts []*sql.DB, suffix string, fill func(t Table, tmp string, cols []column) error) (bitmaps bool, err error) {
	name := func(t Table) string {
		if t.Shard != "" {
			return t.Name + suffix
		}
		return t.Name
	}
	defer func() {
		if err != nil { // leave no half-loaded tables behind
			for _, dst := range dsts {
				for _, t := range Tables {
					dst.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+name(t)+"_loading")
				}
				dst.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+bitmapsTable+suffix+"_loading")
			}
		}
	}()
	for _, t := range Tables {
		cols, err := columns(ctx, src, t)
		if err != nil {
			return false, err
		}
		for _, dst := range dsts {
			if err := create(ctx, dst, name(t)+"_loading", t, cols); err != nil {
				return false, fmt.Errorf("copy %s to ClickHouse: %w", t.Name, err)
			}
		}
		if err := fill(t, name(t)+"_loading", cols); err != nil {
			return false, fmt.Errorf("copy %s to ClickHouse: %w", t.Name, err)
		}
	}
	var data []string
	for _, t := range Tables {
		if t.Name != "meta" {
			data = append(data, name(t))
		}
	}
	if bitmaps, err = buildBitmaps(ctx, dsts, suffix); err != nil {
		return false, fmt.Errorf("copy %s to ClickHouse: %w", bitmapsTable, err)
	}
	if bitmaps {
		data = append(data, bitmapsTable+suffix)
	}
	if err := publish(ctx, dsts, data); err != nil {
		return false, err
	}
	if !bitmaps { // an earlier copy's bitmaps: the new copy's meta does not name them
		for _, dst := range dsts {
			for _, t := range []string{bitmapsTable, bitmapsTable + suffix} {
				if _, err := dst.ExecContext(ctx, "DROP TABLE IF EXISTS "+t); err != nil {
					return false, fmt.Errorf("drop the earlier copy's %s: %w", t, err)
				}
			}
		}
	}
	return bitmaps, nil
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
		case slices.Contains(t.Dates, name):
			ct = "Date"
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

// create makes the empty table tmp for t's rows.
func create(ctx context.Context, dst *sql.DB, tmp string, t Table, cols []column) error {
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

// quote makes a column name an identifier (key is a keyword in places).
func quote(name string) string { return "`" + name + "`" }
