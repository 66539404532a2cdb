package server

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/chatbi/chatbi/executor"
)

// The same question again is answered from the view's cache; a new view
// (a newly published warehouse, new teachings) starts empty; the cache
// keeps its bound, least recently used out first.
func TestResultCache(t *testing.T) {
	svc := MustOpenService(t)
	ask := func(q string) *Answer {
		a, err := svc.Ask(context.Background(), AskRequest{Question: q})
		if err != nil || a.Status != "ok" {
			t.Fatalf("%s: %v %+v", q, err, a)
		}
		return a
	}
	first := ask("过去3个月买过口红没买过粉底液的重要价值客户")
	v := svc.wh.current()
	before := v.cache.hits
	again := ask("过去3个月买过口红没买过粉底液的重要价值客户")
	if v.cache.hits != before+1 || again.Total != first.Total || len(again.Rows) != len(first.Rows) || again.Rows[0][0] != first.Rows[0][0] {
		t.Errorf("second ask: hits %d -> %d, total %d vs %d", before, v.cache.hits, first.Total, again.Total)
	}
	if err := svc.wh.relearn(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if nv := svc.wh.current(); nv == v || nv.cache.hits != 0 || len(nv.cache.entries) != 0 {
		t.Error("a new view kept the old cache")
	}
	c := newResultCache(2, 10)
	r := &executor.Result{Rows: [][]any{{1}}}
	c.put("a", r)
	c.put("b", r)
	c.get("a")
	c.put("c", r) // b is the least recently used
	if _, ok := c.get("b"); ok {
		t.Error("b survived past the bound")
	}
	if _, ok := c.get("a"); !ok {
		t.Error("a was dropped though used")
	}
	c.put("big", &executor.Result{Rows: make([][]any, 11)})
	if _, ok := c.get("big"); ok {
		t.Error("a result over the row bound was kept")
	}
}

// Every public question, and a second page of each list, answers the same
// from the cache as from the warehouse: rows, total, columns and SQL.
func TestCachedAnswersSame(t *testing.T) {
	svc := MustOpenService(t)
	evs, err := LoadEval("../testdata/eval/public/questions.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var qs []string
	for _, ev := range evs {
		qs = append(qs, ev.Turns[0])
	}
	seven, two := 7, 2
	compared := 0
	for _, q := range qs {
		for _, page := range []AskRequest{{Question: q}, {Question: q, Limit: &seven, Offset: &two}} {
			svc.NoCache = true
			want, err := svc.Ask(context.Background(), page)
			if err != nil || want.Status != "ok" {
				continue
			}
			svc.NoCache = false
			svc.Ask(context.Background(), page) // fills the cache
			hits := svc.wh.current().cache.hits
			got, err := svc.Ask(context.Background(), page)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if svc.wh.current().cache.hits <= hits { // one hit per statement the answer runs
				t.Errorf("%s: not answered from the cache", q)
			}
			g, _ := json.Marshal([]any{got.Rows, got.Total, got.Columns, got.SQL, got.AnswerType})
			w, _ := json.Marshal([]any{want.Rows, want.Total, want.Columns, want.SQL, want.AnswerType})
			if string(g) != string(w) {
				t.Errorf("%s (offset %v): cached %s\nwarehouse %s", q, page.Offset, g, w)
			}
			compared++
		}
	}
	if compared < 150 {
		t.Errorf("only %d answers compared", compared)
	}
}
