package chclustertest

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

// node is one clickhouse-server process the test started: its own
// directory, config and loopback port.
type node struct {
	dir  string
	port int
	cmd  *exec.Cmd
	db   *sql.DB
}

// serverBinary is Debian's clickhouse-server (scripts/test-deps.sh
// installs it). Missing, the test fails saying so: it never skips.
func serverBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("clickhouse-server")
	if err != nil {
		t.Fatal("clickhouse-server is not installed: run scripts/test-deps.sh (Debian's clickhouse-server package)")
	}
	return bin
}

// freePort asks the kernel for a loopback port nobody listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startCluster starts n servers on loopback that know each other as the
// cluster "chatbi": n shards of one replica each. Each is stopped when the
// test ends. Bounded: a server that does not answer in 30 s fails the test.
func startCluster(t *testing.T, n int) []*node {
	t.Helper()
	bin := serverBinary(t)
	nodes := make([]*node, n)
	for i := range nodes {
		nodes[i] = &node{dir: t.TempDir(), port: freePort(t)}
	}
	var shards strings.Builder
	for _, nd := range nodes {
		fmt.Fprintf(&shards, "<shard><replica><host>127.0.0.1</host><port>%d</port></replica></shard>", nd.port)
	}
	for _, nd := range nodes {
		config := fmt.Sprintf(configXML, nd.dir, nd.dir, nd.port, freePort(t), nd.dir, nd.dir, nd.dir, nd.dir, shards.String())
		if err := os.WriteFile(filepath.Join(nd.dir, "users.xml"), []byte(usersXML), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg := filepath.Join(nd.dir, "config.xml")
		if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
		nd.cmd = exec.Command(bin, "--config-file="+cfg)
		nd.cmd.Dir = nd.dir
		out, err := os.Create(filepath.Join(nd.dir, "stdout.log"))
		if err != nil {
			t.Fatal(err)
		}
		nd.cmd.Stdout, nd.cmd.Stderr = out, out
		if err := nd.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nd.stop(); out.Close() })
	}
	for _, nd := range nodes {
		nd.wait(t)
	}
	return nodes
}

// wait opens the node's pool and waits until it answers.
func (nd *node) wait(t *testing.T) {
	t.Helper()
	db, err := sql.Open("clickhouse", fmt.Sprintf("clickhouse://127.0.0.1:%d/default?dial_timeout=2s", nd.port))
	if err != nil {
		t.Fatal(err)
	}
	nd.db = db
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) || nd.cmd.ProcessState != nil {
			log, _ := os.ReadFile(filepath.Join(nd.dir, "stdout.log"))
			errlog, _ := os.ReadFile(filepath.Join(nd.dir, "err.log"))
			t.Fatalf("clickhouse-server on port %d did not answer: %v\n%s\n%s", nd.port, err, log, errlog)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop ends the server: SIGTERM, then SIGKILL if it lingers.
func (nd *node) stop() {
	if nd.db != nil {
		nd.db.Close()
	}
	if nd.cmd == nil || nd.cmd.Process == nil {
		return
	}
	nd.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { nd.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		nd.cmd.Process.Kill()
		<-done
	}
}

// configXML is a server's whole config: its directories, its port, and
// the cluster of all the test's servers. No interserver port: the nodes
// do not replicate, they only answer each other's distributed queries.
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
