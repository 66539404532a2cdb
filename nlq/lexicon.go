package nlq

import (
	"fmt"
	"sort"
	"strings"

	"github.com/chatbi/chatbi/schema"
)

// Sense is what a surface means.
type Sense struct {
	Kind    Kind
	Val     string    // the stored value or the vocabulary value (measure key, cmp…)
	Item    *ItemTerm // for KItem: the term and where the warehouse has it
	Values  []string  // for KTier1: the cities
	Catalog bool      // came from the warehouse, not the fixed vocabulary
}

// Lexicon maps normalized surfaces to senses with a rune trie, so the lexer
// finds the longest known word at each position in one walk.
type Lexicon struct {
	root  *trieNode
	terms []string // catalog surfaces, for suggestions
	keys  []string // their normalized forms
	cat   *schema.Catalog
}

type trieNode struct {
	next  map[rune]*trieNode
	sense *Sense
}

// NewLexicon builds the lexicon for a warehouse: the fixed vocabulary, then
// every value the catalog holds with its common variants (a trailing 市 or
// 省, an RFM class without 客户 or with 用户/会员).
func NewLexicon(cat *schema.Catalog) *Lexicon {
	l, _ := newLexicon(cat, nil)
	return l
}

// newLexicon builds the lexicon from the core entries, a retailer's extra
// entries and the catalog; an alias whose term means nothing is an error.
func newLexicon(cat *schema.Catalog, extra []Entry) (*Lexicon, error) {
	l := &Lexicon{root: &trieNode{}, cat: cat}
	var aliases []Entry
	for _, e := range append(append([]Entry{}, coreEntries...), extra...) {
		if e.Alias {
			aliases = append(aliases, e)
			continue
		}
		for _, w := range e.Words {
			l.add(w, e.sense())
		}
	}
	if cat != nil {
		l.addCatalogValues(cat)
	}
	for _, e := range aliases {
		n := l.node(e.Val, false)
		if n == nil || n.sense == nil {
			return l, fmt.Errorf("%s:%d: alias=%s: 「%s」在词库和仓库中都没有", e.File, e.Line, e.Val, e.Val)
		}
		for _, w := range e.Words {
			l.add(w, n.sense)
		}
	}
	return l, nil
}

// addCatalogValues adds every value the warehouse holds, with variants.
func (l *Lexicon) addCatalogValues(cat *schema.Catalog) {
	// Segment names from the model in force, with their variants.
	segSuffixes := []string{"用户", "会员", "顾客", "人群", "客群", "群体"}
	for _, c := range cat.Model.RFM {
		for _, name := range append([]string{c.Name}, c.Synonyms...) {
			l.addCatalog(name, &Sense{Kind: KRFM, Val: c.Name})
			if stem, ok := strings.CutSuffix(name, "客户"); ok && len([]rune(stem)) >= 2 {
				l.addCatalog(stem, &Sense{Kind: KRFM, Val: c.Name})
				for _, s := range segSuffixes {
					l.addCatalog(stem+s, &Sense{Kind: KRFM, Val: c.Name})
				}
			}
		}
	}
	for _, st := range cat.Model.Lifecycle.Stages() {
		for _, name := range append([]string{st.Name}, st.Synonyms...) {
			l.addCatalog(name, &Sense{Kind: KLifecycle, Val: st.Name})
			if stem, ok := strings.CutSuffix(name, "客户"); ok {
				for _, s := range segSuffixes {
					l.addCatalog(stem+s, &Sense{Kind: KLifecycle, Val: st.Name})
				}
			}
		}
	}
	for _, w := range []string{schema.PotentialName, "高潜力用户", "高潜力会员", "高潜客户", "高潜力"} {
		l.addCatalog(w, &Sense{Kind: KPotential, Val: schema.PotentialName})
	}
	for _, v := range cat.Cities {
		l.addCatalog(v, &Sense{Kind: KCity, Val: v})
		l.addCatalog(v+"市", &Sense{Kind: KCity, Val: v})
	}
	for _, v := range cat.Provinces {
		l.addCatalog(v, &Sense{Kind: KProvince, Val: v})
		l.addCatalog(v+"省", &Sense{Kind: KProvince, Val: v})
	}
	for _, v := range cat.MemberLevels {
		l.addCatalog(v, &Sense{Kind: KLevel, Val: v})
		l.addCatalog(v+"会员", &Sense{Kind: KLevel, Val: v})
	}
	for _, v := range append(append([]string{}, cat.Channels...), cat.RegisterChannels...) {
		l.addCatalog(v, &Sense{Kind: KChannel, Val: v})
	}
	items := []struct {
		kind ItemKind
		vals []string
	}{{ItemCategory, cat.Categories}, {ItemCategoryL1, cat.CategoriesL1}, {ItemBrand, cat.Brands}, {ItemProduct, cat.Products}}
	for _, it := range items {
		for _, v := range it.vals {
			l.addCatalog(v, &Sense{Kind: KItem, Item: &ItemTerm{Value: v, Kinds: []ItemKind{it.kind}}})
		}
	}
	// 护肤品, 彩妆类, 香水类产品: a category word with a generic suffix. Added
	// after the values themselves so a real value always wins.
	for _, it := range items[:2] {
		for _, v := range it.vals {
			for _, suf := range []string{"品", "类", "类产品", "产品", "类商品", "系列"} {
				l.addCatalog(v+suf, &Sense{Kind: KItem, Item: &ItemTerm{Value: v, Kinds: []ItemKind{it.kind}}})
			}
		}
	}
	// Suggestions are the canonical values, not their variants.
	for _, c := range cat.Model.RFM {
		l.terms = append(l.terms, c.Name)
	}
	for _, st := range cat.Model.Lifecycle.Stages() {
		l.terms = append(l.terms, st.Name)
	}
	for _, vals := range [][]string{cat.Categories, cat.CategoriesL1, cat.Brands, cat.Products, cat.Cities,
		cat.Provinces, cat.MemberLevels, cat.Channels, cat.RegisterChannels} {
		l.terms = append(l.terms, vals...)
	}
	sort.Strings(l.terms)
	for _, t := range l.terms {
		l.keys = append(l.keys, normKey(t))
	}
}

func (l *Lexicon) node(surface string, create bool) *trieNode {
	n := l.root
	for _, r := range normKey(surface) {
		nx := n.next[r]
		if nx == nil {
			if !create {
				return nil
			}
			if n.next == nil {
				n.next = map[rune]*trieNode{}
			}
			nx = &trieNode{}
			n.next[r] = nx
		}
		n = nx
	}
	return n
}

// add puts a vocabulary word; the first sense of a surface stays.
// Knows reports whether the word as a whole is already in the lexicon (a
// new sense for it would not take: the first one stays).
func (l *Lexicon) Knows(word string) bool {
	n := l.node(word, false)
	return n != nil && n.sense != nil
}

func (l *Lexicon) add(surface string, s *Sense) {
	n := l.node(surface, true)
	if n.sense == nil {
		n.sense = s
	}
}

// addCatalog puts a warehouse value. It may take over a filler or a
// who-word (the retailer's data teaches the parser), never a grammar word;
// the same item value found as several kinds (a brand that is also a
// category) becomes one term with every kind, as spec semantics.md matches.
func (l *Lexicon) addCatalog(surface string, s *Sense) {
	if normKey(surface) == "" {
		return
	}
	s.Catalog = true
	n := l.node(surface, true)
	switch {
	case n.sense == nil || n.sense.Kind == KFiller || n.sense.Kind == KWho:
		n.sense = s
	case n.sense.Kind == KItem && s.Kind == KItem && n.sense.Catalog:
		for _, k := range s.Item.Kinds {
			if !hasKind(n.sense.Item.Kinds, k) {
				n.sense.Item.Kinds = append(n.sense.Item.Kinds, k)
			}
		}
	}
}

func hasKind(ks []ItemKind, k ItemKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// longest returns the longest known word starting at rs[i] and its length.
func (l *Lexicon) longest(rs []rune, i int) (*Sense, int) {
	n := l.root
	var best *Sense
	bestLen := 0
	for j := i; j < len(rs); j++ {
		n = n.next[rs[j]]
		if n == nil {
			break
		}
		if n.sense != nil {
			best, bestLen = n.sense, j-i+1
		}
	}
	return best, bestLen
}

// Suggest returns up to n catalog terms closest to an unknown span: terms
// that contain it, are contained in it, or share the most characters.
func (l *Lexicon) Suggest(span string, n int) []string {
	span = normKey(span)
	if span == "" {
		return nil
	}
	type scored struct {
		term  string
		score float64
	}
	var out []scored
	seen := map[string]bool{}
	sr := []rune(span)
	for i, t := range l.terms {
		if seen[t] {
			continue
		}
		k := l.keys[i]
		var sc float64
		switch {
		case strings.Contains(k, span):
			sc = 3 + float64(len(sr))/float64(len([]rune(k)))
		case strings.Contains(span, k) && len([]rune(k)) >= 2:
			sc = 2 + float64(len([]rune(k)))/float64(len(sr))
		default:
			common := 0
			for _, r := range sr {
				if strings.ContainsRune(k, r) {
					common++
				}
			}
			if common*2 < len(sr) || common < 1 {
				continue
			}
			sc = float64(common) / float64(len(sr)+len([]rune(k)))
		}
		seen[t] = true
		out = append(out, scored{t, sc})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
	var res []string
	for i := 0; i < len(out) && i < n; i++ {
		res = append(res, out[i].term)
	}
	return res
}
