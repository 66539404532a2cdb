package nlq

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"github.com/chatbi/chatbi/schema"
)

// Phrasing is data: every word of the fixed vocabulary (spec semantics.md and
// how marketers say it) is a line of nlq/lexicon/core.lex, and a retailer adds
// its own words in a file of the same form (CHATBI_LEXICON). A line is
//
//	KIND[=VALUE]: word word word …
//
// where KIND is one of kindNames (buy, neg, cmp=>=, measure=spend, filler, …),
// or alias=TERM to make the words mean whatever TERM means in this
// warehouse (alias=口红: 唇膏 唇釉 — TERM may be a catalog value). Blank
// lines and lines starting with # are comments.

//go:embed lexicon/core.lex
var coreLexFile []byte

// Entry is one line of a lexicon file.
type Entry struct {
	Kind  Kind   // 0 for an alias
	Val   string // the sense's value, or an alias's target term
	Alias bool
	Words []string
	File  string
	Line  int
}

// coreEntries is the embedded core lexicon, parsed once.
var coreEntries = func() []Entry {
	es, err := ParseLexicon("core.lex", coreLexFile)
	if err != nil {
		panic(err) // embedded and tested: a bad line is a build mistake
	}
	return es
}()

// ParseLexicon reads a lexicon file. Errors name the file and line.
func ParseLexicon(name string, data []byte) ([]Entry, error) {
	var out []Entry
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		head, words, ok := strings.Cut(text, ":")
		if !ok {
			// A full-width colon after the head is as good.
			if head, words, ok = strings.Cut(text, "："); !ok {
				return nil, fmt.Errorf("%s:%d: want KIND: word word …", name, line)
			}
		}
		kindName, val, _ := strings.Cut(strings.TrimSpace(head), "=")
		e := Entry{Val: val, Words: strings.Fields(words), File: name, Line: line}
		if kindName == "alias" {
			if val == "" {
				return nil, fmt.Errorf("%s:%d: alias needs a term: alias=口红: 唇膏", name, line)
			}
			e.Alias = true
		} else if k, ok := kindNames[kindName]; ok {
			e.Kind = k
			if k == KTag && !slices.Contains(schema.BehaviourTags, val) {
				return nil, fmt.Errorf("%s:%d: tag=%s: 不是行为标签（%s）", name, line, val, strings.Join(schema.BehaviourTags, "、"))
			}
		} else {
			return nil, fmt.Errorf("%s:%d: unknown kind %q", name, line, kindName)
		}
		if len(e.Words) == 0 {
			return nil, fmt.Errorf("%s:%d: no words", name, line)
		}
		for _, w := range e.Words {
			if normKey(w) == "" {
				return nil, fmt.Errorf("%s:%d: %q is empty once normalized", name, line, w)
			}
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// sense is the meaning of a (non-alias) entry's words.
func (e Entry) sense() *Sense {
	switch e.Kind {
	case KTier1:
		return &Sense{Kind: KTier1, Values: tier1Cities}
	}
	return &Sense{Kind: e.Kind, Val: e.Val}
}
