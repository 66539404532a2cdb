package nlq

import (
	"strings"
)

// Saved lists (保存为人群): "在「双11召回名单」里近30天没下单的". The names are the
// asker's own, so they are not in the lexicon: ParseWith finds them in the
// normalized text and turns the tokens they cover into one KCohort token.

// markCohorts replaces the tokens exactly covering a cohort's name
// (longest names first) with one KCohort token.
func markCohorts(toks []Token, text Text, cohorts []Cohort) []Token {
	if len(cohorts) == 0 {
		return toks
	}
	norm := string(text.Runes)
	names := make([]string, 0, len(cohorts))
	for _, c := range cohorts {
		names = append(names, c.Name)
	}
	// Longest first, so 双11召回名单 wins over 双11.
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if len([]rune(names[j])) > len([]rune(names[i])) {
				names[i], names[j] = names[j], names[i]
			}
		}
	}
	for _, name := range names {
		key := string(Normalize(name).Runes)
		if key == "" {
			continue
		}
		for from := 0; ; {
			k := strings.Index(norm[from:], key)
			if k < 0 {
				break
			}
			a := len([]rune(norm[:from+k]))
			b := a + len([]rune(key))
			from += k + len(key)
			first, last := -1, -1
			for i, t := range toks {
				if t.I == a {
					first = i
				}
				if t.J == b {
					last = i
				}
			}
			if first < 0 || last < first || toks[first].Kind == KCohort {
				continue // not on token boundaries: not this name
			}
			t := Token{Kind: KCohort, Sense: &Sense{Kind: KCohort, Val: name}, I: a, J: b, Text: key}
			toks = append(toks[:first], append([]Token{t}, toks[last+1:]...)...)
		}
	}
	return toks
}

// cohort: a saved list's name is a condition on its customers.
func (p *parser) cohort() bool {
	t := p.tok(0)
	if t.Kind != KCohort {
		return false
	}
	for _, c := range p.cohorts {
		if c.Name == t.Val() {
			p.pos++
			p.content = true
			p.add(leaf(&Cond{Kind: CondCohort, Values: []string{c.Name}, IDs: c.IDs}))
			return true
		}
	}
	return false
}
