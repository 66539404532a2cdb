package chclustertest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/schema/clickhouse"
	"github.com/chatbi/chatbi/schema/clickhouse/chtest"
	"github.com/chatbi/chatbi/schema/schematest"
	"github.com/chatbi/chatbi/server"
	"github.com/chatbi/chatbi/server/enginetest"
)

func TestMain(m *testing.M) { schematest.Main(m) }

var opt = executor.Options{Timeout: 30 * time.Second, MaxRows: 100000}

// cluster starts two shards, copies the public warehouse (with earlier
// snapshots) onto them, and returns a service on SQLite and one on the
// cluster, caches off.
func cluster(t *testing.T) (onSQLite, onCluster *server.Service, nodes []*chtest.Node) {
	t.Helper()
	nodes = chtest.StartCluster(t, 2)
	path := enginetest.Warehouse(t)
	lite, err := schema.OpenRO(path)
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	ctx := context.Background()
	c := clickhouse.Cluster{Name: "chatbi"}
	for _, nd := range nodes {
		c.Shards = append(c.Shards, nd.DB)
	}
	start := time.Now()
	if err := clickhouse.CopyCluster(ctx, lite, c); err != nil {
		t.Fatal(err)
	}
	t.Logf("copied onto %d shards in %v", len(nodes), time.Since(start).Round(time.Millisecond))
	pool, err := sql.Open("clickhouse", nodes[0].DSN("reader"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := enginetest.Services(t, path, pool, opt)
	if !b.Engine().OldClickHouse {
		t.Fatal("18.16 not taken for an old server: the cluster would get window functions")
	}
	return a, b, nodes
}

// TestClickHouseClusterSameAnswers: every question chdbtest asks — the
// public set, every paraphrase and held-out set, the golden questions,
// migrations (tags too), CLV rankings and shares — answers on a two-shard
// 18.16 cluster as on SQLite.
func TestClickHouseClusterSameAnswers(t *testing.T) {
	a, b, _ := cluster(t)
	if b.Engine().Catalog.PurchaseBitmaps {
		t.Error("18.16 has no bitmap functions, yet the copy says it built purchase_bitmaps")
	}
	seen := enginetest.Compare(t, a, b, enginetest.AllSets(t))
	for _, k := range []string{"customers", "count", "table", "migration", "clv ranking"} {
		if seen[k] == 0 {
			t.Errorf("no %s answer was compared", k)
		}
	}
}

// TestClickHouseClusterSharded: the copy spread the customers over both
// shards, each customer once, with every order on its customer's shard —
// what lets IN subqueries and joins stay on each shard.
func TestClickHouseClusterSharded(t *testing.T) {
	_, _, nodes := cluster(t)
	ctx := context.Background()
	var want int64
	lite, err := schema.OpenRO(enginetest.Warehouse(t))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	if err := lite.QueryRowContext(ctx, "SELECT count(*) FROM customers").Scan(&want); err != nil {
		t.Fatal(err)
	}
	var sum int64
	for i, nd := range nodes {
		var n, stray int64
		if err := nd.DB.QueryRowContext(ctx, "SELECT count() FROM customers_local").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 || n == want {
			t.Errorf("shard %d holds %d of %d customers: not sharded", i, n, want)
		}
		sum += n
		for _, tb := range []string{"orders", "purchase_orders", "purchase_lines", "customer_measures"} {
			if err := nd.DB.QueryRowContext(ctx, "SELECT count() FROM "+tb+"_local WHERE customer_key NOT IN (SELECT id FROM customers_local)").Scan(&stray); err != nil {
				t.Fatal(err)
			}
			if stray != 0 {
				t.Errorf("shard %d: %d rows of %s whose customer is on another shard", i, stray, tb)
			}
		}
	}
	var total, distinct int64
	if err := nodes[0].DB.QueryRowContext(ctx, "SELECT count(), uniqExact(id) FROM customers").Scan(&total, &distinct); err != nil {
		t.Fatal(err)
	}
	if sum != want || total != want || distinct != want {
		t.Errorf("customers: shards hold %d, the Distributed table %d (%d distinct), SQLite %d", sum, total, distinct, want)
	}
}

// TestClickHouseClusterRefusesLikeSQLite: bad and hostile questions get
// the same refusal or clarify on the cluster, and change nothing.
func TestClickHouseClusterRefusesLikeSQLite(t *testing.T) {
	a, b, nodes := cluster(t)
	enginetest.Refusals(t, a, b, nodes[0].DB)
}

// TestClickHouseClusterGuards: the service's user is read-only on the
// server itself; the executor's row cap and time budget hold through
// clickhouse-go; a failed statement leaves the pool answering.
func TestClickHouseClusterGuards(t *testing.T) {
	_, b, nodes := cluster(t)
	ctx := context.Background()
	reader, err := sql.Open("clickhouse", fmt.Sprintf("clickhouse://reader@127.0.0.1:%d/default", nodes[0].Port))
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	reader.SetMaxOpenConns(1) // every statement below on the one connection
	if _, err := reader.ExecContext(ctx, "INSERT INTO meta_loading (key, value) VALUES ('k', 'v')"); err == nil {
		t.Error("the reader user wrote a row")
	}
	if _, err := reader.ExecContext(ctx, "DROP TABLE customers"); err == nil {
		t.Error("the reader user dropped a table")
	}
	x := executor.OpenClickHouse(reader, executor.Options{Timeout: time.Second, MaxRows: 10})
	if _, err := x.Run(ctx, executor.Statement{SQL: "SELECT id FROM customers"}); !errors.Is(err, executor.ErrTooMany) {
		t.Errorf("2000 rows with a cap of 10: %v", err)
	}
	start := time.Now()
	_, err = x.Run(ctx, executor.Statement{SQL: "SELECT count(*) FROM customers a JOIN customers b ON a.city = b.city JOIN customers c ON b.city = c.city JOIN order_items d ON 1 = 1"})
	if err == nil || time.Since(start) > 10*time.Second {
		t.Errorf("a statement past its 1 s budget: %v after %s", err, time.Since(start))
	}
	// A statement the server refuses to parse (no window functions on
	// 18.16) must not leave the connection out of step for the next.
	if _, err := x.Run(ctx, executor.Statement{SQL: "SELECT count(*) OVER () FROM customers"}); err == nil {
		t.Error("a window function ran on 18.16")
	}
	for i := 0; i < 3; i++ {
		r, err := x.Run(ctx, executor.Statement{SQL: "SELECT count(*) FROM customers WHERE city = ?", Args: []any{"上海"}})
		if err != nil || len(r.Rows) != 1 {
			t.Fatalf("after failed statements, a count: %v %v", r, err)
		}
	}
	if _, err := b.Ask(ctx, server.AskRequest{Question: "近3个月买过口红的客户"}); err != nil {
		t.Errorf("the service after failed statements: %v", err)
	}
}

// TestClickHouseClusterShardDown: with one shard killed, a question is
// refused with an error — never answered from the shards that are left.
func TestClickHouseClusterShardDown(t *testing.T) {
	a, b, nodes := cluster(t)
	ctx := context.Background()
	q := server.AskRequest{Question: "近3个月买过口红的客户"}
	if _, err := b.Ask(ctx, q); err != nil {
		t.Fatal(err)
	}
	nodes[1].Cmd.Process.Kill()
	nodes[1].Cmd.Wait()
	for _, q := range []string{"近3个月买过口红的客户", "重要价值客户有多少", "各城市的客户数"} {
		want, err := a.Ask(ctx, server.AskRequest{Question: q})
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.Ask(ctx, server.AskRequest{Question: q})
		if err == nil {
			if d := enginetest.Diff(want, got); d != "" {
				t.Errorf("%s with a shard down: answered, and wrong: %s", q, d)
			} else {
				t.Errorf("%s with a shard down: answered (from where?)", q)
			}
			continue
		}
		if enginetest.Code(err) != server.CodeUnavailable {
			t.Errorf("%s with a shard down: %v, want %s", q, err, server.CodeUnavailable)
		}
	}
}

// TestClickHouseClusterRepublishUnderLoad: a new copy published over the
// cluster node after node while questions run: every answer is wholly the
// old warehouse's or the new one's, or a 503 (enginetest.RepublishUnderLoad).
func TestClickHouseClusterRepublishUnderLoad(t *testing.T) {
	_, onCluster, nodes := cluster(t)
	c := clickhouse.Cluster{Name: "chatbi"}
	for _, nd := range nodes {
		c.Shards = append(c.Shards, nd.DB)
	}
	t.Cleanup(func() { // on failure, what was still running (a hang shows here)
		if t.Failed() {
			for _, nd := range nodes {
				rows, err := nd.DB.Query("SELECT elapsed, query FROM system.processes")
				if err != nil {
					t.Log("system.processes:", err)
					continue
				}
				for rows.Next() {
					var e float64
					var q string
					rows.Scan(&e, &q)
					t.Logf("running on port %d for %.1fs: %.300s", nd.Port, e, q)
				}
				rows.Close()
			}
		}
	})
	enginetest.RepublishUnderLoad(t, onCluster, opt, func(path string) error {
		lite, err := schema.OpenRO(path)
		if err != nil {
			return err
		}
		defer lite.Close()
		return clickhouse.CopyCluster(context.Background(), lite, c)
	})
}

// TestClickHouseClusterRefresh: a refresh run inside the cluster — each
// shard writing its own customers' rows, on 18.16 — writes the rows a
// refresh in SQLite writes, seen from either node, and the refreshed
// cluster answers as SQLite does.
func TestClickHouseClusterRefresh(t *testing.T) {
	_, _, nodes := cluster(t)
	c := clickhouse.Cluster{Name: "chatbi"}
	for _, nd := range nodes {
		c.Shards = append(c.Shards, nd.DB)
	}
	start := time.Now()
	enginetest.RefreshOnClickHouse(t, c)
	t.Logf("%d refreshes on %d shards in %v", len(enginetest.RefreshDays), len(nodes), time.Since(start).Round(time.Millisecond))
	want := enginetest.RefreshedReference(t)
	for _, nd := range nodes {
		enginetest.SameRefreshedRows(t, nd.DB, want)
	}
	pool, err := sql.Open("clickhouse", nodes[0].DSN("reader"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := enginetest.Services(t, want, pool, opt)
	enginetest.Compare(t, a, b, enginetest.CoreSets(t))
}

// TestClickHouseClusterReplicas: two shards of two replicas each, chatbi
// loading every replica itself and refreshing on each: the replicas of a
// shard hold the same rows, the cluster answers as SQLite refreshed the
// same way, and with one replica of each shard stopped it still does —
// the Distributed tables read the other — rather than answering 503.
func TestClickHouseClusterReplicas(t *testing.T) {
	nodes := chtest.StartReplicated(t, 2, 2)
	c := clickhouse.Cluster{Name: "chatbi"}
	for _, shard := range nodes {
		c.Shards = append(c.Shards, shard[0].DB)
		c.Replicas = append(c.Replicas, []*sql.DB{shard[1].DB})
	}
	lite, err := schema.OpenRO(enginetest.Warehouse(t))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	if err := clickhouse.CopyCluster(context.Background(), lite, c); err != nil {
		t.Fatal(err)
	}
	enginetest.RefreshOnClickHouse(t, c)
	for i, shard := range nodes {
		for _, tb := range clickhouse.Tables {
			name := tb.Name
			if tb.Shard != "" {
				name += "_local"
			}
			var digests [2]string
			for j, nd := range shard {
				var n, h uint64
				where := ""
				if tb.Name == "meta" {
					where = " WHERE key NOT IN ('" + clickhouse.PublishingKey + "', '" + clickhouse.RenamingKey + "')"
				}
				if err := nd.DB.QueryRow("SELECT count(), sum(cityHash64(*)) FROM "+name+where).Scan(&n, &h); err != nil {
					t.Fatalf("shard %d replica %d, %s: %v", i, j, name, err)
				}
				digests[j] = fmt.Sprintf("%d rows/%x", n, h)
			}
			if digests[0] != digests[1] {
				t.Errorf("shard %d, %s: the replicas differ: %s vs %s", i, name, digests[0], digests[1])
			}
		}
	}
	want := enginetest.RefreshedReference(t)
	enginetest.SameRefreshedRows(t, nodes[0][0].DB, want)
	pool, err := sql.Open("clickhouse", nodes[0][0].DSN("reader"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := enginetest.Services(t, want, pool, opt)
	enginetest.Compare(t, a, b, enginetest.CoreSets(t))
	nodes[0][1].Stop()
	nodes[1][0].Stop()
	enginetest.Compare(t, a, b, enginetest.PublicSet(t))
}
