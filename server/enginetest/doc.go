// Package enginetest is what the engine-equivalence tests share: the
// questions to ask (the public set, every paraphrase set, the golden
// questions, migrations, CLV rankings, lifecycle rates), a warehouse with
// earlier snapshots to compare against, and the comparison of two
// services' answers as a user sees them. server/chdbtest runs it against
// chDB, server/chclustertest against a ClickHouse cluster; both ask the
// same questions of a service on SQLite.
package enginetest
