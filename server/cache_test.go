package server

import (
	"context"
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
