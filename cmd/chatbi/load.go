package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/server"
)

// cmdLoad is `make load`: the service as `chatbi serve` runs it (timeouts,
// connection cap, admission) on a demo warehouse of --customers, driven by
// --clients closed-loop clients over the 20-question mix for --duration.
// It prints requests/s, p50/p99 and the status codes: under overload the
// service should answer most questions fast and shed the rest with 503,
// not let them all run into the 504 time budget.
func cmdLoad(e env, args []string) int {
	fs := newFlags(e, "load")
	n := fs.Int("customers", 200_000, "演示仓库的客户数")
	dir := fs.String("dir", filepath.Join(os.TempDir(), "chatbi-load"), "工作目录（仓库在多次运行之间保留）")
	clients := fs.String("clients", "8,50", "并发客户端数，逗号分隔")
	d := fs.Duration("duration", 15*time.Second, "每轮时长")
	conc := fs.Int("concurrency", server.DefaultConcurrency, "同时执行的语句数（同 serve 的参数）；很大的值等于不限流")
	wait := fs.Duration("queue-wait", server.DefaultQueueWait, "排队等待上限（同 serve 的参数）")
	if err := parseFlags(e, fs, args); err != nil {
		return flagExit(err)
	}
	var counts []int
	for _, c := range strings.Split(*clients, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || k < 1 || k > 1000 {
			fmt.Fprintln(e.stderr, "chatbi load: --clients takes counts from 1 to 1000")
			return 2
		}
		counts = append(counts, k)
	}
	db := filepath.Join(*dir, fmt.Sprintf("demo-%d.db", *n))
	if _, err := os.Stat(db); err != nil {
		start := time.Now()
		if _, err := schema.Demo(e.ctx, db, schema.DemoOptions{Customers: *n, Seed: 1}, schema.ImportOptions{}); err != nil {
			fmt.Fprintln(e.stderr, "chatbi load:", err)
			return 1
		}
		fmt.Fprintf(e.stdout, "demo warehouse of %d customers built in %.1f s (%s)\n", *n, time.Since(start).Seconds(), db)
	}
	svc, err := server.NewService(e.ctx, db, executor.Options{Timeout: 5 * time.Second, MaxRows: 10000})
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi load:", err)
		return 1
	}
	defer svc.Close()
	svc.SetAdmission(*conc, *wait)
	fmt.Fprintf(e.stdout, "%d customers, %d CPUs, admission: %d statements at once, %s queue wait, 5 s budget\n", *n, runtime.NumCPU(), *conc, *wait)
	if err := loadTest(e, svc, "the 20-question mix", benchMix, counts, *d); err != nil {
		fmt.Fprintln(e.stderr, "chatbi load:", err)
		return 1
	}
	return 0
}

// loadTest serves svc on a loopback port and drives it with vegeta as a
// library: closed-loop clients (as many in flight as there are clients,
// each sending its next question when the last is answered) over the mix
// of questions, for a bounded time. It prints requests/s, p50/p99 and
// errors for each client count.
func loadTest(e env, svc *server.Service, what string, questions []string, clients []int, d time.Duration) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := server.New(svc, server.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).HTTPServer()
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	url := "http://" + ln.Addr().String() + "/api/v1/ask"
	var targets []vegeta.Target
	for _, q := range questions {
		body, _ := json.Marshal(server.AskRequest{Question: q})
		targets = append(targets, vegeta.Target{Method: "POST", URL: url, Body: body,
			Header: http.Header{"Content-Type": {"application/json"}}})
	}
	fmt.Fprintf(e.stdout, "HTTP load on loopback, %s per run, %s:\n", d, what)
	for _, n := range clients {
		atk := vegeta.NewAttacker(vegeta.Workers(uint64(n)), vegeta.MaxWorkers(uint64(n)), vegeta.Connections(n),
			vegeta.Timeout(30*time.Second), vegeta.KeepAlive(true))
		var m, answered vegeta.Metrics
		// Rate 0 with a fixed worker pool: each worker sends as fast as it is answered.
		for res := range atk.Attack(vegeta.NewStaticTargeter(targets...), vegeta.Rate{Freq: 0}, d, fmt.Sprintf("c%d", n)) {
			m.Add(res)
			if res.Code == http.StatusOK {
				answered.Add(res)
			}
		}
		m.Close()
		answered.Close()
		fmt.Fprintf(e.stdout, "  %3d clients: %6.1f answers/s; answered p50 %6.1f ms p99 %6.1f ms; all p50 %6.1f ms p99 %6.1f ms; %d requests, status %s\n",
			n, m.Throughput, ms(answered.Latencies.P50), ms(answered.Latencies.P99), ms(m.Latencies.P50), ms(m.Latencies.P99),
			m.Requests, statusText(m.StatusCodes))
	}
	return nil
}

// statusText is a status-code histogram as "200×812 503×40".
func statusText(codes map[string]int) string {
	var keys []string
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s×%d ", k, codes[k])
	}
	return strings.TrimSpace(b.String())
}
