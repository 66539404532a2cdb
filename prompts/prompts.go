package prompts

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"text/template"

	"github.com/pkoukk/tiktoken-go"
	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"
)

//go:embed templates
var files embed.FS

var tmpl = template.Must(template.New("").Funcs(template.FuncMap{"join": strings.Join}).ParseFS(files, "templates/*.tmpl"))

// Section is one list of catalog values (品类, 品牌, 城市…).
type Section struct {
	Name    string
	Values  []string
	Omitted int // values left out to fit the budget
}

// Example is a worked question and its Plan as JSON.
type Example struct {
	Question string
	Plan     string
}

// Input is everything a prompt says.
type Input struct {
	Question string
	AsOf     string
	Segments string // the segment definitions in force
	Catalog  []Section
	Examples []Example
	Previous string // the conversation's previous Plan as JSON, for a follow-up
}

// Prompt is a rendered prompt and its size.
type Prompt struct {
	System, User string
	Tokens       int
}

// ErrTooSmall: even without catalog values and examples the prompt exceeds
// the budget.
var ErrTooSmall = errors.New("prompt budget too small for the rules and the question")

var (
	encOnce sync.Once
	enc     *tiktoken.Tiktoken
	encErr  error
)

// Count returns the number of tokens of s (cl100k_base, offline).
func Count(s string) int {
	encOnce.Do(func() {
		tiktoken.SetBpeLoader(tiktoken_loader.NewOfflineLoader())
		enc, encErr = tiktoken.GetEncoding("cl100k_base")
	})
	if encErr != nil {
		// No encoder: a conservative estimate (a CJK character is about a token).
		return len([]rune(s))
	}
	return len(enc.Encode(s, nil, nil))
}

// perMessage is the chat format's overhead per message, in tokens.
const perMessage = 4

func render(in Input) (*Prompt, error) {
	var sys, user bytes.Buffer
	if err := tmpl.ExecuteTemplate(&sys, "system.tmpl", in); err != nil {
		return nil, fmt.Errorf("render system prompt: %w", err)
	}
	if err := tmpl.ExecuteTemplate(&user, "user.tmpl", in); err != nil {
		return nil, fmt.Errorf("render user prompt: %w", err)
	}
	p := &Prompt{System: sys.String(), User: user.String()}
	p.Tokens = Count(p.System) + Count(p.User) + 2*perMessage
	return p, nil
}

// Render renders the prompt within budget tokens, dropping the least
// relevant catalog values and examples first. Errors: ErrTooSmall.
func Render(in Input, budget int) (*Prompt, error) {
	p, err := render(in)
	if err != nil || p.Tokens <= budget {
		return p, err
	}
	// The fixed part: rules, question, previous plan, no values, no examples.
	bare := in
	bare.Examples = nil
	bare.Catalog = make([]Section, len(in.Catalog))
	for i, s := range in.Catalog {
		bare.Catalog[i] = Section{Name: s.Name, Omitted: len(s.Values)}
	}
	base, err := render(bare)
	if err != nil {
		return nil, err
	}
	if base.Tokens > budget {
		return nil, fmt.Errorf("%w: %d tokens needed, %d allowed", ErrTooSmall, base.Tokens, budget)
	}
	// Every value and example, scored by relevance, added while they fit
	// (each costs its own tokens plus a separator).
	type item struct {
		section, index int // section -1: an example
		score          float64
		cost           int
	}
	var items []item
	for si, s := range in.Catalog {
		for vi, v := range s.Values {
			items = append(items, item{si, vi, relevance(in.Question, v), Count(v) + 1})
		}
	}
	for ei, e := range in.Examples {
		items = append(items, item{-1, ei, relevance(in.Question, e.Question) + 0.5, Count(e.Question) + Count(e.Plan) + 6})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].score > items[j].score })
	left := budget - base.Tokens
	keep := map[[2]int]bool{}
	for _, it := range items {
		if it.cost <= left {
			left -= it.cost
			keep[[2]int{it.section, it.index}] = true
		}
	}
	// Render what was kept, in the original order; shrink if the real count
	// (merges across separators) came out over.
	for {
		fit := in
		fit.Catalog = nil
		for si, s := range in.Catalog {
			sec := Section{Name: s.Name}
			for vi, v := range s.Values {
				if keep[[2]int{si, vi}] {
					sec.Values = append(sec.Values, v)
				}
			}
			sec.Omitted = len(s.Values) - len(sec.Values)
			fit.Catalog = append(fit.Catalog, sec)
		}
		fit.Examples = nil
		for ei, e := range in.Examples {
			if keep[[2]int{-1, ei}] {
				fit.Examples = append(fit.Examples, e)
			}
		}
		p, err := render(fit)
		if err != nil || p.Tokens <= budget || len(keep) == 0 {
			return p, err
		}
		// Drop the least relevant tenth of what is kept and try again.
		drop := len(keep)/10 + 1
		for i := len(items) - 1; i >= 0 && drop > 0; i-- {
			k := [2]int{items[i].section, items[i].index}
			if keep[k] {
				delete(keep, k)
				drop--
			}
		}
	}
}

// relevance: 3 when the value appears in the question, else the share of
// its characters that do (粉底 in the question makes 粉底液 relevant).
func relevance(question, value string) float64 {
	if value == "" {
		return 0
	}
	if strings.Contains(question, value) {
		return 3
	}
	rs := []rune(value)
	n := 0
	for _, r := range rs {
		if strings.ContainsRune(question, r) {
			n++
		}
	}
	return float64(n) / float64(len(rs))
}
