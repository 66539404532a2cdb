package nlq

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// Text is a normalized question: runes to match against, and for each rune
// its offset in the original question, so every span reported back points
// at what the marketer typed.
type Text struct {
	Runes []rune
	Pos   []int // rune offset in the original question
	Orig  []rune
}

// Span is a half-open range of rune offsets in the original question.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Normalize folds full-width forms to half-width (３个月 → 3个月, ，→ ,),
// lower-cases Latin letters (TOP 10 → top10), unifies dashes and tildes, and
// drops white space (Chinese does not use it between words; "top 10" and
// "近 3 个月" mean what they mean without it) and the invisible format
// characters (category Cf) that pasted text carries.
func Normalize(q string) Text {
	orig := []rune(q)
	t := Text{Orig: orig, Runes: make([]rune, 0, len(orig)), Pos: make([]int, 0, len(orig))}
	for i, r := range orig {
		if unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		f := r
		if r >= 0x2000 { // ASCII and CJK ideographs need no folding
			if w := width.LookupRune(r).Folded(); w != 0 {
				f = w
			}
		}
		switch f {
		case '—', '–', '－', '‐', '−':
			f = '-'
		case '〜', '～':
			f = '~'
		}
		if f < 0x80 {
			if 'A' <= f && f <= 'Z' {
				f += 'a' - 'A'
			}
		} else {
			f = unicode.ToLower(f)
		}
		t.Runes = append(t.Runes, f)
		t.Pos = append(t.Pos, i)
	}
	return t
}

// StripFormat removes the invisible format characters (Unicode category
// Cf: zero-width space and joiners, soft hyphen, BOM, bidi controls) that
// pasted text carries: they must not split a term the rules would match,
// nor smuggle anything unseen to the model.
func StripFormat(q string) string {
	if !strings.ContainsFunc(q, func(r rune) bool { return unicode.Is(unicode.Cf, r) }) {
		return q
	}
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, q)
}

// normKey normalizes a lexicon surface the same way a question is.
func normKey(s string) string {
	return string(Normalize(s).Runes)
}

// OrigSpan maps a range of normalized runes [i, j) back to the question.
func (t Text) OrigSpan(i, j int) Span {
	if i >= len(t.Pos) {
		return Span{len(t.Orig), len(t.Orig)}
	}
	end := len(t.Orig)
	if j < len(t.Pos) {
		end = t.Pos[j]
	}
	// Trailing spaces between the span and the next rune are not part of it.
	for end > t.Pos[i] && unicode.IsSpace(t.Orig[end-1]) {
		end--
	}
	return Span{t.Pos[i], end}
}

// Slice returns the original text of a span.
func (t Text) Slice(s Span) string {
	if s.Start < 0 || s.End > len(t.Orig) || s.Start > s.End {
		return ""
	}
	return strings.TrimSpace(string(t.Orig[s.Start:s.End]))
}
