package server

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/chatbi/chatbi/nlq"
)

// Conversations keeps each conversation's last Plan, and each answer's Plan
// so that an export link always downloads the answer it came with.
type Conversations interface {
	Get(id string) (*nlq.Plan, bool)
	Put(id string, p *nlq.Plan)
	PutAnswer(id string, p *nlq.Plan)
	GetAnswer(id string) (*nlq.Plan, bool)
}

// memoryConversations is a bounded in-process store; the oldest entry is
// forgotten first. For the command line and tests; a server uses AppDB.
type memoryConversations struct {
	mu    sync.Mutex
	max   int
	plans map[string]*nlq.Plan
	order []string
}

// NewMemoryConversations keeps at most max conversations and answers.
func NewMemoryConversations(max int) Conversations {
	return &memoryConversations{max: max, plans: map[string]*nlq.Plan{}}
}

func (m *memoryConversations) Get(id string) (*nlq.Plan, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.plans["c:"+id]
	return p, ok
}

func (m *memoryConversations) Put(id string, p *nlq.Plan) { m.put("c:"+id, p) }

func (m *memoryConversations) PutAnswer(id string, p *nlq.Plan) { m.put("a:"+id, p) }

func (m *memoryConversations) GetAnswer(id string) (*nlq.Plan, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.plans["a:"+id]
	return p, ok && p != nil
}

func (m *memoryConversations) put(k string, p *nlq.Plan) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.plans[k]; !ok {
		m.order = append(m.order, k)
		if len(m.order) > m.max {
			delete(m.plans, m.order[0])
			m.order = m.order[1:]
		}
	}
	m.plans[k] = p
}

// PutAnswer stores an answer's plan for its export link.
func (a *AppDB) PutAnswer(id string, p *nlq.Plan) {
	b, _ := json.Marshal(p)
	a.db.Exec(`INSERT OR REPLACE INTO answers(id, plan_json, created_at) VALUES(?, ?, ?)`, id, string(b), time.Now().UTC().Format(time.RFC3339))
}

// GetAnswer returns an answer's plan.
func (a *AppDB) GetAnswer(id string) (*nlq.Plan, bool) {
	var pj string
	if err := a.db.QueryRow(`SELECT plan_json FROM answers WHERE id = ?`, id).Scan(&pj); err != nil {
		return nil, false
	}
	p := &nlq.Plan{}
	if err := json.Unmarshal([]byte(pj), p); err != nil {
		return nil, false
	}
	return p, true
}
