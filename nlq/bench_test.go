package nlq

import "testing"

// BenchmarkParseCompile: the rule parser and compiler on the seed question.
func BenchmarkParseCompile(b *testing.B) {
	e, _ := publicEngine(b)
	q := "过去3个月买过口红没买过粉底液的重要价值客户"
	b.ReportAllocs()
	for b.Loop() {
		p, err := e.Parse(q, asOf, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.Compile(p, Page{Limit: 50}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLexicon: building the lexicon from a catalog (once per warehouse).
func BenchmarkLexicon(b *testing.B) {
	e, _ := publicEngine(b)
	for b.Loop() {
		NewLexicon(e.Catalog)
	}
}
