package server

import (
	"container/list"
	"encoding/json"
	"sync"

	"github.com/chatbi/chatbi/executor"
)

// resultCache keeps the results of recent statements of one warehouse
// view: asking the same question again (a refresh of the page, a team
// asking the seed question, a bot user re-asking) is answered from memory.
// It belongs to the view, so a newly published warehouse or snapshot —
// or new teachings, which serve a new view — starts it empty. Bounded by
// entries and by rows per entry; least recently used out first.
type resultCache struct {
	mu      sync.Mutex
	max     int
	maxRows int
	order   *list.List // front: most recently used
	entries map[string]*list.Element
	hits    int
}

type cached struct {
	key string
	res executor.Result
}

func newResultCache(max, maxRows int) *resultCache {
	return &resultCache{max: max, maxRows: maxRows, order: list.New(), entries: map[string]*list.Element{}}
}

// cacheKey names a statement with its values and what it masks.
func cacheKey(st executor.Statement) string {
	b, _ := json.Marshal(struct {
		SQL   string
		Args  []any
		PII   []bool
		Total bool
	}{st.SQL, st.Args, st.PII, st.TotalColumn})
	return string(b)
}

func (c *resultCache) get(key string) (*executor.Result, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	c.hits++
	r := e.Value.(*cached).res // a copy: callers may replace its fields
	return &r, true
}

func (c *resultCache) put(key string, r *executor.Result) {
	if r == nil || len(r.Rows) > c.maxRows {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		c.order.MoveToFront(e)
		return
	}
	c.entries[key] = c.order.PushFront(&cached{key, *r})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.entries, last.Value.(*cached).key)
	}
}
