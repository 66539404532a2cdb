package clickhouse

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

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
		return insertRows(ctx, src, [][]*sql.DB{{dst}}, t, tmp, cols)
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
// one server of each shard, in that order, and Replicas, if any, each
// shard's other servers (Replicas[i] beside Shards[i]). chatbi loads every
// replica itself, the same rows in the same statements, so the tables are
// plain MergeTree and need no ZooKeeper; a question reads one replica of
// each shard (a Distributed table fails over to the next when one is
// down). A copy, a refresh, needs every server up.
type Cluster struct {
	Name     string
	Shards   []*sql.DB
	Replicas [][]*sql.DB
}

// replicas are shard i's servers.
func (c Cluster) replicas(i int) []*sql.DB {
	out := []*sql.DB{c.Shards[i]}
	if i < len(c.Replicas) {
		out = append(out, c.Replicas[i]...)
	}
	return out
}

// nodes are all the servers, shard by shard.
func (c Cluster) nodes() []*sql.DB {
	var out []*sql.DB
	for i := range c.Shards {
		out = append(out, c.replicas(i)...)
	}
	return out
}

// CopyCluster copies the warehouse from src onto a cluster: each sharded
// table as <name>_local on every server of the shard holding its
// customers' rows, and a Distributed table <name> over them on every
// server (sharding key the customer, so inserts through it land where
// CopyCluster put them); the small tables whole on every server. As in
// Copy, everything loads aside and is renamed into place only when every
// table on every server loaded.
func CopyCluster(ctx context.Context, src *sql.DB, c Cluster) error {
	if len(c.Shards) == 0 {
		return fmt.Errorf("copy to ClickHouse cluster %q: no shards", c.Name)
	}
	if len(c.Replicas) > len(c.Shards) {
		return fmt.Errorf("copy to ClickHouse cluster %q: replicas for %d shards, but %d shards", c.Name, len(c.Replicas), len(c.Shards))
	}
	shards := make([][]*sql.DB, len(c.Shards))
	for i := range shards {
		shards[i] = c.replicas(i)
	}
	nodes := c.nodes()
	err := copyTables(ctx, src, nodes, "_local", func(t Table, tmp string, cols []column) error {
		if t.Shard == "" { // whole on every server: one "shard" of them all
			return insertRows(ctx, src, [][]*sql.DB{nodes}, t, tmp, cols)
		}
		return insertRows(ctx, src, shards, t, tmp, cols)
	})
	if err != nil {
		return err
	}
	for _, dst := range nodes {
		var db string
		if err := dst.QueryRowContext(ctx, "SELECT currentDatabase()").Scan(&db); err != nil {
			return fmt.Errorf("copy to ClickHouse cluster %q: %w", c.Name, err)
		}
		sharded := Tables
		if has, err := existing(ctx, dst, []string{bitmapsTable + "_local"}); err != nil {
			return fmt.Errorf("copy to ClickHouse cluster %q: %w", c.Name, err)
		} else if has[bitmapsTable+"_local"] {
			sharded = append(slices.Clone(Tables), Table{Name: bitmapsTable, Shard: "customer_key"})
		}
		for _, t := range sharded {
			if t.Shard == "" {
				continue
			}
			key := "customer_key"
			if t.Name == "customers" {
				key = "id"
			} else if t.Name == "order_items" || t.Name == bitmapsTable {
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
				dst.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+bitmapsTable+suffix+"_loading")
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
	var data []string
	for _, t := range Tables {
		if t.Name != "meta" {
			data = append(data, name(t))
		}
	}
	built, err := buildBitmaps(ctx, dsts, suffix)
	if err != nil {
		return fmt.Errorf("copy %s to ClickHouse: %w", bitmapsTable, err)
	}
	if built {
		data = append(data, bitmapsTable+suffix)
	}
	if err := publish(ctx, dsts, data); err != nil {
		return err
	}
	if !built { // an earlier copy's bitmaps: the new copy's meta does not name them
		for _, dst := range dsts {
			for _, t := range []string{bitmapsTable, bitmapsTable + suffix} {
				if _, err := dst.ExecContext(ctx, "DROP TABLE IF EXISTS "+t); err != nil {
					return fmt.Errorf("drop the earlier copy's %s: %w", t, err)
				}
			}
		}
	}
	return nil
}

// bitmapsTable holds each product's buyers per day as a groupBitmap
// state, built from the purchase lines just loaded, where every node has
// the bitmap functions (20.x and later; 18.16 has none) and the lines are
// dense enough to pay (BitmapMinLines): "bought X in a window" then merges
// a few bitmaps a day instead of reading every order line (nlq: the
// ClickHouse dialect's lineBuyers). The catalog learns of it from meta
// (schema.MetaPurchaseBitmaps), so a service uses it exactly when the copy
// it serves has it.
const bitmapsTable = "purchase_bitmaps"

// BitmapMinLines is how many order lines a product's day must stand for,
// on average on every node, for the bitmaps to be built. Merging one
// bitmap cost ~3.5 µs on chDB 26.7 at 1M customers, reading one line of
// purchase_lines (sorted by product and date) ~0.17 µs: a bitmap of fewer
// than ~20 lines is slower than the lines, and merging the window's
// bitmaps into one set and the IN over it cost more besides
// (docs/scale-out.md, "Bitmaps"). The 1M bench warehouse has ~34 lines a
// product-day and gets none. Tests set it to 0 to build them on a small
// warehouse.
var BitmapMinLines = 64

// buildBitmaps builds bitmapsTable aside on every node, if every node can
// and its lines are dense enough.
func buildBitmaps(ctx context.Context, dsts []*sql.DB, suffix string) (bool, error) {
	for _, dst := range dsts {
		var n uint64
		// groupBitmap's -State and -MergeState are combinators, not listed.
		err := dst.QueryRowContext(ctx, "SELECT count() FROM system.functions WHERE name IN ('groupBitmap', 'bitmapToArray')").Scan(&n)
		if err != nil {
			return false, err
		}
		if n < 2 {
			return false, nil
		}
		var lines, days uint64
		err = dst.QueryRowContext(ctx, "SELECT count(), uniqExact(product_key, date) FROM purchase_lines"+suffix+"_loading").Scan(&lines, &days)
		if err != nil {
			return false, err
		}
		if days == 0 || lines < uint64(BitmapMinLines)*days {
			return false, nil
		}
	}
	tmp := bitmapsTable + suffix + "_loading"
	for _, dst := range dsts {
		for _, q := range []string{
			"DROP TABLE IF EXISTS " + tmp,
			"CREATE TABLE " + tmp + " (product_key Int64, date Date, customers AggregateFunction(groupBitmap, UInt64)) " +
				"ENGINE = AggregatingMergeTree ORDER BY (product_key, date)",
			"INSERT INTO " + tmp + " SELECT product_key, date, groupBitmapState(toUInt64(customer_key)) " +
				"FROM purchase_lines" + suffix + "_loading GROUP BY product_key, date",
		} {
			if _, err := dst.ExecContext(ctx, q); err != nil {
				dst.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+tmp)
				return false, err
			}
		}
		if _, err := dst.ExecContext(ctx, "INSERT INTO meta_loading (`key`, `value`) SELECT ?, '1'", schema.MetaPurchaseBitmaps); err != nil {
			return false, err
		}
	}
	return true, nil
}

// publish puts the loaded data tables and meta in place on every
// destination. A RENAME puts each <table>_loading in place (the live one
// becomes <table>_old in the same statement, dropped at the end), so a
// question never finds a table missing. The tables are renamed one after
// the other, node after node, so the live meta gets publishing rows first
// (a lease, then renaming), the new meta carries this copy's mark, and
// meta is renamed last: a service that checks State before and after a
// statement knows whether it read one copy throughout.
func publish(ctx context.Context, dsts []*sql.DB, data []string) (err error) {
	const meta = "meta"
	mark := fmt.Sprintf("%d-%016x", time.Now().UnixNano(), rand.Uint64())
	live := make([]map[string]bool, len(dsts))
	for i, dst := range dsts {
		if _, err := dst.ExecContext(ctx, "INSERT INTO meta_loading (`key`, `value`) SELECT ?, ?", PublishedKey, mark); err != nil {
			return fmt.Errorf("mark the copy: %w", err)
		}
		if live[i], err = existing(ctx, dst, append(data, meta)); err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		for t := range live[i] {
			if _, err := dst.ExecContext(ctx, "DROP TABLE IF EXISTS "+t+"_old"); err != nil {
				return fmt.Errorf("publish %s: %w", t, err)
			}
		}
	}
	replacing := false
	for i := range dsts {
		replacing = replacing || live[i][meta]
	}
	if replacing {
		// Services start no statement while the lease holds; it is renewed
		// while the copy drains, so a copy killed here stops holding them
		// off within publishLease. Then the renaming row: from the first
		// RENAME until meta's, the tables may be mixed, and a copy killed
		// in that span leaves services refusing until a copy completes.
		lease := func() error {
			for i, dst := range dsts {
				if live[i][meta] {
					if _, err := dst.ExecContext(ctx, "INSERT INTO meta (`key`, `value`) SELECT ?, toString(toUnixTimestamp(now()) + ?)", PublishingKey, publishLease); err != nil {
						return fmt.Errorf("mark the copy: %w", err)
					}
				}
			}
			return nil
		}
		if err := lease(); err != nil {
			return err
		}
		if err := drain(ctx, dsts, time.Now(), lease); err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		for i, dst := range dsts {
			if live[i][meta] {
				if _, err := dst.ExecContext(ctx, "INSERT INTO meta (`key`, `value`) SELECT ?, ?", RenamingKey, mark); err != nil {
					return fmt.Errorf("mark the copy: %w", err)
				}
			}
		}
	}
	// Every node's data tables, then every node's meta: on a cluster a
	// node's new mark appears only once all shards serve the new rows.
	// One RENAME per table: a RENAME of several tables locks them one by
	// one, and a question holding one while waiting for another deadlocks
	// with it (seen on 18.16).
	for _, tables := range [][]string{data, {meta}} {
		for i, dst := range dsts {
			for _, t := range tables {
				rename := t + "_loading TO " + t
				if live[i][t] {
					rename = t + " TO " + t + "_old, " + rename
				}
				if _, err := dst.ExecContext(ctx, "RENAME TABLE "+rename); err != nil {
					return fmt.Errorf("publish %s: %w", t, err)
				}
			}
		}
	}
	for i, dst := range dsts {
		for t := range live[i] {
			if _, err := dst.ExecContext(ctx, "DROP TABLE "+t+"_old"); err != nil {
				return fmt.Errorf("publish: drop the old %s: %w", t, err)
			}
		}
	}
	return nil
}

// Draining before the renames: a RENAME waits for the queries reading its
// table, and on servers before 20.x (Ordinary databases) a query that
// reads the table a second time — an IN subquery, a join — then waits for
// the RENAME: both hang (seen on 18.16). So once the publishing row is in,
// services start no statement (they check State first), and the copy
// waits for the statements already under way to end: drainGrace covers a
// statement checked just before the row went in and started just after;
// drainMax bounds the wait for somebody else's long query.
const (
	drainGrace   = time.Second
	drainMax     = 2 * time.Minute
	publishLease = 3 // seconds a publishing row holds services off
)

// drain waits until no query that started before marked+drainGrace is
// running on any of dsts (or drainMax has passed: the renames then go
// ahead and may wait for that query), renewing the lease every second.
func drain(ctx context.Context, dsts []*sql.DB, marked time.Time, lease func() error) error {
	since := marked.Add(drainGrace)
	if err := sleep(ctx, time.Until(since)); err != nil {
		return err
	}
	renewed := time.Now()
	for deadline := since.Add(drainMax); time.Now().Before(deadline); {
		if time.Since(renewed) >= time.Second {
			if err := lease(); err != nil {
				return err
			}
			renewed = time.Now()
		}
		running := 0
		for _, dst := range dsts {
			var n uint64
			if err := dst.QueryRowContext(ctx, "SELECT count() FROM system.processes WHERE elapsed >= ?", time.Since(since).Seconds()).Scan(&n); err != nil {
				return fmt.Errorf("wait for running queries: %w", err)
			}
			running += int(n)
		}
		if running == 0 {
			return nil
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// existing returns which of tables exist on dst.
func existing(ctx context.Context, dst *sql.DB, tables []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, t := range tables {
		var n uint8
		if err := dst.QueryRowContext(ctx, "EXISTS TABLE "+t).Scan(&n); err != nil {
			return nil, err
		}
		if n == 1 {
			out[t] = true
		}
	}
	return out, nil
}

// The meta rows of publication. PublishedKey names a copy, a new value
// each time one is published. While a copy replaces the live one, the
// live meta gets PublishingKey rows — leases, each the server time (unix
// seconds) until which services start no statement — and then, from the
// first RENAME on, a RenamingKey row: the tables may be mixed until the
// new meta (which has neither) is in place.
const (
	PublishedKey  = "published"
	PublishingKey = "publishing"
	RenamingKey   = "renaming"
)

// State returns the mark of the copy db serves ("" before the first copy
// with marks) and whether a new copy is being published over it: a lease
// that still holds by the server's clock, or renaming.
func State(ctx context.Context, db *sql.DB) (mark string, publishing bool, err error) {
	rows, err := db.QueryContext(ctx, "SELECT `key`, value, toString(toUnixTimestamp(now())) FROM meta WHERE `key` IN (?, ?, ?)",
		PublishedKey, PublishingKey, RenamingKey)
	if err != nil {
		return "", false, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, v, now string
		if err := rows.Scan(&k, &v, &now); err != nil {
			return "", false, err
		}
		switch k {
		case PublishedKey:
			mark = v
		case RenamingKey:
			publishing = true
		case PublishingKey:
			until, err1 := strconv.ParseInt(v, 10, 64)
			at, err2 := strconv.ParseInt(now, 10, 64)
			publishing = publishing || err1 != nil || err2 != nil || at < until
		}
	}
	return mark, publishing, rows.Err()
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

// insertRows fills tmp from src's rows in batches of INSERT … VALUES: on
// every server of the one shard given, or, given several shards, each row
// on every server of the shard of its customer (t.Shard % len(shards)).
func insertRows(ctx context.Context, src *sql.DB, shards [][]*sql.DB, t Table, tmp string, cols []column) error {
	var names []string
	for _, c := range cols {
		names = append(names, quote(c.name))
	}
	read := "SELECT " + strings.Join(names, ", ")
	sharded := len(shards) > 1
	if sharded {
		read += ", " + t.Shard
	}
	rows, err := src.QueryContext(ctx, read+" FROM "+t.Name+metaFilter(t))
	if err != nil {
		return err
	}
	defer rows.Close()
	sinks := make([][]sink, len(shards))
	for i, dsts := range shards {
		for _, dst := range dsts {
			if nativeBlocks(dst) {
				sinks[i] = append(sinks[i], &blockSink{ctx: ctx, db: dst, insert: "INSERT INTO " + tmp + " (" + strings.Join(names, ", ") + ")"})
			} else {
				sinks[i] = append(sinks[i], &valuesSink{ctx: ctx, db: dst, tmp: tmp, names: names})
			}
		}
	}
	defer func() {
		for _, ks := range sinks {
			for _, k := range ks {
				k.abort()
			}
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
			i = int(key % int64(len(shards)))
			vals = vals[:len(cols)]
		}
		for _, k := range sinks[i] {
			if err := k.add(vals); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, ks := range sinks {
		for _, k := range ks {
			if err := k.flush(); err != nil {
				return err
			}
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
