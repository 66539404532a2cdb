package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/chatbi/chatbi/server"
)

// loadTest serves svc on a loopback port and drives it with vegeta as a
// library: closed-loop clients (as many in flight as there are clients,
// each sending its next question when the last is answered) over the mix
// of questions, for a bounded time. It prints requests/s, p50/p99 and
// errors for each client count.
func loadTest(e env, svc *server.Service, questions []string, clients []int, d time.Duration) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: server.New(svc, server.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	url := "http://" + ln.Addr().String() + "/api/v1/ask"
	var targets []vegeta.Target
	for _, q := range questions {
		body, _ := json.Marshal(server.AskRequest{Question: q})
		targets = append(targets, vegeta.Target{Method: "POST", URL: url, Body: body,
			Header: http.Header{"Content-Type": {"application/json"}}})
	}
	fmt.Fprintf(e.stdout, "HTTP load on loopback, %s per run, the 20-question mix:\n", d)
	for _, n := range clients {
		atk := vegeta.NewAttacker(vegeta.Workers(uint64(n)), vegeta.MaxWorkers(uint64(n)), vegeta.Connections(n),
			vegeta.Timeout(30*time.Second), vegeta.KeepAlive(true))
		var m vegeta.Metrics
		// Rate 0 with a fixed worker pool: each worker sends as fast as it is answered.
		for res := range atk.Attack(vegeta.NewStaticTargeter(targets...), vegeta.Rate{Freq: 0}, d, fmt.Sprintf("c%d", n)) {
			m.Add(res)
		}
		m.Close()
		fmt.Fprintf(e.stdout, "  %3d clients: %7.1f req/s  p50 %7.1f ms  p99 %7.1f ms  %d requests, success %.2f%%, errors %d\n",
			n, m.Throughput, ms(m.Latencies.P50), ms(m.Latencies.P99), m.Requests, m.Success*100, len(m.Errors))
	}
	return nil
}
