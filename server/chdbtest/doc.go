// Package chdbtest checks the ClickHouse dialect end to end on chDB, the
// ClickHouse engine in process: the public warehouse is copied into chDB
// (schema/clickhouse), served through executor.OpenClickHouse, and every
// question must answer exactly as it does on SQLite.
//
// It is a package of its own because chdb-go loads libchdb.so when the
// test binary starts (chdblib finds it first: CHDB_LIB_PATH, or the copy
// scripts/install-chdb.sh puts under .cache/chdb, which make test runs).
// Without the library the binary stops at start saying so — it never
// skips.
package chdbtest
