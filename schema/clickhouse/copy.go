package clickhouse

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/chatbi/chatbi/schema"
)

// Table is a warehouse table copied to ClickHouse, its sort key and, on
// a cluster, how its rows are spread.
type Table struct {
	Name    string
	OrderBy []string // columns; empty: tuple() (no key)
	// Shard is the SQLite expression of the customer a row belongs to; on
	// a cluster the row goes to shard Shard % shards, so all of a
	// customer's rows are on one shard and every IN subquery the compiler
	// writes is answered shard-locally. Empty: a small table copied whole
	// to every shard.
	Shard string
}

// Tables are the tables questions read on ClickHouse, in copy order.
var Tables = []Table{
	{"meta", []string{"key"}, ""},
	{"customers", []string{"id"}, "id"},
	{"products", []string{"id"}, ""},
	{"orders", []string{"customer_key", "order_date"}, "customer_key"},
	{"order_items", nil, "(SELECT o.customer_key FROM orders o WHERE o.id = order_key)"},
	{"purchase_orders", []string{"customer_key", "date"}, "customer_key"},
	{"purchase_lines", []string{"product_key", "date", "customer_key"}, "customer_key"},
	{"snapshots", []string{"as_of"}, ""},
	{"customer_measures", []string{"as_of", "customer_key"}, "customer_key"},
	{"customer_tags", []string{"as_of", "customer_key"}, "customer_key"},
	{"customer_windows", []string{"customer_key"}, "customer_key"},
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
	return copyTables(ctx, src, []*sql.DB{dst}, "", func(t Table, tmp string, cols []column) error {
		return insertRows(ctx, src, []*sql.DB{dst}, t, tmp, cols)
	})
}

// CopyFile is Copy for a ClickHouse that can read the warehouse file
// itself (chDB in this process, or a server on the same machine): each
// table is one INSERT … SELECT from ClickHouse's sqlite() table function,
// with no row passing through chatbi. src is the same file, opened, for
// the columns.
func CopyFile(ctx context.Context, path string, src, dst *sql.DB) error {
	return copyTables(ctx, src, []*sql.DB{dst}, "", func(t Table, tmp string, cols []column) error {
		var names []string
		for _, c := range cols {
			names = append(names, quote(c.name))
		}
		list := strings.Join(names, ", ")
		_, err := dst.ExecContext(ctx, "INSERT INTO "+tmp+" ("+list+") SELECT "+list+" FROM sqlite(?, ?)"+metaFilter(t), path, t.Name)
		return err
	})
}

// Cluster is a ClickHouse cluster as chatbi lays a warehouse out on it:
// Name is the cluster in the servers' remote_servers, Shards a pool to
// one server of each shard, in that order.
type Cluster struct {
	Name   string
	Shards []*sql.DB
}

// CopyCluster copies the warehouse from src onto a cluster: each sharded
// table as <name>_local on every shard holding its customers' rows, and a
// Distributed table <name> over them on every shard (sharding key the
// customer, so inserts through it land where CopyCluster put them); the
// small tables whole on every shard. As in Copy, everything loads aside
// and is renamed into place only when every table on every shard loaded.
func CopyCluster(ctx context.Context, src *sql.DB, c Cluster) error {
	if len(c.Shards) == 0 {
		return fmt.Errorf("copy to ClickHouse cluster %q: no shards", c.Name)
	}
	err := copyTables(ctx, src, c.Shards, "_local", func(t Table, tmp string, cols []column) error {
		if t.Shard == "" {
			for _, dst := range c.Shards {
				if err := insertRows(ctx, src, []*sql.DB{dst}, t, tmp, cols); err != nil {
					return err
				}
			}
			return nil
		}
		return insertRows(ctx, src, c.Shards, t, tmp, cols)
	})
	if err != nil {
		return err
	}
	for _, dst := range c.Shards {
		var db string
		if err := dst.QueryRowContext(ctx, "SELECT currentDatabase()").Scan(&db); err != nil {
			return fmt.Errorf("copy to ClickHouse cluster %q: %w", c.Name, err)
		}
		for _, t := range Tables {
			if t.Shard == "" {
				continue
			}
			key := "customer_key"
			if t.Name == "customers" {
				key = "id"
			} else if t.Name == "order_items" {
				key = "rand()" // not read by key; inserts go anywhere
			}
			ddl := "CREATE TABLE IF NOT EXISTS " + t.Name + " AS " + t.Name + "_local ENGINE = Distributed(" +
				c.Name + ", " + db + ", " + t.Name + "_local, " + key + ")"
			if _, err := dst.ExecContext(ctx, ddl); err != nil {
				return fmt.Errorf("publish %s on cluster %q: %w", t.Name, c.Name, err)
			}
		}
	}
	return nil
}

// copyTables loads every table aside with fill on every destination, then
// publishes them. A sharded table is named with suffix (a cluster's
// <name>_local); a whole one keeps its name.
func copyTables(ctx context.Context, src *sql.DB, dsts []*sql.DB, suffix string, fill func(t Table, tmp string, cols []column) error) (err error) {
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
			}
		}
	}()
	for _, t := range Tables {
		cols, err := columns(ctx, src, t)
		if err != nil {
			return err
		}
		for _, dst := range dsts {
			if err := create(ctx, dst, name(t)+"_loading", t, cols); err != nil {
				return fmt.Errorf("copy %s to ClickHouse: %w", t.Name, err)
			}
		}
		if err := fill(t, name(t)+"_loading", cols); err != nil {
			return fmt.Errorf("copy %s to ClickHouse: %w", t.Name, err)
		}
	}
	for _, dst := range dsts {
		for _, t := range Tables {
			if _, err := dst.ExecContext(ctx, "DROP TABLE IF EXISTS "+name(t)); err != nil {
				return fmt.Errorf("publish %s: %w", t.Name, err)
			}
			if _, err := dst.ExecContext(ctx, "RENAME TABLE "+name(t)+"_loading TO "+name(t)); err != nil {
				return fmt.Errorf("publish %s: %w", t.Name, err)
			}
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

// insertRows fills tmp from src's rows in batches of INSERT … VALUES: on
// the one destination, or, given several, each row on the shard of its
// customer (t.Shard % len(dsts)).
func insertRows(ctx context.Context, src *sql.DB, dsts []*sql.DB, t Table, tmp string, cols []column) error {
	var names []string
	for _, c := range cols {
		names = append(names, quote(c.name))
	}
	read := "SELECT " + strings.Join(names, ", ")
	sharded := len(dsts) > 1
	if sharded {
		read += ", " + t.Shard
	}
	rows, err := src.QueryContext(ctx, read+" FROM "+t.Name+metaFilter(t))
	if err != nil {
		return err
	}
	defer rows.Close()
	sinks := make([]sink, len(dsts))
	for i, dst := range dsts {
		if nativeBlocks(dst) {
			sinks[i] = &blockSink{ctx: ctx, db: dst, insert: "INSERT INTO " + tmp + " (" + strings.Join(names, ", ") + ")"}
		} else {
			sinks[i] = &valuesSink{ctx: ctx, db: dst, tmp: tmp, names: names}
		}
	}
	defer func() {
		for _, k := range sinks {
			k.abort()
		}
	}()
	width := len(cols)
	if sharded {
		width++
	}
	for rows.Next() {
		vals := make([]any, width)
		ptrs := make([]any, width)
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
		i := 0
		if sharded {
			key, ok := vals[len(cols)].(int64)
			if !ok {
				return fmt.Errorf("%s: a row without its customer (%v)", t.Name, vals[len(cols)])
			}
			i = int(key % int64(len(dsts)))
			vals = vals[:len(cols)]
		}
		if err := sinks[i].add(vals); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, k := range sinks {
		if err := k.flush(); err != nil {
			return err
		}
	}
	return nil
}

// sink takes a table's rows for one destination, batchRows at a time.
type sink interface {
	add(row []any) error
	flush() error
	abort() // drop a batch not flushed (after an error)
}

// nativeBlocks reports whether dst is clickhouse-go's database/sql driver.
// It sends rows as native blocks through a prepared INSERT in a
// transaction; an INSERT … VALUES with bound rows it sends as text, and a
// server before 19.x then waits for blocks that never come.
func nativeBlocks(dst *sql.DB) bool {
	return fmt.Sprintf("%T", dst.Driver()) == "*clickhouse.stdDriver"
}

// valuesSink sends each batch as one INSERT … VALUES (?, …), (?, …).
type valuesSink struct {
	ctx   context.Context
	db    *sql.DB
	tmp   string
	names []string
	args  []any
	n     int
}

func (k *valuesSink) add(row []any) error {
	k.args = append(k.args, row...)
	if k.n++; k.n == batchRows {
		return k.flush()
	}
	return nil
}

func (k *valuesSink) flush() error {
	if k.n == 0 {
		return nil
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(k.names)), ", ") + ")"
	text := "INSERT INTO " + k.tmp + " (" + strings.Join(k.names, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", k.n), ", ")
	_, err := k.db.ExecContext(k.ctx, text, k.args...)
	k.args, k.n = k.args[:0], 0
	return err
}

// blockSink sends each batch as one native block: a transaction, a
// prepared INSERT, one Exec per row, Commit.
type blockSink struct {
	ctx    context.Context
	db     *sql.DB
	insert string
	tx     *sql.Tx
	stmt   *sql.Stmt
	n      int
}

func (k *blockSink) add(row []any) error {
	if k.tx == nil {
		tx, err := k.db.BeginTx(k.ctx, nil)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(k.ctx, k.insert)
		if err != nil {
			tx.Rollback()
			return err
		}
		k.tx, k.stmt = tx, stmt
	}
	if _, err := k.stmt.ExecContext(k.ctx, row...); err != nil {
		k.tx.Rollback()
		k.tx = nil
		return err
	}
	if k.n++; k.n == batchRows {
		return k.flush()
	}
	return nil
}

func (k *valuesSink) abort() { k.args, k.n = nil, 0 }

func (k *blockSink) abort() {
	if k.tx != nil {
		k.tx.Rollback()
		k.tx = nil
	}
}

func (k *blockSink) flush() error {
	if k.tx == nil {
		return nil
	}
	tx := k.tx
	k.tx, k.stmt, k.n = nil, nil, 0
	return tx.Commit()
}

// quote makes a column name an identifier (key is a keyword in places).
func quote(name string) string { return "`" + name + "`" }
