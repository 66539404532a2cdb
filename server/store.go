package server

import (
	"errors"
	"sync"

	"github.com/chatbi/chatbi/nlq"
)

// Conversations keeps each conversation's last Plan, and each answer's Plan
// so that a page or an export always reads the answer it came with. Each
// entry carries the principal that made it (an API key's fingerprint,
// "local" without keys, slack:TEAM:USER, wecom:CORP:USER); the service
// shows an entry only to that principal. Errors other than ErrNoEntry mean
// the store itself failed, and the request must fail with it.
type Conversations interface {
	Get(id string) (Entry, error)
	Put(id string, e Entry) error
	GetAnswer(id string) (Entry, error)
	PutAnswer(id string, e Entry) error
}

// Entry is one stored conversation or answer.
type Entry struct {
	Owner string
	Plan  *nlq.Plan // nil: a conversation before its first answer
}

// ErrNoEntry: no conversation or answer has that id.
var ErrNoEntry = errors.New("no such conversation or answer")

// memoryConversations is a bounded in-process store; the oldest entry is
// forgotten first. For the command line and tests; a server uses AppDB.
type memoryConversations struct {
	mu      sync.Mutex
	max     int
	entries map[string]Entry
	order   []string
}

// NewMemoryConversations keeps at most max conversations and answers.
func NewMemoryConversations(max int) Conversations {
	return &memoryConversations{max: max, entries: map[string]Entry{}}
}

func (m *memoryConversations) Get(id string) (Entry, error)       { return m.get("c:" + id) }
func (m *memoryConversations) Put(id string, e Entry) error       { m.put("c:"+id, e); return nil }
func (m *memoryConversations) GetAnswer(id string) (Entry, error) { return m.get("a:" + id) }
func (m *memoryConversations) PutAnswer(id string, e Entry) error { m.put("a:"+id, e); return nil }

func (m *memoryConversations) get(k string) (Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[k]
	if !ok {
		return Entry{}, ErrNoEntry
	}
	return e, nil
}

func (m *memoryConversations) put(k string, e Entry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.entries[k]; !ok {
		m.order = append(m.order, k)
		if len(m.order) > m.max {
			delete(m.entries, m.order[0])
			m.order = m.order[1:]
		}
	}
	m.entries[k] = e
}
