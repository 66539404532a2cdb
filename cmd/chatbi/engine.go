package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"strings"
	"time"

	_ "github.com/ClickHouse/clickhouse-go/v2" // database/sql driver "clickhouse"

	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/schema/clickhouse"
)

// The --engine flag: where questions run. Empty is the SQLite file (--db);
// clickhouse://user:password@host:9000/db is a ClickHouse server, reached
// with clickhouse-go over the native protocol (docs/scale-out.md). Import
// takes several, comma-separated, one per shard, with --cluster.

const engineUsage = "ClickHouse 地址 clickhouse://用户:密码@主机:9000/库（默认：SQLite 仓库文件）"

// openClickHouse opens and pings a ClickHouse pool.
func openClickHouse(ctx context.Context, dsn string) (*sql.DB, error) {
	if !strings.HasPrefix(dsn, "clickhouse://") {
		return nil, fmt.Errorf("--engine %q: 要以 clickhouse:// 开头", dsn)
	}
	db, err := sql.Open("clickhouse", dsn)
	if err != nil {
		return nil, fmt.Errorf("--engine: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("连不上 ClickHouse（--engine）: %w", err)
	}
	return db, nil
}

// copyTarget is the --engine and --cluster flags of the commands that
// build a warehouse (import, refresh, demo): where the built SQLite
// warehouse is copied once it is published.
type copyTarget struct{ engine, cluster *string }

func copyFlags(fs *flag.FlagSet) copyTarget {
	return copyTarget{
		engine:  fs.String("engine", "", "完成后复制到 ClickHouse：一个地址，或分片集群每个分片一个（逗号分隔；同一分片的副本用 | 连接）"),
		cluster: fs.String("cluster", "", "ClickHouse 集群名（remote_servers 里的），按客户分片"),
	}
}

// copy copies the warehouse at db if --engine was given. The SQLite build
// is validated, refreshed and published first; the copy loads aside and
// renames, so a failed copy leaves the tables ClickHouse serves as they
// were. Running services notice the new copy within a second.
func (c copyTarget) copy(e env, cmd, db string) int {
	if *c.engine == "" {
		if *c.cluster != "" {
			fmt.Fprintf(e.stderr, "chatbi %s: --cluster 要和 --engine 一起用\n", cmd)
			return 2
		}
		return 0
	}
	if err := copyToClickHouse(e.ctx, db, *c.engine, *c.cluster); err != nil {
		fmt.Fprintf(e.stderr, "chatbi %s: 复制到 ClickHouse: %v\n", cmd, err)
		fmt.Fprintln(e.stderr, "ClickHouse 里的表未改动。")
		return 1
	}
	fmt.Fprintln(e.stdout, "已复制到 ClickHouse")
	return 0
}

// copyToClickHouse copies the built warehouse at path to the engines: one
// server, or, with a cluster name, one server per shard in order.
func copyToClickHouse(ctx context.Context, path, engines, cluster string) error {
	c, err := openTarget(ctx, engines, cluster)
	if err != nil {
		return err
	}
	defer c.close()
	return c.copy(ctx, path)
}

// copy copies the built warehouse at path onto c.
func (c target) copy(ctx context.Context, path string) error {
	lite, err := schema.OpenRO(path)
	if err != nil {
		return err
	}
	defer lite.Close()
	if c.Name == "" {
		return clickhouse.Copy(ctx, lite, c.Shards[0])
	}
	return clickhouse.CopyCluster(ctx, lite, c.Cluster)
}

// target is the ClickHouse of --engine and --cluster, opened.
type target struct{ clickhouse.Cluster }

func (c target) close() {
	for _, p := range c.Shards {
		p.Close()
	}
	for _, ps := range c.Replicas {
		for _, p := range ps {
			p.Close()
		}
	}
}

// openTarget opens engines: one server, or, with a cluster name, one
// server per shard in order, each shard's replicas after it joined by "|"
// (clickhouse://a1,clickhouse://b1|clickhouse://b2: shard 2 has two).
func openTarget(ctx context.Context, engines, cluster string) (target, error) {
	c := target{clickhouse.Cluster{Name: cluster}}
	n := 0
	for i, shard := range strings.Split(engines, ",") {
		for j, dsn := range strings.Split(shard, "|") {
			p, err := openClickHouse(ctx, strings.TrimSpace(dsn))
			if err != nil {
				c.close()
				return c, err
			}
			n++
			if j == 0 {
				c.Shards = append(c.Shards, p)
				c.Replicas = append(c.Replicas, nil)
			} else {
				c.Replicas[i] = append(c.Replicas[i], p)
			}
		}
	}
	if cluster == "" && n > 1 {
		c.close()
		return c, fmt.Errorf("--engine 给了 %d 个地址：分片集群要用 --cluster 说明集群名", n)
	}
	return c, nil
}
