// Package chtest starts real clickhouse-server processes for tests, the
// way net/http/httptest starts real HTTP servers: Debian's
// clickhouse-server (scripts/test-deps.sh installs it) on loopback ports,
// each in its own temp dir, stopped when the test ends. Missing, the test
// fails saying so — it never skips.
package chtest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/ClickHouse/clickhouse-go/v2" // database/sql driver "clickhouse"
)

// Node is one clickhouse-server process the test started: its own
// directory, config and loopback port.
type Node struct {
	Dir  string
	Port int
	Cmd  *exec.Cmd
	DB   *sql.DB // a pool as the default user (may write)
}

// DSN is the node's address for clickhouse-go as user.
func (nd *Node) DSN(user string) string {
	return fmt.Sprintf("clickhouse://%s@127.0.0.1:%d/default", user, nd.Port)
}

// serverBinary is Debian's clickhouse-server (scripts/test-deps.sh
// installs it). Missing, the test fails saying so: it never skips.
func serverBinary(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("clickhouse-server")
	if err != nil {
		t.Fatal("clickhouse-server is not installed: run scripts/test-deps.sh (Debian's clickhouse-server package)")
	}
	return bin
}

// freePort asks the kernel for a loopback port nobody listens on.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// StartCluster starts n servers on loopback that know each other as the
// cluster "chatbi": n shards of one replica each. Each is stopped when the
// test ends. Bounded: a server that does not answer in 30 s fails the test.
func StartCluster(t testing.TB, n int) []*Node {
	t.Helper()
	var nodes []*Node
	for _, shard := range StartReplicated(t, n, 1) {
		nodes = append(nodes, shard...)
	}
	return nodes
}

// StartReplicated starts shards × replicas servers on loopback that know
// each other as the cluster "chatbi": nodes[i] are shard i's replicas. A
// Distributed table reads one replica of each shard and, when one does not
// answer, another.
func StartReplicated(t testing.TB, shards, replicas int) [][]*Node {
	t.Helper()
	bin := serverBinary(t)
	nodes := make([][]*Node, shards)
	var all []*Node
	var layout strings.Builder
	for i := range nodes {
		layout.WriteString("<shard>")
		for range replicas {
			nd := &Node{Dir: t.TempDir(), Port: freePort(t)}
			nodes[i] = append(nodes[i], nd)
			all = append(all, nd)
			fmt.Fprintf(&layout, "<replica><host>127.0.0.1</host><port>%d</port></replica>", nd.Port)
		}
		layout.WriteString("</shard>")
	}
	for _, nd := range all {
		config := fmt.Sprintf(configXML, nd.Dir, nd.Dir, nd.Port, freePort(t), nd.Dir, nd.Dir, nd.Dir, nd.Dir, layout.String())
		if err := os.WriteFile(filepath.Join(nd.Dir, "users.xml"), []byte(usersXML), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg := filepath.Join(nd.Dir, "config.xml")
		if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
		nd.Cmd = exec.Command(bin, "--config-file="+cfg)
		nd.Cmd.Dir = nd.Dir
		out, err := os.Create(filepath.Join(nd.Dir, "stdout.log"))
		if err != nil {
			t.Fatal(err)
		}
		nd.Cmd.Stdout, nd.Cmd.Stderr = out, out
		if err := nd.Cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nd.Stop(); out.Close() })
	}
	for _, nd := range all {
		nd.wait(t)
	}
	return nodes
}

// wait opens the node's pool and waits until it answers.
func (nd *Node) wait(t testing.TB) {
	t.Helper()
	db, err := sql.Open("clickhouse", fmt.Sprintf("clickhouse://127.0.0.1:%d/default?dial_timeout=2s", nd.Port))
	if err != nil {
		t.Fatal(err)
	}
	nd.DB = db
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) || nd.Cmd.ProcessState != nil {
			log, _ := os.ReadFile(filepath.Join(nd.Dir, "stdout.log"))
			errlog, _ := os.ReadFile(filepath.Join(nd.Dir, "err.log"))
			t.Fatalf("clickhouse-server on port %d did not answer: %v\n%s\n%s", nd.Port, err, log, errlog)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop ends the server: SIGTERM, then SIGKILL if it lingers.
func (nd *Node) Stop() {
	if nd.DB != nil {
		nd.DB.Close()
	}
	if nd.Cmd == nil || nd.Cmd.Process == nil {
		return
	}
	nd.Cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { nd.Cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		nd.Cmd.Process.Kill()
		<-done
	}
}

// configXML is a server's whole config: its directories, its port, and
// the cluster of all the test's servers. No interserver port: the nodes
// do not replicate (chatbi loads each replica itself), they only answer
// each other's distributed queries.
const configXML = `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>%s/server.log</log><errorlog>%s/err.log</errorlog></logger>
  <tcp_port>%d</tcp_port>
  <http_port>%d</http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>%s/data/</path>
  <tmp_path>%s/tmp/</tmp_path>
  <user_files_path>%s/user_files/</user_files_path>
  <format_schema_path>%s/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <remote_servers><chatbi>%s</chatbi></remote_servers>
</yandex>
`

// usersXML: the default user (loopback only) loads the warehouse; the
// service connects as "reader", whose profile is readonly = 2 (settings
// may be set per query, nothing written) — the first line of defence on
// a server; the executor's per-query settings are the second.
const usersXML = `<?xml version="1.0"?>
<yandex>
  <profiles>
    <default><max_memory_usage>4000000000</max_memory_usage></default>
    <reader><readonly>2</readonly><max_memory_usage>4000000000</max_memory_usage></reader>
  </profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default>
    <reader><password></password><networks><ip>127.0.0.1</ip></networks><profile>reader</profile><quota>default</quota></reader>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`
