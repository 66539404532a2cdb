package clickhouse

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
)

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
	bitmaps, err := copyTables(ctx, src, nodes, "_local", func(t Table, tmp string, cols []column) error {
		if t.Shard == "" { // whole on every server: one "shard" of them all
			return insertRows(ctx, src, [][]*sql.DB{nodes}, t, tmp, cols)
		}
		return insertRows(ctx, src, shards, t, tmp, cols)
	})
	if err != nil {
		return err
	}
	sharded := Tables
	if bitmaps {
		sharded = append(slices.Clone(Tables), Table{Name: bitmapsTable, Shard: "customer_key"})
	}
	for _, dst := range nodes {
		var db string
		if err := dst.QueryRowContext(ctx, "SELECT currentDatabase()").Scan(&db); err != nil {
			return fmt.Errorf("copy to ClickHouse cluster %q: %w", c.Name, err)
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
