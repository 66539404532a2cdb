package nlq

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/chatbi/chatbi/schema"
)

// MaxQuestionRunes is the longest question accepted (spec api.md).
const MaxQuestionRunes = 500

// Errors for questions that are not questions.
var (
	ErrEmpty   = errors.New("问题为空")
	ErrTooLong = fmt.Errorf("问题超过 %d 个字", MaxQuestionRunes)
	ErrNotUTF8 = errors.New("问题不是合法的 UTF-8 文本")
)

// Engine parses questions for one warehouse catalog.
type Engine struct {
	Catalog *schema.Catalog
	Lex     *Lexicon
	sets    catalogSets
}

// NewEngine builds the lexicon from the catalog.
func NewEngine(cat *schema.Catalog) *Engine {
	return &Engine{Catalog: cat, Lex: NewLexicon(cat), sets: newCatalogSets(cat)}
}

// Parse turns a question into a Plan resolved against asOf. With prev (the
// conversation's last Plan), a follow-up question edits a copy of it.
// Errors: ErrEmpty, ErrTooLong, ErrNotUTF8 for input that is not a
// question; *UnplacedError when any span could not be placed (the caller
// answers clarify and runs nothing).
func (e *Engine) Parse(question string, asOf Date, prev *Plan) (*Plan, error) {
	if !utf8.ValidString(question) {
		return nil, ErrNotUTF8
	}
	n := utf8.RuneCountInString(question)
	if n > MaxQuestionRunes {
		return nil, ErrTooLong
	}
	text := Normalize(question)
	if len(text.Runes) == 0 {
		return nil, ErrEmpty
	}
	p := &parser{text: text, toks: e.Lex.Lex(text), asOf: asOf, lex: e.Lex}
	if prev != nil {
		p.asOf = prev.AsOf
	}
	p.run()
	if p.pendingOr || p.exclude {
		p.errs.add(Unplaced{Span: Span{n, n}, Text: "", Reason: "句子在“或/排除”之后没有说完"})
	}
	if len(p.errs.List) > 0 {
		p.errs.Question = question
		return nil, &p.errs
	}
	if !p.content && !(p.follow && prev != nil && (p.window != nil || p.replace)) {
		return nil, &UnplacedError{Question: question, List: []Unplaced{{Span: Span{0, n}, Text: question,
			Reason: "没有识别到任何查询条件或要查的内容", Suggestions: ExampleQuestions}}}
	}
	plan := p.plan()
	if prev != nil && p.follow {
		plan = mergeFollowUp(prev, plan, p)
	}
	if err := e.Check(plan); err != nil {
		return nil, err
	}
	return plan, nil
}

// ExampleQuestions are shown when a question could not be read at all.
var ExampleQuestions = []string{
	"过去3个月买过口红没买过粉底液的重要价值客户",
	"各RFM分群的客户数",
	"近一年消费超过3000元的客户有多少",
	"沉默客户中买过面霜的",
}

// plan assembles the parser's findings into a Plan.
func (p *parser) plan() *Plan {
	pl := &Plan{AsOf: p.asOf, Window: p.window, Notes: p.notes}
	pl.GroupBy = p.group
	// Conditions that used the sentence's first window share it (nil); a
	// condition under a later, different phrase keeps its own.
	for _, n := range p.conds {
		Walk(n, func(x *Node) {
			if x.Cond != nil && x.Cond.Window == p.window {
				x.Cond.Window = nil
			}
		})
	}
	pl.Filter = And(p.conds...)
	pl.Sort, pl.Limit = p.sort, p.limit
	switch {
	case p.group != "":
		pl.Answer = AnswerTable
		pl.Measures = dedupe(p.measures)
		if len(pl.Measures) == 0 {
			pl.Measures = []string{"customers"}
		}
	case len(p.measures) > 0 && p.answer != AnswerCustomers:
		pl.Answer = AnswerCount
		pl.Measures = dedupe(p.measures)
	case p.answer == AnswerCount:
		pl.Answer = AnswerCount
	default:
		pl.Answer = AnswerCustomers
	}
	if pl.Answer != AnswerCustomers && pl.Answer != AnswerTable {
		if pl.Limit > 0 {
			// 前10名有多少: the count of a top list is its size; keep the list.
			pl.Answer = AnswerCustomers
		}
	}
	return pl
}

func dedupe(xs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
