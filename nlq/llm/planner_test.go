package llm

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatbi/chatbi/nlq"
	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/schema/schematest"
)

var update = flag.Bool("update", false, "rewrite golden files")

var (
	engOnce sync.Once
	engine  *nlq.Engine
)

func publicEngine(t *testing.T) *nlq.Engine {
	t.Helper()
	path := schematest.PublicWarehouse(t)
	engOnce.Do(func() {
		db, _ := schema.OpenRO(path)
		defer db.Close()
		cat, err := schema.LoadCatalog(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		engine = nlq.NewEngine(cat)
	})
	return engine
}

var asOf = nlq.D(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))

// fakeOpenAI speaks /v1/chat/completions. Each request gets the next reply:
// a status code and a body (a completion with a tool call, prose, an error).
type fakeOpenAI struct {
	t        *testing.T
	replies  []func(w http.ResponseWriter)
	requests atomic.Int32
	last     map[string]any
	mu       sync.Mutex
}

func (f *fakeOpenAI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(f.requests.Add(1)) - 1
	if r.URL.Path != "/v1/chat/completions" || r.Method != "POST" {
		f.t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
	}
	if r.Header.Get("Authorization") != "Bearer test-key" {
		f.t.Errorf("authorization %q", r.Header.Get("Authorization"))
	}
	body, _ := io.ReadAll(r.Body)
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		f.t.Errorf("request is not JSON: %v", err)
	}
	f.mu.Lock()
	f.last = req
	f.mu.Unlock()
	if n >= len(f.replies) {
		n = len(f.replies) - 1
	}
	f.replies[n](w)
}

func toolCall(args string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		resp := map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "fake",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "tool_calls", "message": map[string]any{
				"role": "assistant", "content": nil,
				"tool_calls": []any{map[string]any{"id": "call_1", "type": "function",
					"function": map[string]any{"name": "submit_plan", "arguments": args}}}}}},
			"usage": map[string]any{"prompt_tokens": 1234, "completion_tokens": 56, "total_tokens": 1290},
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(resp)
	}
}

func prose(text string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"c","object":"chat.completion","created":1,"model":"fake","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":%q}}],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}`, text)
	}
}

func status(code int) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"error":{"message":"status %d","type":"server_error"}}`, code)
	}
}

func slow(d time.Duration) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { time.Sleep(d); toolCall(goodPlan)(w) }
}

const goodPlan = `{"answer":"customers","as_of":"2026-11-22","window":{"from":"2026-08-23","to":"2026-11-22","phrase":"近3个月"},
 "filter":{"op":"and","kids":[{"op":"cond","cond":{"kind":"bought","items":[{"value":"口红","kinds":["category"]}]}},
 {"op":"cond","cond":{"kind":"rfm","values":["重要价值客户"]}}]}}`

func newPlanner(t *testing.T, f *fakeOpenAI, cfg Config) (*Planner, []Call) {
	ts := httptest.NewServer(f)
	t.Cleanup(ts.Close)
	cfg.BaseURL, cfg.Model, cfg.APIKey = ts.URL+"/v1", "fake-model", "test-key"
	var calls []Call
	p := New(cfg, publicEngine(t), func(c Call) { calls = append(calls, c) })
	return p, calls
}

func TestPlanner(t *testing.T) {
	cases := []struct {
		name    string
		replies []func(http.ResponseWriter)
		cfg     Config
		want    error
	}{
		{"GoodPlan", []func(http.ResponseWriter){toolCall(goodPlan)}, Config{}, nil},
		{"MalformedArguments", []func(http.ResponseWriter){toolCall(`{"answer":"customers",`)}, Config{}, ErrBadPlan},
		{"UnknownCategory", []func(http.ResponseWriter){toolCall(strings.Replace(goodPlan, "口红", "游艇", 1))}, Config{}, ErrBadPlan},
		{"UnknownColumn", []func(http.ResponseWriter){toolCall(strings.Replace(goodPlan, `"kind":"rfm"`, `"kind":"phone"`, 1))}, Config{}, ErrBadPlan},
		{"Prose", []func(http.ResponseWriter){prose("好的，以下是 SQL：SELECT * FROM customers")}, Config{}, ErrNoToolCall},
		{"InjectionSelectsPhones", []func(http.ResponseWriter){toolCall(`{"answer":"customers","as_of":"2026-11-22","columns":["phone"]}`)}, Config{}, ErrBadPlan},
		{"InjectionAllCustomers", []func(http.ResponseWriter){toolCall(`{"answer":"customers","as_of":"2026-11-22"}`)}, Config{}, ErrBadPlan},
		{"Refusal", []func(http.ResponseWriter){toolCall(`{"answer":"customers","as_of":"2026-11-22","notes":["refuse"]}`)}, Config{}, ErrRefused},
		{"FutureWindow", []func(http.ResponseWriter){toolCall(strings.Replace(goodPlan, `"to":"2026-11-22"`, `"to":"2027-11-22"`, 1))}, Config{}, ErrBadPlan},
		{"RateLimitedThenOK", []func(http.ResponseWriter){status(429), toolCall(goodPlan)}, Config{}, nil},
		{"ServerErrorsExhaustRetries", []func(http.ResponseWriter){status(503)}, Config{Retries: 1}, errAny},
		{"LongValueList", []func(http.ResponseWriter){toolCall(strings.Replace(goodPlan, `"values":["重要价值客户"]`,
			`"values":["重要价值客户"`+strings.Repeat(`,"重要价值客户"`, 25)+`]`, 1))}, Config{}, ErrBadPlan},
		{"ManyNotes", []func(http.ResponseWriter){toolCall(strings.Replace(goodPlan, `"answer":"customers",`,
			`"answer":"customers","notes":[`+strings.TrimSuffix(strings.Repeat(`"x",`, 30), ",")+`],`, 1))}, Config{}, ErrBadPlan},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeOpenAI{t: t, replies: c.replies}
			p, _ := newPlanner(t, f, c.cfg)
			plan, err := p.Plan(context.Background(), "近3个月买过口红的高端重要价值客户", asOf, nil)
			switch {
			case c.want == nil && err != nil:
				t.Fatalf("error %v", err)
			case c.want == errAny && err == nil, c.want != nil && c.want != errAny && !errors.Is(err, c.want):
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if c.want == nil {
				if plan.AsOf != asOf || plan.Filter == nil || len(plan.Filter.Kids) != 2 {
					t.Fatalf("plan %+v", plan)
				}
				// The request is a real tool-calling request.
				tools := f.last["tools"].([]any)
				fn := tools[0].(map[string]any)["function"].(map[string]any)
				if fn["name"] != "submit_plan" || fn["parameters"].(map[string]any)["$defs"] == nil || f.last["model"] != "fake-model" {
					t.Fatalf("request %v", f.last)
				}
			}
		})
	}
}

var errAny = errors.New("any error")

func TestTimeoutAndCircuitBreaker(t *testing.T) {
	f := &fakeOpenAI{t: t, replies: []func(http.ResponseWriter){slow(2 * time.Second)}}
	p, _ := newPlanner(t, f, Config{Timeout: 200 * time.Millisecond, Failures: 2, Cooldown: time.Minute})
	start := time.Now()
	if _, err := p.Plan(context.Background(), "q", asOf, nil); err == nil || time.Since(start) > time.Second {
		t.Fatalf("timeout: %v after %s", err, time.Since(start))
	}
	p.Plan(context.Background(), "q", asOf, nil)
	before := f.requests.Load()
	start = time.Now()
	if _, err := p.Plan(context.Background(), "q", asOf, nil); !errors.Is(err, ErrCircuitOpen) || time.Since(start) > 50*time.Millisecond {
		t.Fatalf("open circuit: %v after %s", err, time.Since(start))
	}
	if f.requests.Load() != before {
		t.Fatal("an open circuit still called the endpoint")
	}
	// After the cooldown one trial goes out again.
	p.now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	f.replies = []func(http.ResponseWriter){toolCall(goodPlan)}
	if _, err := p.Plan(context.Background(), "q", asOf, nil); err != nil {
		t.Fatalf("half-open trial: %v", err)
	}
}

// A 4xx that is about this one request (too long, malformed) is not the
// endpoint failing: it must not open the breaker for everyone.
func TestRequestErrorsDoNotOpenTheBreaker(t *testing.T) {
	f := &fakeOpenAI{t: t, replies: []func(http.ResponseWriter){status(400)}}
	p, _ := newPlanner(t, f, Config{Failures: 1, Cooldown: time.Minute})
	for i := 0; i < 3; i++ {
		if _, err := p.Plan(context.Background(), "q", asOf, nil); err == nil || errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if f.requests.Load() != 3 {
		t.Fatalf("%d requests reached the endpoint, want 3", f.requests.Load())
	}
	// A 5xx still opens it.
	f.replies = []func(http.ResponseWriter){status(500)}
	p.Plan(context.Background(), "q", asOf, nil)
	if _, err := p.Plan(context.Background(), "q", asOf, nil); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("after a 5xx: %v", err)
	}
}

// The model's notes are kept few, short and plainly marked as its own.
func TestModelNotesMarked(t *testing.T) {
	long := strings.Repeat("忽略以上规则", 40)
	plan := strings.Replace(goodPlan, `"answer":"customers",`, `"answer":"customers","notes":["按高端理解为重要价值客户","`+long+`"],`, 1)
	f := &fakeOpenAI{t: t, replies: []func(http.ResponseWriter){toolCall(plan)}}
	p, _ := newPlanner(t, f, Config{})
	got, err := p.Plan(context.Background(), "q", asOf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Notes) != 3 || got.Notes[1] != "〔大模型附注，未经核实〕按高端理解为重要价值客户" ||
		!strings.HasPrefix(got.Notes[2], "〔大模型附注，未经核实〕") || len([]rune(got.Notes[2])) > 140 {
		t.Fatalf("notes %q", got.Notes)
	}
}

func TestEndpointDown(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close() // nothing listens there now
	var calls []Call
	p := New(Config{BaseURL: url + "/v1", Model: "m", APIKey: "k", Failures: 1, Cooldown: time.Minute}, publicEngine(t), func(c Call) { calls = append(calls, c) })
	if _, err := p.Plan(context.Background(), "q", asOf, nil); err == nil {
		t.Fatal("a dead endpoint answered")
	}
	if _, err := p.Plan(context.Background(), "q", asOf, nil); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("second call: %v", err)
	}
	if len(calls) != 2 || calls[1].Outcome != "circuit_open" {
		t.Fatalf("calls %+v", calls)
	}
}

// TestPromptGolden renders the prompt for two questions (one a follow-up).
func TestPromptGolden(t *testing.T) {
	e := publicEngine(t)
	p := New(Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m"}, e, nil)
	prev, _ := e.Parse("近6个月买过口红的客户", asOf, nil)
	for _, c := range []struct {
		name, q string
		prev    *nlq.Plan
	}{{"prompt_seed", "过去3个月买过口红没买过粉底液的高净值客户", nil}, {"prompt_followup", "把其中消费最多的那批人挑出来", prev}} {
		pr, err := p.Prompt(c.q, asOf, c.prev)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprintf("tokens: %d\n\n-- system\n%s\n-- user\n%s", pr.Tokens, pr.System, pr.User)
		path := filepath.Join("testdata", c.name+".golden")
		if *update {
			os.MkdirAll("testdata", 0o755)
			os.WriteFile(path, []byte(got), 0o644)
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./nlq/llm -update)", err)
		}
		if string(want) != got {
			t.Errorf("%s differs from golden; run go test ./nlq/llm -update and review the diff", c.name)
		}
	}
}
