package nlq

import (
	"fmt"
	"sort"
	"strings"
)

// Unplaced is a span of the question the parser could not put in the Plan.
type Unplaced struct {
	Span        Span     `json:"span"`
	Text        string   `json:"text"`
	Reason      string   `json:"reason"` // Chinese, for the marketer
	Suggestions []string `json:"suggestions,omitempty"`
	Forbidden   bool     `json:"forbidden,omitempty"` // asks to change data or to drop the rules: never sent to a model
	Rewrites    []string `json:"-"`                   // whole questions that would say it plainly (offered if they read)
	Instead     []string `json:"-"`                   // the only texts to offer in the span's place (never leaving it out)
}

// UnplacedError lists every unplaced span of a question, in order. A question
// with one is never run: the answer is a clarify naming the spans.
type UnplacedError struct {
	Question  string
	List      []Unplaced
	Questions []string // close questions the rules do read (Engine.Parse fills it)
}

func (e *UnplacedError) Error() string {
	parts := make([]string, len(e.List))
	for i, u := range e.List {
		parts[i] = fmt.Sprintf("%d-%d %q: %s", u.Span.Start, u.Span.End, u.Text, u.Reason)
	}
	return "unplaced: " + strings.Join(parts, "; ")
}

// Message is the Chinese clarify message.
func (e *UnplacedError) Message() string {
	var names []string
	for _, u := range e.List {
		names = append(names, "「"+u.Text+"」"+u.Reason)
	}
	return "这个问题有部分没能理解，所以没有执行查询：" + strings.Join(names, "；") + "。请换个说法，或从建议中选择。"
}

// Forbidden reports whether any span asks to change data or to ignore the
// rules; such a question is answered with a clarify and nothing else.
func (e *UnplacedError) Forbidden() bool {
	for _, u := range e.List {
		if u.Forbidden {
			return true
		}
	}
	return false
}

// Suggestions are the close questions that do read, then the spans' own
// suggestions (near terms), without duplicates.
func (e *UnplacedError) Suggestions() []string {
	var out []string
	seen := map[string]bool{}
	for _, q := range e.Questions {
		if !seen[q] {
			seen[q] = true
			out = append(out, q)
		}
	}
	for _, u := range e.List {
		for _, s := range u.Suggestions {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

func (e *UnplacedError) add(u Unplaced) {
	// Adjacent spans with the same reason read better as one.
	if n := len(e.List); n > 0 {
		last := &e.List[n-1]
		// Adjacent spans are one unknown word more often than two (手机 + 号).
		if last.Span.End == u.Span.Start && len(u.Suggestions) == 0 {
			last.Span.End = u.Span.End
			last.Text += u.Text
			last.Forbidden = last.Forbidden || u.Forbidden
			return
		}
	}
	e.List = append(e.List, u)
	sort.SliceStable(e.List, func(i, j int) bool { return e.List[i].Span.Start < e.List[j].Span.Start })
}

// PlanError is a Plan that cannot be answered as asked (no snapshot for the
// date, an unknown term in an LLM plan…); its message is Chinese.
type PlanError struct {
	Msg         string
	Suggestions []string
}

func (e *PlanError) Error() string { return e.Msg }
