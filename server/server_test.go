package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/schema/schematest"
	"github.com/chatbi/chatbi/server/strategy"
)

// dbPath is the public warehouse (set by MustOpenService).
var dbPath string

// MustOpenService opens a service on the public warehouse (a fresh
// conversation store each call).
func MustOpenService(tb testing.TB) *Service {
	tb.Helper()
	dbPath = schematest.PublicWarehouse(tb)
	svc, err := NewService(context.Background(), dbPath, executor.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { svc.Close() })
	return svc
}

// evalFloor is the share of the public evaluation that must pass, set from
// what was measured (99/99); raise it, never lower it.
const evalFloor = 1.0

// TestPublicEvaluation answers every public question in-process with the
// scoring rules of the shared eval_run.py and fails below the floor. The
// clarify traps must all pass whatever the floor.
func TestPublicEvaluation(t *testing.T) {
	svc := MustOpenService(t)
	qs, err := LoadEval("../testdata/eval/public/questions.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	rep := svc.Evaluate(context.Background(), qs)
	var out bytes.Buffer
	rep.Print(&out)
	t.Log("\n" + out.String())
	p, n := rep.Passed("")
	if float64(p) < evalFloor*float64(n) {
		t.Errorf("public evaluation %d/%d, below the floor %.0f%%", p, n, evalFloor*100)
	}
	if p, n := rep.Passed("clarify"); p != n || n == 0 {
		t.Errorf("clarify traps %d/%d", p, n)
	}
}

// TestParaphraseSet answers the paraphrase sets (testdata/paraphrase, gold
// computed from the CSVs by gen.py) and fails on any confident wrong
// answer or below the floor measured. Both held-out sets were scored once
// and then looked at (README): they guard against regressions now, and a
// new held-out set is what measures generality next.
func TestParaphraseSet(t *testing.T) {
	svc := MustOpenService(t)
	var qs []EvalQuestion
	files, _ := filepath.Glob("../testdata/paraphrase/*.jsonl")
	if len(files) < 18 { // tuning + 17 held-out sets, as written so far
		t.Fatalf("paraphrase sets: %d files, want at least 18", len(files))
	}
	for _, f := range files {
		part, err := LoadEval(f)
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs, part...)
	}
	rep := svc.Evaluate(context.Background(), qs)
	var out bytes.Buffer
	rep.Print(&out)
	p, n := rep.Passed("")
	wrong := 0
	for _, r := range rep.Results {
		if r.Wrong {
			wrong++
		}
	}
	if wrong > 0 || float64(p) < paraphraseFloor*float64(n) {
		t.Errorf("paraphrase set %d/%d with %d wrong answers (floor %.0f%%, 0 wrong):\n%s", p, n, wrong, paraphraseFloor*100, out.String())
	}
}

// paraphraseFloor is the tuning set's share that must pass, as measured;
// raise it, never lower it.
const paraphraseFloor = 1.0

func TestAskPaging(t *testing.T) {
	svc := MustOpenService(t)
	ask := func(limit, offset int) *Answer {
		a, err := svc.Ask(context.Background(), AskRequest{Question: "重要发展客户有哪些", Limit: &limit, Offset: &offset})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	all := ask(1000, 0)
	if all.Total != 87 || len(all.Rows) != 87 {
		t.Fatalf("total %d rows %d", all.Total, len(all.Rows))
	}
	page := ask(10, 80)
	if page.Total != 87 || len(page.Rows) != 7 || page.Rows[0][0] != all.Rows[80][0] {
		t.Fatalf("page: total %d rows %d", page.Total, len(page.Rows))
	}
	past := ask(10, 500)
	if past.Total != 87 || len(past.Rows) != 0 {
		t.Fatalf("past the end: total %d rows %d", past.Total, len(past.Rows))
	}
	for _, r := range all.Rows {
		if phone, ok := r[len(r)-1].(string); ok && !strings.Contains(phone, "****") {
			t.Fatalf("phone not masked: %s", phone)
		}
	}
}

// TestHTTP drives the real handler on a loopback server with bad input.
func TestHTTP(t *testing.T) {
	svc := MustOpenService(t)
	before := checksum(t, dbPath)
	ts := httptest.NewServer(Handler(svc, nil))
	defer ts.Close()
	post := func(body string) (int, map[string]any) {
		resp, err := http.Post(ts.URL+"/api/v1/ask", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		b, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: not JSON: %s", body, b)
		}
		return resp.StatusCode, m
	}
	cases := []struct {
		name, body string
		status     int
		code       string
	}{
		{"OK", `{"question":"过去3个月买过口红没买过粉底液的重要价值客户"}`, 200, ""},
		{"Clarify", `{"question":"买过游艇的客户"}`, 200, ""},
		{"Empty", `{"question":"  "}`, 400, CodeInvalid},
		{"TooLong", `{"question":"` + strings.Repeat("口红", 300) + `"}`, 400, CodeInvalid},
		{"Huge", `{"question":"` + strings.Repeat("a", 100<<10) + `"}`, 413, CodeTooLarge},
		{"NotJSON", `question=口红`, 400, CodeInvalid},
		{"WrongShape", `{"question":["口红"]}`, 400, CodeInvalid},
		{"UnknownField", `{"question":"口红","sql":"DELETE FROM customers"}`, 400, CodeInvalid},
		{"NegativeLimit", `{"question":"重要价值客户","limit":-1}`, 400, CodeInvalid},
		{"HugeLimit", `{"question":"重要价值客户","limit":100000000}`, 400, CodeInvalid},
		{"NegativeOffset", `{"question":"重要价值客户","offset":-5}`, 400, CodeInvalid},
		{"BadAsOf", `{"question":"重要价值客户","as_of":"2026/11/22"}`, 400, CodeInvalid},
		{"UnknownConversation", `{"question":"其中女性有多少","conversation_id":"nope"}`, 404, CodeNotFound},
		{"NotUTF8", "{\"question\":\"\xff\xfe\"}", 400, CodeInvalid},
		{"Trailing", `{"question":"重要价值客户"} {}`, 400, CodeInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, m := post(c.body)
			if status != c.status {
				t.Fatalf("status %d, want %d: %v", status, c.status, m)
			}
			if c.code != "" {
				e, _ := m["error"].(map[string]any)
				if e["code"] != c.code || e["message"] == "" {
					t.Fatalf("error %v, want code %s", m, c.code)
				}
			}
		})
	}
	// Follow-up through the API.
	_, first := post(`{"question":"近6个月买过口红的客户","as_of":"2026-11-22"}`)
	_, second := post(fmt.Sprintf(`{"question":"其中女性有多少","conversation_id":%q,"as_of":"2026-11-22"}`, first["conversation_id"]))
	if second["answer_type"] != "count" || fmt.Sprint(second["rows"]) != "[[342]]" {
		t.Fatalf("follow-up: %v", second)
	}
	if checksum(t, dbPath) != before {
		t.Fatal("requests changed the warehouse")
	}
}

// TestAsOfWithoutSnapshot: an as-of date with no segment snapshot still
// answers purchase questions and asks back for segment questions.
func TestAsOfWithoutSnapshot(t *testing.T) {
	svc := MustOpenService(t)
	a, err := svc.Ask(context.Background(), AskRequest{Question: "近30天买过口红的客户有多少", AsOf: "2026-10-31"})
	if err != nil || a.Status != "ok" {
		t.Fatalf("%v %+v", err, a)
	}
	b, err := svc.Ask(context.Background(), AskRequest{Question: "重要价值客户有多少", AsOf: "2026-10-31"})
	if err != nil || b.Status != "clarify" || !strings.Contains(b.Clarification.Message, "2026-11-22") {
		t.Fatalf("%v %+v", err, b)
	}
}

func checksum(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// TestStrategies: an answer whose conditions name segments carries each
// one's suggested action (not a negated or earlier-snapshot one); "…应该
// 怎么运营" answers with the segment's size and its suggestion; with no
// segment named it asks back.
func TestStrategies(t *testing.T) {
	svc := MustOpenService(t)
	ask := func(q string) *Answer {
		t.Helper()
		a, err := svc.Ask(context.Background(), AskRequest{Question: q})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return a
	}
	segs := func(a *Answer) string {
		var s []string
		for _, sg := range a.Strategies {
			s = append(s, sg.Segment)
		}
		return strings.Join(s, ",")
	}
	for q, want := range map[string]string{
		"近3个月买过口红的促销敏感型重要价值客户": "促销敏感型,重要价值客户",
		"沉默客户有多少":     "沉默客户",
		"不是重要价值客户的女性": "",
		"近3个月买过口红的客户": "",
		"各RFM分群的客户数":  "",
	} {
		if got := segs(ask(q)); got != want {
			t.Errorf("%s: strategies %q, want %q", q, got, want)
		}
	}
	a := ask("重要挽留客户应该怎么运营")
	if a.Status != "ok" || a.AnswerType != "count" || segs(a) != "重要挽留客户" || !strings.Contains(a.Explanation, "运营建议") ||
		!strings.HasPrefix(a.StrategyText(), "运营建议（重要挽留客户）：") {
		t.Errorf("strategy question: %+v", a)
	}
	if a := ask("应该怎么运营"); a.Status != "clarify" || len(a.Strategies) != 0 {
		t.Errorf("no segment: %+v", a)
	}
	// A retailer's table is the one answers carry.
	dir := t.TempDir()
	os.WriteFile(dir+"/shop.txt", []byte("沉默客户: 店长发一条问候。\n"), 0o644)
	tb, err := strategy.Load(dir + "/shop.txt")
	if err != nil {
		t.Fatal(err)
	}
	svc.Strategies = tb
	if a := ask("沉默客户有多少"); len(a.Strategies) != 1 || a.Strategies[0].Action != "店长发一条问候。" ||
		!strings.Contains(a.StrategyText(), "店长发一条问候") {
		t.Errorf("retailer table: %+v", a.Strategies)
	}
}
