package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

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
	// refresh --engine refreshes ClickHouse where it is: a --db beside it
	// (the old way, refresh the file then copy) is refused, not ignored.
	if code, _, errs := chatbi(t, "refresh", "--db", db, "--engine", engines, "--cluster", "chatbi"); code != 2 || !strings.Contains(errs, "不读 --db") {
		t.Errorf("refresh --db --engine: %d %s", code, errs)
	}
	if code, _, errs := chatbi(t, "refresh", "--cluster", "chatbi"); code != 2 || !strings.Contains(errs, "--engine") {
		t.Errorf("refresh --cluster alone: %d %s", code, errs)
	}
	if code, _, errs := chatbi(t, "refresh", "--engine", "clickhouse://127.0.0.1:1/default"); code != 1 || !strings.Contains(errs, "连不上 ClickHouse") {
		t.Errorf("refresh on a dead address: %d %s", code, errs)
	}
}

// TestClickHouseServeFollowsImport runs the sequence a ClickHouse user
// runs: import --engine, serve --engine, ask (answers cached), import
// again with other data, refresh --engine (inside ClickHouse: it must
// answer as the same refresh of the SQLite file). After each new copy the running
// service must give the new warehouse's answers within a few seconds —
// never its cached answers of the old one for longer — and every answer on
// the way is the old warehouse's or the new one's.
func TestClickHouseServeFollowsImport(t *testing.T) {
	nodes := chtest.StartCluster(t, 2)
	db := filepath.Join(t.TempDir(), "w.db")
	engines := nodes[0].DSN("default") + "," + nodes[1].DSN("default")
	build := func(args ...string) {
		t.Helper()
		args = append(append([]string{}, args...), "--db", db, "--engine", engines, "--cluster", "chatbi")
		if code, out, errs := chatbi(t, args...); code != 0 || !strings.Contains(out, "已复制到 ClickHouse") {
			t.Fatalf("%v: %d %s %s", args, code, out, errs)
		}
	}
	questions := []string{"重要价值客户有多少", "过去3个月买过口红没买过粉底液的重要价值客户", "各生命周期阶段的客户数"}
	// sqlite is each question's answer on the SQLite file as it is now.
	sqlite := func() []string {
		t.Helper()
		var out []string
		for _, q := range questions {
			code, js, errs := chatbi(t, "ask", "--db", db, "--json", q)
			if code != 0 {
				t.Fatalf("ask on SQLite %s: %s", q, errs)
			}
			out = append(out, answerDigest(t, []byte(js)))
		}
		return out
	}
	build("import", pubData)
	first := sqlite()

	ctx, cancel := context.WithCancel(context.Background())
	addrc, done := make(chan string, 1), make(chan int, 1)
	var logs bytes.Buffer
	go func() {
		e := env{ctx: ctx, stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
		done <- serve(e, serveConfig{engine: nodes[0].DSN("reader"), addr: "127.0.0.1:0", timeout: 10 * time.Second, maxRows: 10000, rate: 1000, burst: 1000},
			slog.New(slog.NewTextHandler(&logs, nil)), func(a string) { addrc <- a })
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d", code)
		}
	})
	var base string
	select {
	case a := <-addrc:
		base = "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatal("serve --engine did not start")
	}
	post := func(i int) (int, []byte, error) {
		resp, err := http.Post(base+"/api/v1/ask", "application/json", strings.NewReader(fmt.Sprintf(`{"question":%q,"limit":20}`, questions[i])))
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp.StatusCode, body, err
	}
	ask := func(i int) string {
		t.Helper()
		code, body, err := post(i)
		if err != nil || code != 200 {
			t.Fatalf("%s: status %d %s %v", questions[i], code, body, err)
		}
		return answerDigest(t, body)
	}
	for i := range questions {
		if got := ask(i); got != first[i] {
			t.Fatalf("%s: ClickHouse %s, SQLite %s", questions[i], got, first[i])
		}
		ask(i) // now from the answer cache
	}
	// follow waits for the service to serve want, allowing only old on the way.
	follow := func(step string, old, want []string) {
		t.Helper()
		deadline := time.Now().Add(8 * time.Second)
		for i := range questions {
			for {
				got := ask(i)
				if got == want[i] {
					break
				}
				if got != old[i] {
					t.Fatalf("%s, %s: an answer of neither warehouse: %s (old %s, new %s)", step, questions[i], got, old[i], want[i])
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s, %s: still the old answer %s after 8 s (new %s); log:\n%s", step, questions[i], got, want[i], logs.String())
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
	// The second import is asked under load: while its copy is published,
	// each answer is the first warehouse's, the second's, or a 503 asking
	// to come back — never a mix of the two copies' tables.
	stop := make(chan struct{})
	type seen struct {
		i    int
		code int
		body []byte
	}
	var during []seen
	loaded := make(chan struct{})
	go func() {
		defer close(loaded)
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			i := n % len(questions)
			code, body, err := post(i)
			s := seen{i: i, code: code, body: body}
			if err != nil {
				s.body = []byte(err.Error())
			}
			during = append(during, s)
		}
	}()
	build("import", "--as-of", "2026-09-30", pubData)
	close(stop)
	<-loaded
	second := sqlite()
	if strings.Join(second, "") == strings.Join(first, "") {
		t.Fatal("the second import answers as the first: the test proves nothing")
	}
	busy := 0
	for _, s := range during {
		switch {
		case s.code == 503 && strings.Contains(string(s.body), "unavailable"):
			busy++
		case s.code != 200:
			t.Errorf("during the copy, %s: status %d %s", questions[s.i], s.code, s.body)
		default:
			if d := answerDigest(t, s.body); d != first[s.i] && d != second[s.i] {
				t.Errorf("during the copy, %s: an answer of neither warehouse: %s", questions[s.i], d)
			}
		}
	}
	t.Logf("asked %d times during the second copy: %d answered 503 (being published)", len(during), busy)
	follow("import again", first, second)
	// The refresh runs inside ClickHouse; the same refresh of the SQLite
	// file says what it must come to.
	if code, _, errs := chatbi(t, "refresh", "--db", db, "--as-of", "2026-11-22"); code != 0 {
		t.Fatalf("refresh on SQLite: %s", errs)
	}
	third := sqlite()
	if strings.Join(third, "") == strings.Join(second, "") {
		t.Fatal("the refresh answers as before it: the test proves nothing")
	}
	if code, out, errs := chatbi(t, "refresh", "--engine", engines, "--cluster", "chatbi", "--as-of", "2026-11-22"); code != 0 || !strings.Contains(out, "已在 ClickHouse 里按 2026-11-22 重新计算") {
		t.Fatalf("refresh --engine: %d %s %s", code, out, errs)
	}
	follow("refresh --engine", second, third)

	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var health struct {
		AsOf      string `json:"as_of"`
		Warehouse struct{ Engine, Published string }
	}
	if json.NewDecoder(resp.Body).Decode(&health); health.AsOf != "2026-11-22" || health.Warehouse.Engine != "clickhouse" || health.Warehouse.Published == "" {
		t.Errorf("healthz on ClickHouse: %+v", health)
	}
}

// answerDigest is an answer's status, total, columns and a digest of its
// rows (ask on the command line shows 20): what must be the same on both
// engines and change with the warehouse.
func answerDigest(t *testing.T, js []byte) string {
	t.Helper()
	var a struct {
		Status  string
		Total   int
		Columns []string
		Rows    [][]any
	}
	if err := json.Unmarshal(js, &a); err != nil {
		t.Fatalf("answer: %v: %s", err, js)
	}
	rows, _ := json.Marshal(a.Rows)
	return fmt.Sprintf("%s total %d, %d columns, rows %x", a.Status, a.Total, len(a.Columns), sha256.Sum256(rows))
}

// TestClickHouseBench: bench --engine copies its warehouse to a two-shard
// cluster, refreshes it there and answers the mix there beside SQLite, the
// same answers.
func TestClickHouseBench(t *testing.T) {
	nodes := chtest.StartCluster(t, 2)
	engines := nodes[0].DSN("default") + "," + nodes[1].DSN("default")
	code, out, errs := chatbi(t, "bench", "--customers", "2000", "--rounds", "1", "--load", "0", "--dir", t.TempDir(),
		"--engine", engines, "--cluster", "chatbi")
	if code != 0 {
		t.Fatalf("bench --engine: %d %s\n%s", code, errs, out)
	}
	if n := strings.Count(out, "ClickHouse p50"); n != 20 || strings.Contains(out, "DIFFERENT") || !strings.Contains(out, "mix on ClickHouse:") ||
		!strings.Contains(out, "refresh inside ClickHouse:") {
		t.Errorf("bench --engine: %d questions on ClickHouse, want 20 the same:\n%s", n, out)
	}
}

// TestClickHouseKillNineDuringCopy: import --engine killed (SIGKILL) at
// points through its run — the SQLite build, the copy, the publish —
// leaves ClickHouse serving the warehouse it served, whole, or the new one
// — within seconds, once a killed copy's lease ran out — or, killed in
// the milliseconds of its renames, refusing with 数据仓库正在更新 until the
// next copy; never a mix. The next import then completes and is served.
func TestClickHouseKillNineDuringCopy(t *testing.T) {
	if testing.Short() {
		t.Skip("kills real processes")
	}
	nodes := chtest.StartCluster(t, 2)
	engines := nodes[0].DSN("default") + "," + nodes[1].DSN("default")
	dir := t.TempDir()
	dbA, dbB := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	questions := []string{"重要价值客户有多少", "过去3个月买过口红没买过粉底液的重要价值客户", "各生命周期阶段的客户数"}
	answers := func(args ...string) ([]string, string) {
		t.Helper()
		var out []string
		for _, q := range questions {
			code, js, errs := chatbi(t, append(append([]string{"ask", "--json"}, args...), q)...)
			if code != 0 {
				return nil, errs
			}
			out = append(out, answerDigest(t, []byte(js)))
		}
		return out, ""
	}
	if code, _, errs := chatbi(t, "import", "--db", dbA, pubData, "--engine", engines, "--cluster", "chatbi"); code != 0 {
		t.Fatal(errs)
	}
	onA, _ := answers("--db", dbA)
	importB := []string{"import", "--db", dbB, "--as-of", "2026-09-30", pubData, "--engine", engines, "--cluster", "chatbi"}
	start := time.Now()
	if out, err := child(importB...).CombinedOutput(); err != nil {
		t.Fatalf("import B: %v %s", err, out)
	}
	full := time.Since(start)
	onB, _ := answers("--db", dbB)
	if strings.Join(onA, "") == strings.Join(onB, "") {
		t.Fatal("A and B answer alike: the test proves nothing")
	}
	// Back to A, then kill imports of B part-way.
	if code, _, errs := chatbi(t, "import", "--db", dbA, pubData, "--engine", engines, "--cluster", "chatbi"); code != 0 {
		t.Fatal(errs)
	}
	served := onA
	refused := 0
	for _, frac := range []float64{0.3, 0.5, 0.65, 0.75, 0.85, 0.9, 0.95, 0.99} {
		c := child(importB...)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(frac * float64(full)))
		c.Process.Signal(syscall.SIGKILL)
		c.Wait()
		// Killed while draining, the copy's lease runs out within seconds;
		// killed while renaming (a few milliseconds), the tables may be
		// mixed and services refuse until the next copy.
		got, errs := answers("--engine", nodes[0].DSN("reader"))
		for wait := time.Now().Add(5 * time.Second); got == nil && strings.Contains(errs, "数据仓库正在更新") && time.Now().Before(wait); {
			time.Sleep(200 * time.Millisecond)
			got, errs = answers("--engine", nodes[0].DSN("reader"))
		}
		switch {
		case got == nil && strings.Contains(errs, "数据仓库正在更新"):
			refused++
		case got == nil:
			t.Fatalf("killed at %.0f%%: %s", frac*100, errs)
		case strings.Join(got, "") == strings.Join(onA, ""):
		case strings.Join(got, "") == strings.Join(onB, ""):
			served = onB // killed after publishing
		default:
			t.Fatalf("killed at %.0f%% of %v: answers of neither warehouse: %v", frac*100, full.Round(time.Millisecond), got)
		}
	}
	t.Logf("import of %v killed 8 times: %d left the copy refusing until the next one; last served B: %v", full.Round(time.Millisecond), refused, strings.Join(served, "") == strings.Join(onB, ""))
	if refused > 2 {
		t.Errorf("%d of 8 kills left the service refusing: a kill before the renames must not", refused)
	}
	if out, err := child(importB...).CombinedOutput(); err != nil {
		t.Fatalf("import after kills: %v %s", err, out)
	}
	if got, errs := answers("--engine", nodes[0].DSN("reader")); strings.Join(got, "") != strings.Join(onB, "") {
		t.Fatalf("after a whole import of B: %v %s", got, errs)
	}
}

// TestClickHouseImportReplicas: --engine names a shard's replicas joined by
// "|"; import loads each of them, and refresh --engine refreshes each.
func TestClickHouseImportReplicas(t *testing.T) {
	nodes := chtest.StartReplicated(t, 1, 2)
	db := filepath.Join(t.TempDir(), "w.db")
	engines := nodes[0][0].DSN("default") + "|" + nodes[0][1].DSN("default")
	if code, out, errs := chatbi(t, "import", "--db", db, "--engine", engines, "--cluster", "chatbi", pubData); code != 0 || !strings.Contains(out, "已复制到 ClickHouse") {
		t.Fatalf("import onto replicas: %d %s %s", code, out, errs)
	}
	if code, out, errs := chatbi(t, "refresh", "--engine", engines, "--cluster", "chatbi", "--as-of", "2026-10-31"); code != 0 {
		t.Fatalf("refresh on replicas: %d %s %s", code, out, errs)
	}
	for i, nd := range nodes[0] {
		var customers, snapshot uint64
		if err := nd.DB.QueryRow("SELECT count() FROM customers_local").Scan(&customers); err != nil {
			t.Fatal(err)
		}
		if err := nd.DB.QueryRow("SELECT count() FROM customer_measures_local WHERE as_of = '2026-10-31'").Scan(&snapshot); err != nil {
			t.Fatal(err)
		}
		if customers != 2000 || snapshot != 2000 {
			t.Errorf("replica %d: %d customers, %d rows of the refreshed snapshot; want 2000 each", i, customers, snapshot)
		}
	}
	if code, _, errs := chatbi(t, "import", "--db", db, "--engine", engines, pubData); code != 1 || !strings.Contains(errs, "--cluster") {
		t.Errorf("replicas without --cluster: %d %s", code, errs)
	}
}
