package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chatbi/chatbi/schema/clickhouse/chtest"
)

// TestEngineClickHouse: import copies the warehouse onto a two-shard
// ClickHouse cluster (--engine, one address per shard, --cluster), and
// ask --engine answers from it exactly as ask on the SQLite file; a dead
// address is a clear error, not a hang.
func TestEngineClickHouse(t *testing.T) {
	nodes := chtest.StartCluster(t, 2)
	db := filepath.Join(t.TempDir(), "w.db")
	engines := nodes[0].DSN("default") + "," + nodes[1].DSN("default")
	if code, out, errs := chatbi(t, "import", "--db", db, "--engine", engines, "--cluster", "chatbi", "../../testdata/eval/public/data"); code != 0 || !strings.Contains(out, "已复制到 ClickHouse") {
		t.Fatalf("import --engine: %d %s %s", code, out, errs)
	}
	for _, q := range []string{"过去3个月买过口红没买过粉底液的重要价值客户", "各城市的客户数", "重要价值客户有多少"} {
		var lite, ch struct {
			Total   int
			SQL     string
			Rows    [][]any
			Columns []string
		}
		code, out, errs := chatbi(t, "ask", "--db", db, "--json", q)
		if code != 0 || json.Unmarshal([]byte(out), &lite) != nil {
			t.Fatalf("ask on SQLite %s: %d %s", q, code, errs)
		}
		code, out, errs = chatbi(t, "ask", "--engine", nodes[0].DSN("reader"), "--json", q)
		if code != 0 || json.Unmarshal([]byte(out), &ch) != nil {
			t.Fatalf("ask --engine %s: %d %s %s", q, code, out, errs)
		}
		if lite.Total != ch.Total || len(lite.Rows) != len(ch.Rows) || strings.Join(lite.Columns, ",") != strings.Join(ch.Columns, ",") {
			t.Errorf("%s: SQLite total %d, %d rows; ClickHouse total %d, %d rows", q, lite.Total, len(lite.Rows), ch.Total, len(ch.Rows))
		}
		if lite.SQL == ch.SQL {
			t.Errorf("%s: the same SQL text on both engines — was ClickHouse asked?", q)
		}
	}
	if code, _, errs := chatbi(t, "ask", "--engine", "clickhouse://127.0.0.1:1/default", "重要价值客户有多少"); code != 1 || !strings.Contains(errs, "连不上 ClickHouse") {
		t.Errorf("a dead address: %d %s", code, errs)
	}
	if code, _, errs := chatbi(t, "ask", "--engine", "mysql://x", "重要价值客户有多少"); code != 1 || !strings.Contains(errs, "clickhouse://") {
		t.Errorf("not a ClickHouse address: %d %s", code, errs)
	}
}
