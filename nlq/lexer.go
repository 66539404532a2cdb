package nlq

import (
	"strconv"
	"strings"
	"time"
)

// Token is one word of a normalized question.
type Token struct {
	Kind  Kind
	Sense *Sense  // the lexicon's meaning (nil for numbers, dates, unknown)
	Num   float64 // KNum
	Date  Date    // KDate
	I, J  int     // normalized rune range [I, J)
	Text  string  // the normalized surface
}

// Val is the sense's value ("" when none).
func (t Token) Val() string {
	if t.Sense == nil {
		return ""
	}
	return t.Sense.Val
}

// Lex splits a normalized question into tokens: at each position the
// longest of a date, a number and a lexicon word wins (a word on a tie, so
// 一线城市 and 一般 are words, not the number one). Runs of characters that
// are none of these become one KUnknown token each.
func (l *Lexicon) Lex(t Text) []Token {
	rs := t.Runes
	var toks []Token
	unk := -1
	flushUnknown := func(i int) {
		if unk >= 0 {
			toks = append(toks, Token{Kind: KUnknown, I: unk, J: i, Text: string(rs[unk:i])})
			unk = -1
		}
	}
	for i := 0; i < len(rs); {
		if d, n := lexDate(rs, i); n > 0 {
			flushUnknown(i)
			toks = append(toks, Token{Kind: KDate, Date: d, I: i, J: i + n, Text: string(rs[i : i+n])})
			i += n
			continue
		}
		num, nn := lexNumber(rs, i)
		s, sn := l.longest(rs, i)
		switch {
		case sn > 0 && sn >= nn && !(s.Kind == KFestival && sn == nn && unitAfter(rs, i+sn)):
			// (618元 and 1111次 are amounts, not festivals)
			flushUnknown(i)
			toks = append(toks, Token{Kind: s.Kind, Sense: s, I: i, J: i + sn, Text: string(rs[i : i+sn])})
			i += sn
		case nn > 0:
			flushUnknown(i)
			toks = append(toks, Token{Kind: KNum, Num: num, I: i, J: i + nn, Text: string(rs[i : i+nn])})
			i += nn
		default:
			if unk < 0 {
				unk = i
			}
			i++
		}
	}
	flushUnknown(len(rs))
	return toks
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// unitAfter reports a unit of amount at rs[i] (元 块 次 单 笔 岁 % 件 天 个).
func unitAfter(rs []rune, i int) bool {
	return i < len(rs) && strings.ContainsRune("元块次单笔岁%件天个位名", rs[i])
}

// lexDate reads 2026-09-03, 2026/9/3, 2026.9.3 or 2026年9月3日 (号).
func lexDate(rs []rune, i int) (Date, int) {
	j := i
	digits := func(min, max int) (int, bool) {
		k := j
		for k < len(rs) && isDigit(rs[k]) && k-j < max {
			k++
		}
		if k-j < min || (k < len(rs) && isDigit(rs[k])) {
			return 0, false
		}
		v, _ := strconv.Atoi(string(rs[j:k]))
		j = k
		return v, true
	}
	y, ok := digits(4, 4)
	if !ok || j >= len(rs) {
		return Date{}, 0
	}
	sep := rs[j]
	if !strings.ContainsRune("-/.年", sep) {
		return Date{}, 0
	}
	j++
	m, ok := digits(1, 2)
	if !ok || j >= len(rs) {
		return Date{}, 0
	}
	want := sep
	if sep == '年' {
		want = '月'
	}
	if rs[j] != want {
		return Date{}, 0
	}
	j++
	d, ok := digits(1, 2)
	if !ok {
		return Date{}, 0
	}
	if sep == '年' && j < len(rs) && (rs[j] == '日' || rs[j] == '号') {
		j++
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return Date{}, 0 // 2026-02-30 is not a date
	}
	return Date{t}, j - i
}

var cnDigits = map[rune]float64{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
var cnUnits = map[rune]float64{'十': 10, '百': 100, '千': 1000}

// lexNumber reads an Arabic number with an optional multiplier (3, 1.5,
// 2千, 1.5万, 3k, 2w) or a Chinese numeral (三, 十五, 三十五, 两千, 一万, 半).
func lexNumber(rs []rune, i int) (float64, int) {
	if i >= len(rs) {
		return 0, 0
	}
	if isDigit(rs[i]) {
		j := i
		for j < len(rs) && isDigit(rs[j]) {
			j++
		}
		if j+1 < len(rs) && rs[j] == '.' && isDigit(rs[j+1]) {
			j++
			for j < len(rs) && isDigit(rs[j]) {
				j++
			}
		}
		v, err := strconv.ParseFloat(string(rs[i:j]), 64)
		if err != nil {
			return 0, 0
		}
		if j < len(rs) {
			switch rs[j] {
			case '千', 'k':
				return v * 1000, j - i + 1
			case '万', 'w':
				return v * 10000, j - i + 1
			case '百':
				return v * 100, j - i + 1
			}
		}
		return v, j - i
	}
	if rs[i] == '半' {
		return 0.5, 1
	}
	// Chinese numerals: sections of digit×unit, an optional 万 multiplier.
	j := i
	var total, section, digit float64
	seen := false
	for j < len(rs) {
		r := rs[j]
		if d, ok := cnDigits[r]; ok {
			digit = d
			seen = true
			j++
			continue
		}
		if u, ok := cnUnits[r]; ok {
			if digit == 0 && u == 10 && !seen {
				digit = 1 // 十五 = 15
			}
			if digit == 0 && !seen {
				break
			}
			section += digit * u
			digit = 0
			seen = true
			j++
			continue
		}
		if r == '万' && seen {
			total += (section + digit) * 10000
			section, digit = 0, 0
			j++
			continue
		}
		break
	}
	if !seen {
		return 0, 0
	}
	return total + section + digit, j - i
}
