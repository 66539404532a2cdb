// Package clickhouse puts a built warehouse into ClickHouse, for retailers
// whose warehouse outgrows one SQLite file (docs/scale-out.md).
//
// The import itself stays what it is: CSVs validated and loaded into a
// SQLite build, refreshed there (segments, CLV, tags, window measures).
// Publish then copies the tables questions read — facts, the dated
// snapshots, tags, window measures, meta — into MergeTree tables ordered
// for the questions (customer key first, so a customer's orders are one
// range), through any database/sql pool that speaks ClickHouse: chDB in
// process (tests, bench) or a server through clickhouse-go.
//
// The customer sets and the tables built from them are not copied: they
// are SQLite BLOBs read by chatbi's own SQL functions. On ClickHouse the
// compiler writes plain SQL (nlq.ClickHouse).
//
// Columns keep SQLite's declared types (INTEGER → Int64, REAL → Float64,
// TEXT → String) but the fact tables' order dates, typed Date (Table.Dates);
// the compiler binds dates as 'YYYY-MM-DD' text, which ClickHouse compares
// with a Date as the date it names, so every comparison it writes means
// the same on both engines.
//
// Refresh recomputes a snapshot inside ClickHouse (refresh.go), each shard
// its own customers; a copy onto servers with the bitmap functions and
// dense enough lines also builds per-day purchase bitmaps.
//
// The files, in the order a copy runs: copy.go (the tables, Copy,
// CopyFile, loading aside), cluster.go (Cluster, CopyCluster: shards,
// replicas, Distributed tables), rows.go (rows from SQLite to one or many
// servers in batches), bitmaps.go, publish.go (the RENAMEs into place and
// the meta rows services check: State), refresh.go.
package clickhouse
