package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chatbi/chatbi/nlq/llm"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the service's Prometheus series, on a registry of its own so
// that two servers in one process (tests) do not collide.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	asks     *prometheus.CounterVec
	askTime  *prometheus.HistogramVec
	llmToks  *prometheus.CounterVec
	llmTime  *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chatbi_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "chatbi_http_request_duration_seconds", Help: "HTTP request latency by route, method and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method", "status"}),
		asks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chatbi_ask_total", Help: "Questions by outcome (ok, clarify, or an error code) and planner; clarify rate = clarify / all.",
		}, []string{"outcome", "planner"}),
		askTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "chatbi_ask_duration_seconds", Help: "Time to answer a question, by outcome.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"outcome"}),
		llmToks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chatbi_llm_tokens_total", Help: "Tokens sent to and received from the LLM planner.",
		}, []string{"kind"}),
		llmTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "chatbi_llm_call_duration_seconds", Help: "LLM planner calls by outcome.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30},
		}, []string{"outcome"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.asks, m.askTime, m.llmToks, m.llmTime,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }

// knownMethods are the methods kept as a label value; any other is
// "other", so a client cannot grow the series with made-up methods.
var knownMethods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true,
	"DELETE": true, "OPTIONS": true}

func (m *metrics) request(route, method string, status int, d time.Duration) {
	if !knownMethods[method] {
		method = "other"
	}
	if status < 100 || status > 599 {
		status = 0
	}
	s := strconv.Itoa(status)
	m.requests.WithLabelValues(route, method, s).Inc()
	m.latency.WithLabelValues(route, method, s).Observe(d.Seconds())
}

func (m *metrics) ask(a *Answer, err error, d time.Duration) {
	outcome, planner := "", "rules"
	switch {
	case err != nil:
		outcome = AsError(err).Code
	default:
		outcome, planner = a.Status, a.Planner
	}
	m.asks.WithLabelValues(outcome, planner).Inc()
	m.askTime.WithLabelValues(outcome).Observe(d.Seconds())
}

// LLMCall records one LLM planner call.
func (m *metrics) llmCall(c llm.Call) {
	m.llmToks.WithLabelValues("prompt").Add(float64(c.PromptTokens))
	m.llmToks.WithLabelValues("completion").Add(float64(c.CompletionTokens))
	m.llmTime.WithLabelValues(c.Outcome).Observe(c.Duration.Seconds())
}
