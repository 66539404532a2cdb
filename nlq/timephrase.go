package nlq

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// The time phrases of spec semantics.md, resolved to whole calendar dates
// against as_of. A window "N units" ends at as_of and starts the day after
// as_of − N units (近3个月 on 2026-11-22: 2026-08-23 … 2026-11-22).

// historyStart opens a window with no first day (注册超过一年: registered on
// or before a date); the explanation words such a window as "不晚于".
var historyStart = D(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC))

// lastN is 过去/近/最近 N 天|周|个月|季度|年: the days after as_of − N units
// up to as_of.
func lastN(asOf Date, n float64, unit string, phrase string) (*Window, error) {
	b, err := ago(asOf, n, unit)
	if err != nil {
		return nil, err
	}
	return &Window{From: b.AddDays(1), To: asOf, Phrase: phrase}, nil
}

// ago is as_of − n units. Days and weeks are whole; months, quarters and
// years are calendar months (半年 = 6 个月), and a fraction of a month is
// days (1.5个月 = 45 天).
func ago(asOf Date, n float64, unit string) (Date, error) {
	if n <= 0 || n > 100*366 {
		return asOf, fmt.Errorf("时间长度 %v 不合理", n)
	}
	whole := n == math.Trunc(n)
	switch unit {
	case "d":
		if !whole {
			return asOf, fmt.Errorf("天数必须是整数")
		}
		return asOf.AddDays(-int(n)), nil
	case "w":
		if !whole {
			return asOf, fmt.Errorf("周数必须是整数")
		}
		return asOf.AddDays(-7 * int(n)), nil
	case "m", "q", "y":
		months := n * map[string]float64{"m": 1, "q": 3, "y": 12}[unit]
		if months != math.Trunc(months) {
			return asOf.AddDays(-int(math.Round(months * 30))), nil
		}
		return asOf.AddMonths(-int(months)), nil
	}
	return asOf, fmt.Errorf("未知时间单位 %q", unit)
}

// fixedWindow is 本月, 上个月, 今年, 去年 … (KTimeFixed values).
func fixedWindow(asOf Date, name, phrase string) (*Window, error) {
	y, m, d := asOf.Date()
	day := func(y int, m time.Month, d int) Date { return D(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) }
	w := &Window{To: asOf, Phrase: phrase}
	switch name {
	case "this_month":
		w.From = day(y, m, 1)
	case "next_month": // only birthdays look ahead; purchases there are none yet
		w.From = day(y, m+1, 1)
		w.To = day(y, m+2, 1).AddDays(-1)
	case "last_month":
		w.From = day(y, m-1, 1)
		w.To = day(y, m, 1).AddDays(-1)
	case "this_year":
		w.From = day(y, 1, 1)
	case "last_year":
		w.From, w.To = day(y-1, 1, 1), day(y-1, 12, 31)
	case "year_before_last":
		w.From, w.To = day(y-2, 1, 1), day(y-2, 12, 31)
	case "this_week": // weeks start on Monday
		off := (int(asOf.Weekday()) + 6) % 7
		w.From = asOf.AddDays(-off)
	case "last_week":
		off := (int(asOf.Weekday()) + 6) % 7
		w.From, w.To = asOf.AddDays(-off-7), asOf.AddDays(-off-1)
	case "this_quarter":
		q := (int(m) - 1) / 3
		w.From = day(y, time.Month(q*3+1), 1)
	case "last_quarter":
		q := (int(m) - 1) / 3
		start := day(y, time.Month(q*3+1), 1)
		w.From, w.To = start.AddMonths(-3), start.AddDays(-1)
	case "today":
		w.From = asOf
	case "yesterday":
		w.From, w.To = asOf.AddDays(-1), asOf.AddDays(-1)
	case "all":
		return nil, nil
	default:
		_ = d
		return nil, fmt.Errorf("未知时间短语 %q", name)
	}
	return w, nil
}

// periodWindow is a half year or quarter (KPeriod values) of year, or
// without a year the latest one that has begun by as_of (like a month).
func periodWindow(asOf Date, year int, period, phrase string) (*Window, error) {
	first := map[string]int{"h1": 1, "h2": 7, "q1": 1, "q2": 4, "q3": 7, "q4": 10}[period]
	if first == 0 {
		return nil, fmt.Errorf("未知时间段 %q", period)
	}
	months := 3
	if period[0] == 'h' {
		months = 6
	}
	return monthsWindow(asOf, year, first, months, phrase)
}

// monthsWindow is the months calendar months from month first of year; with
// no year, of the latest year in which that month is not after as_of.
func monthsWindow(asOf Date, year, first, months int, phrase string) (*Window, error) {
	if year == 0 {
		year = asOf.Year()
		if first > int(asOf.Month()) {
			year--
		}
	}
	from := D(time.Date(year, time.Month(first), 1, 0, 0, 0, 0, time.UTC))
	return clip(asOf, &Window{From: from, To: from.AddMonths(months).AddDays(-1), Phrase: phrase})
}

// clip ends a calendar window at as_of: nothing after it is known as of
// that day (an as-of override in the past must not see later orders). A
// window that begins after as_of is an error, not an empty answer.
func clip(asOf Date, w *Window) (*Window, error) {
	if w.From.After(asOf.Time) {
		return nil, fmt.Errorf("从 %s 开始，晚于数据截至日期 %s", w.From, asOf)
	}
	if w.To.After(asOf.Time) {
		w.To = asOf
	}
	return w, nil
}

// monthWindow is 2026年10月, or 10月份 without a year: the latest such month
// not after as_of.
func monthWindow(asOf Date, year, month int, phrase string) (*Window, error) {
	if month < 1 || month > 12 {
		return nil, fmt.Errorf("月份 %d 不存在", month)
	}
	return monthsWindow(asOf, year, month, 1, phrase)
}

// yearWindow is 2025年: the whole calendar year (up to as_of).
func yearWindow(asOf Date, year int, phrase string) (*Window, error) {
	if year < 1900 || year > 2200 {
		return nil, fmt.Errorf("年份 %d 不合理", year)
	}
	return clip(asOf, &Window{From: D(time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)), To: D(time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)), Phrase: phrase})
}

// dayWindow is one date; a month and day without a year is the latest such
// day not after as_of.
func dayWindow(asOf Date, year, month, dd int, phrase string) (*Window, error) {
	if year == 0 {
		year = asOf.Year()
		t := time.Date(year, time.Month(month), dd, 0, 0, 0, 0, time.UTC)
		if t.After(asOf.Time) {
			year--
		}
	}
	t := time.Date(year, time.Month(month), dd, 0, 0, 0, 0, time.UTC)
	if int(t.Month()) != month || t.Day() != dd {
		return nil, fmt.Errorf("日期 %d月%d日 不存在", month, dd)
	}
	return clip(asOf, &Window{From: D(t), To: D(t), Phrase: phrase})
}

// rangeWindow is 从 A 到 B, both ends included.
func rangeWindow(asOf, from, to Date, phrase string) (*Window, error) {
	if to.Before(from.Time) {
		return nil, fmt.Errorf("结束日期 %s 早于开始日期 %s", to, from)
	}
	return clip(asOf, &Window{From: from, To: to, Phrase: phrase})
}

// festivalWindow is a shopping festival's dates, spec "MM-DD..MM-DD" (a
// lexicon value, so a retailer adds its own: festival=09-20..09-25: 周年庆).
// year 0: the latest one that has started by as_of; a running one is cut
// at as_of. A given year's must have started by as_of.
func festivalWindow(asOf Date, spec string, year int, phrase string) (*Window, error) {
	from, to, ok := strings.Cut(spec, "..")
	fm, fd, err1 := monthDay(from)
	tm, td, err2 := monthDay(to)
	if !ok || err1 != nil || err2 != nil {
		return nil, fmt.Errorf("活动日期 %q 不是 MM-DD..MM-DD", spec)
	}
	at := func(y, m, d int) Date { return D(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)) }
	y := year
	if y == 0 {
		y = asOf.Year()
		if at(y, fm, fd).After(asOf.Time) {
			y--
		}
	}
	w := &Window{From: at(y, fm, fd), To: at(y, tm, td), Phrase: phrase}
	if w.To.Before(w.From.Time) { // a festival across new year
		w.To = at(y+1, tm, td)
	}
	if w.From.After(asOf.Time) {
		return nil, fmt.Errorf("%s还没有开始（数据截至 %s）", phrase, asOf)
	}
	if w.To.After(asOf.Time) {
		w.To = asOf
	}
	return w, nil
}

func monthDay(s string) (int, int, error) {
	t, err := time.Parse("01-02", strings.TrimSpace(s))
	if err != nil {
		return 0, 0, err
	}
	return int(t.Month()), t.Day(), nil
}
