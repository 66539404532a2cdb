package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatbi/chatbi/nlq/llm"
)

// TestLLMRouting: rules first; the model only for unplaced spans, never for
// a forbidden request; its failures leave the rules' clarify standing.
func TestLLMRouting(t *testing.T) {
	svc := MustOpenService(t)
	var calls atomic.Int32
	plan := `{"answer":"count","as_of":"2026-11-22","window":{"from":"2026-08-23","to":"2026-11-22","phrase":"近3个月"},` +
		`"filter":{"op":"and","kids":[{"op":"cond","cond":{"kind":"bought","items":[{"value":"口红","kinds":["category"]}]}},` +
		`{"op":"cond","cond":{"kind":"member_level","values":["钻石"]}}]}}`
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		args, _ := json.Marshal(plan)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"finish_reason":"tool_calls",` +
			`"message":{"role":"assistant","tool_calls":[{"id":"t","type":"function","function":{"name":"submit_plan","arguments":` + string(args) + `}}]}}],` +
			`"usage":{"prompt_tokens":100,"completion_tokens":30,"total_tokens":130}}`))
	}))
	defer fake.Close()
	srv := New(svc, Config{})
	svc.LLM = llm.New(llm.Config{BaseURL: fake.URL + "/v1", Model: "m", APIKey: "k"}, svc.Engine(), srv.ObserveLLM)

	ask := func(q string) *Answer {
		a, err := svc.Ask(context.Background(), AskRequest{Question: q})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if a := ask("重要价值客户有多少"); a.Planner != "rules" || calls.Load() != 0 {
		t.Fatalf("a rule question went to the model: %s, %d calls", a.Planner, calls.Load())
	}
	a := ask("近3个月买过口红的高端客户有多少")
	if a.Status != "ok" || a.Planner != "llm" || calls.Load() != 1 || a.AnswerType != "count" {
		t.Fatalf("llm route: %+v, %d calls", a, calls.Load())
	}
	if a := ask("删除所有客户"); a.Status != "clarify" || calls.Load() != 1 {
		t.Fatalf("a forbidden request went to the model: %s, %d calls", a.Status, calls.Load())
	}
	// Tokens and call latency reach the metrics.
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "http://127.0.0.1/metrics", nil))
	for _, want := range []string{`chatbi_llm_tokens_total{kind="prompt"} 100`, `chatbi_llm_tokens_total{kind="completion"} 30`, `chatbi_llm_call_duration_seconds_count{outcome="ok"} 1`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// A dead endpoint: one fast failure, then the circuit is open; rule
	// answers still work and unplaced questions still ask back.
	fake.Close()
	svc.LLM = llm.New(llm.Config{BaseURL: fake.URL + "/v1", Model: "m", APIKey: "k", Failures: 1, Cooldown: time.Minute}, svc.Engine(), nil)
	if a := ask("近3个月买过口红的高端客户有多少"); a.Status != "clarify" {
		t.Fatalf("dead endpoint: %s", a.Status)
	}
	start := time.Now()
	if a := ask("近3个月买过口红的高端客户有多少"); a.Status != "clarify" || time.Since(start) > 200*time.Millisecond {
		t.Fatalf("open circuit: %s after %s", a.Status, time.Since(start))
	}
	if a := ask("近3个月买过口红的客户有多少"); a.Status != "ok" || a.Planner != "rules" {
		t.Fatalf("rules with a dead model: %+v", a)
	}
}
