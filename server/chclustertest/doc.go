// Package chclustertest checks chatbi on a real ClickHouse cluster: two
// clickhouse-server processes (Debian's 18.16) started on loopback by the
// test, the public warehouse sharded across them by customer
// (schema/clickhouse.CopyCluster: <table>_local on each shard, Distributed
// tables over them), and a service connected through clickhouse-go to one
// node as a read-only user. Every question must answer as it does on
// SQLite.
//
// The servers come from scripts/test-deps.sh, which make test runs. A
// missing clickhouse-server fails the test saying so — it never skips.
package chclustertest
