package nlq

// Time rules: relative windows, calendar phrases, date ranges, festivals.

import (
	"math"
	"strings"
)

func (p *parser) setWindow(w *Window) {
	if w == nil {
		return
	}
	if p.window == nil {
		p.window = w
	}
	p.curWindow = w
	p.windows = append(p.windows, w)
}

// takeWindow consumes the n tokens a time rule read: the window they state,
// or, when err says it cannot be (a date past as_of, 13月), an unplaced
// span naming why. It reports whether a window was taken.
func (p *parser) takeWindow(w *Window, err error, n int) bool {
	if err != nil {
		p.unplace(n, err.Error(), nil)
		return false
	}
	p.setWindow(w)
	p.pos += n
	return true
}

// phrase is the original text of tokens [pos, pos+n).
func (p *parser) phrase(n int) string {
	a, b := p.tok(0), p.tok(n-1)
	return p.text.Slice(p.text.OrigSpan(a.I, b.J))
}

func isInt(f float64) bool { return f == math.Trunc(f) }

// ---- time --------------------------------------------------------------

// timePhrase: 近3个月, 过去15天, 最近一周, 近半年, 本月, 上个月, 今年, 去年,
// 2026年10月, 10月份, 11月11日, 从2026-09-01到2026-10-31, 2026-09-01以来.
func (p *parser) timePhrase() bool {
	t := p.tok(0)
	var w *Window
	var err error
	n := 0
	switch t.Kind {
	case KTimeRel, KTop:
		off, num := 1, 1.0
		if p.kind(1) == KNum {
			num, off = p.tok(1).Num, 2
		} else if t.Kind == KTop {
			return false
		}
		unit := ""
		switch u := p.tok(off); u.Kind {
		case KTimeUnit:
			unit = u.Val()
		case KYear:
			unit = "y"
		case KMonthMark:
			unit = "m"
		}
		if unit == "" {
			return false
		}
		n = off + 1
		w, err = lastN(p.asOf, num, unit, p.phrase(n))
	case KCmp:
		// 超过半年没有购买 = nothing bought in the last half year.
		if v := t.Val(); (v != ">" && v != ">=") || p.kind(1) != KNum {
			return false
		}
		unit := p.unitAt(2)
		if unit == "" || !p.negPurchaseAhead(3) {
			return false
		}
		n = 3
		w, err = lastN(p.asOf, p.tok(1).Num, unit, p.phrase(3))
	case KNum:
		if p.kind(1) == KYear && p.kind(2) == KFestival && isInt(t.Num) && t.Num >= 1990 && t.Num <= 2100 {
			n = 3 // 2025年双十一
			w, err = festivalWindow(p.asOf, p.tok(2).Val(), int(t.Num), p.phrase(3))
			break
		}
		// 半年以上没有购买 (as 超过半年没有购买), else a date or month.
		if unit := p.unitAt(1); unit != "" && p.kind(2) == KPostCmp && p.tok(2).Val() == ">=" && p.negPurchaseAhead(3) {
			n = 3
			w, err = lastN(p.asOf, t.Num, unit, p.phrase(3))
			break
		}
		return p.dateRange() || p.calendar()
	case KTimeFixed:
		n = 1
		if back, ok := map[string]int{"this_year": 0, "last_year": 1, "year_before_last": 2}[t.Val()]; ok && p.kind(1) == KPeriod {
			n = 2 // 今年上半年, 去年第四季度
			w, err = periodWindow(p.asOf, p.asOf.Year()-back, p.tok(1).Val(), p.phrase(2))
			break
		} else if ok && p.kind(1) == KFestival {
			n = 2 // 去年双十一
			w, err = festivalWindow(p.asOf, p.tok(1).Val(), p.asOf.Year()-back, p.phrase(2))
			break
		} else if m := p.tok(1).Num; ok && p.kind(1) == KNum && p.kind(2) == KMonthMark && isInt(m) {
			n = 3 // 今年7月, 去年12月: that year's month
			w, err = monthWindow(p.asOf, p.asOf.Year()-back, int(m), p.phrase(3))
			break
		}
		w, err = fixedWindow(p.asOf, t.Val(), p.phrase(1))
		if t.Val() == "all" && p.purchaseAhead(1) { // 历史上买过
			p.buy.pastNext, p.buy.pastAll = true, true
		}
	case KPeriod:
		n = 1
		w, err = periodWindow(p.asOf, 0, t.Val(), p.phrase(1))
	case KFestival:
		n = 1
		w, err = festivalWindow(p.asOf, t.Val(), 0, p.phrase(1))
	case KFrom, KDate:
		return p.dateRange()
	default:
		return false
	}
	if !p.takeWindow(w, err, n) {
		return true
	}
	if p.kind(0) == KSince { // 今年以来, 近3个月以来
		p.pos++
	}
	return true
}

// calendar: 2026年, 2026年10月, 10月(份), 11月11日, 3个月内.
func (p *parser) calendar() bool {
	a := p.tok(0)
	var w *Window
	var err error
	n := 0
	switch {
	case p.kind(1) == KTimeUnit && strings.HasSuffix(p.tok(1).Text, "内"): // 3个月内
		n = 2
		w, err = lastN(p.asOf, a.Num, p.tok(1).Val(), p.phrase(2))
	case p.kind(1) == KYear && isInt(a.Num) && a.Num >= 1900 && a.Num <= 2200:
		switch {
		case p.kind(2) == KNum && p.kind(3) == KMonthMark:
			n = 4
			w, err = monthWindow(p.asOf, int(a.Num), int(p.tok(2).Num), p.phrase(4))
		case p.kind(2) == KPeriod: // 2026年第三季度
			n = 3
			w, err = periodWindow(p.asOf, int(a.Num), p.tok(2).Val(), p.phrase(3))
		default:
			n = 2
			w, err = yearWindow(p.asOf, int(a.Num), p.phrase(2))
		}
	case p.kind(1) == KMonthMark && isInt(a.Num):
		if p.kind(2) == KNum && (p.kind(3) == KDayMark || (p.kind(3) == KTimeUnit && p.tok(3).Text == "日")) {
			n = 4
			w, err = dayWindow(p.asOf, 0, int(a.Num), int(p.tok(2).Num), p.phrase(4))
		} else {
			n = 2
			w, err = monthWindow(p.asOf, 0, int(a.Num), p.phrase(2))
		}
	default:
		return false
	}
	p.takeWindow(w, err, n)
	return true
}

// dateRange: [从] D1 (到|至|-) D2 | D1 以来 | D1 之前 | D1 (one day).
func (p *parser) dateRange() bool {
	off := 0
	if p.kind(0) == KFrom {
		off = 1
	}
	from, k, ok := p.dateAt(off)
	if !ok {
		return false
	}
	var w *Window
	var err error
	n := off + k
	if p.kind(n) == KTo {
		if to, k2, ok := p.dateAt(n + 1); ok {
			n += 1 + k2
			w, err = rangeWindow(p.asOf, from, to, p.phrase(n))
		}
	}
	switch {
	case w != nil || err != nil:
	case p.kind(n) == KSince:
		n++
		w, err = rangeWindow(p.asOf, from, p.asOf, p.phrase(n))
	case p.kind(n) == KBefore:
		n++
		w, err = rangeWindow(p.asOf, D(from.AddDate(-100, 0, 0)), from.AddDays(-1), p.phrase(n))
	case p.kind(0) == KFrom || p.kind(off) == KDate:
		w, err = rangeWindow(p.asOf, from, from, p.phrase(n))
	default:
		return false // 11月11日 alone is calendar()'s
	}
	p.takeWindow(w, err, n)
	return true
}

// dateAt reads a date at off: 2026-09-01, 2026年9月1日, or 9月1日 (the
// latest such day not after as_of).
func (p *parser) dateAt(off int) (Date, int, bool) {
	if p.kind(off) == KDate {
		return p.tok(off).Date, 1, true
	}
	if p.kind(off) == KNum && p.kind(off+1) == KMonthMark && p.kind(off+2) == KNum &&
		(p.kind(off+3) == KDayMark || (p.kind(off+3) == KTimeUnit && p.tok(off+3).Text == "日")) {
		w, err := dayWindow(p.asOf, 0, int(p.tok(off).Num), int(p.tok(off+2).Num), "")
		if err != nil {
			return Date{}, 0, false
		}
		return w.From, 4, true
	}
	return Date{}, 0, false
}
