package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
)

// EvalQuestion is one line of an evaluation set (shared eval/README.md).
type EvalQuestion struct {
	ID       string   `json:"id"`
	Category string   `json:"category"`
	AsOf     string   `json:"as_of"`
	Turns    []string `json:"turns"`
	Expect   struct {
		Type  string             `json:"type"`
		IDs   []string           `json:"ids"`
		Value float64            `json:"value"`
		Rows  map[string]float64 `json:"rows"`
	} `json:"expect"`
}

// EvalResult is one question's outcome; Failure is empty when it passed.
// Wrong marks a failure that was a confident answer (status ok, or not the
// clarify that was expected); the other failures were asked back.
type EvalResult struct {
	ID, Category, Failure string
	Wrong                 bool
}

// EvalReport is a whole run.
type EvalReport struct {
	Results []EvalResult
}

// Passed counts passing questions, overall or in one category ("" = all).
func (r EvalReport) Passed(category string) (passed, total int) {
	for _, x := range r.Results {
		if category != "" && x.Category != category {
			continue
		}
		total++
		if x.Failure == "" {
			passed++
		}
	}
	return
}

// Categories lists the categories in the report.
func (r EvalReport) Categories() []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range r.Results {
		if !seen[x.Category] {
			seen[x.Category] = true
			out = append(out, x.Category)
		}
	}
	sort.Strings(out)
	return out
}

// Print writes per-category scores, the failures and "N passed, M failed".
func (r EvalReport) Print(w io.Writer) {
	for _, c := range r.Categories() {
		p, t := r.Passed(c)
		fmt.Fprintf(w, "%-20s %3d/%-3d %5.1f%%\n", c, p, t, 100*float64(p)/float64(t))
	}
	wrong := 0
	for _, x := range r.Results {
		if x.Failure != "" {
			kind := "asked back"
			if x.Wrong {
				kind, wrong = "WRONG", wrong+1
			}
			fmt.Fprintf(w, "FAIL %s [%s] %s: %s\n", x.ID, x.Category, kind, x.Failure)
		}
	}
	p, t := r.Passed("")
	fmt.Fprintf(w, "%d wrong answers, %d asked back\n", wrong, t-p-wrong)
	fmt.Fprintf(w, "eval: %d passed, %d failed\n", p, t-p)
}

// LoadEval reads a questions.jsonl file.
func LoadEval(path string) ([]EvalQuestion, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var qs []EvalQuestion
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var q EvalQuestion
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		qs = append(qs, q)
	}
	return qs, sc.Err()
}

// Evaluate answers every question in-process with the scoring rules of the
// shared eval_run.py: every turn in one conversation, the expectation on the
// last turn; a 4xx error counts as a clarify.
func (s *Service) Evaluate(ctx context.Context, qs []EvalQuestion) EvalReport {
	var rep EvalReport
	for _, q := range qs {
		failure, wrong := s.score(ctx, q)
		rep.Results = append(rep.Results, EvalResult{ID: q.ID, Category: q.Category, Failure: failure, Wrong: wrong})
	}
	return rep
}

// score returns why the question failed ("" if it passed) and whether the
// failure was a confident wrong answer rather than a question asked back.
func (s *Service) score(ctx context.Context, q EvalQuestion) (string, bool) {
	why := s.check(ctx, q)
	if why == "" {
		return "", false
	}
	wrong := strings.HasPrefix(why, "expected clarify, got status ok") ||
		!(strings.HasPrefix(why, "error") || strings.HasPrefix(why, "status ") || strings.HasPrefix(why, "expected clarify"))
	return why, wrong
}

func (s *Service) check(ctx context.Context, q EvalQuestion) string {
	var ans *Answer
	var err error
	conv := ""
	limit := 10000
	for _, turn := range q.Turns {
		ans, err = s.Ask(ctx, AskRequest{Question: turn, AsOf: q.AsOf, ConversationID: conv, Limit: &limit})
		if err == nil && conv == "" {
			conv = ans.ConversationID
		}
	}
	e := q.Expect
	if e.Type == "clarify" {
		if err != nil {
			if se := AsError(err); se.Status() >= 400 && se.Status() < 500 {
				return ""
			}
			return "expected clarify, got error " + err.Error()
		}
		if ans.Status == "clarify" {
			return ""
		}
		return "expected clarify, got status " + ans.Status
	}
	if err != nil {
		return "error: " + err.Error()
	}
	if ans.Status != "ok" {
		b, _ := json.Marshal(ans.Clarification)
		return "status " + ans.Status + " " + string(b)
	}
	switch e.Type {
	case "customers":
		got := map[string]bool{}
		for _, r := range ans.Rows {
			got[fmt.Sprint(r[0])] = true
		}
		want := map[string]bool{}
		for _, id := range e.IDs {
			want[id] = true
		}
		missing, extra := 0, 0
		for id := range want {
			if !got[id] {
				missing++
			}
		}
		for id := range got {
			if !want[id] {
				extra++
			}
		}
		if missing+extra > 0 {
			return fmt.Sprintf("ids: %d got, %d want, %d missing, %d extra", len(got), len(want), missing, extra)
		}
		if ans.Total != len(want) {
			return fmt.Sprintf("total %d != %d", ans.Total, len(want))
		}
	case "count":
		if len(ans.Rows) == 0 || len(ans.Rows[0]) == 0 || !closeEnough(toFloat(ans.Rows[0][0]), e.Value) {
			return fmt.Sprintf("count %v != %v", ans.Rows, e.Value)
		}
	case "table":
		got := map[string]float64{}
		for _, r := range ans.Rows {
			got[fmt.Sprint(r[0])] = toFloat(r[len(r)-1])
		}
		for k, v := range e.Rows {
			if g, ok := got[k]; !ok || !closeEnough(g, v) {
				return fmt.Sprintf("row %s: got %v want %v", k, got[k], v)
			}
		}
		for k := range got {
			if _, ok := e.Rows[k]; !ok {
				return "extra row " + k
			}
		}
	default:
		return "unknown expectation " + e.Type
	}
	return ""
}

func closeEnough(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-3*math.Max(math.Abs(a), math.Abs(b))
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	case int:
		return float64(x)
	}
	return math.NaN()
}
