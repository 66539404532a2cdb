package insight

import (
	"fmt"
	"math"
	"strings"
)

// Summary is the analysis in two Chinese sentences: the metric then and
// now, then the group that drove it (or that none stands out).
func (r Result) Summary() string {
	m := r.Metric
	var b strings.Builder
	verb := "没有变化"
	switch {
	case r.Change > 0:
		verb = "上升"
		if !m.Rate {
			verb = "增加"
		}
	case r.Change < 0:
		verb = "下降"
		if !m.Rate {
			verb = "减少"
		}
	}
	fmt.Fprintf(&b, "%s从 %s 的 %s %s到 %s 的 %s（%s）。", m.Name, r.From, r.show(r.Before), verb, r.To, r.show(r.After), r.delta(r.Change))
	if len(r.Drivers) == 0 || r.Change == 0 {
		return b.String()
	}
	d := r.Drivers[0]
	if !r.StandsOut {
		b.WriteString("各分组大体按同样的比例变化，没有哪个分组特别突出。")
		return b.String()
	}
	inside := "的" + m.Name // 这部分客户的流失率
	if !m.Rate {
		inside = "中" + m.Name // 这部分客户中流失客户
	}
	more := "多"
	if d.Excess < 0 {
		more = "少"
	}
	fmt.Fprintf(&b, "其中「%s」变化最反常：这部分客户%s从 %s 变为 %s，比按整体同比例变化的预期%s %d 人，贡献了 %s（占变化的 %.0f%%）。",
		d.Label(), inside, r.show(d.Before), r.show(d.After), more, int64(math.Round(math.Abs(d.Excess))), r.delta(d.Contribution), 100*d.Share)
	return b.String()
}

// show is a metric value: a percent for a rate, customers for a count.
func (r Result) show(v float64) string {
	if r.Metric.Rate {
		return fmt.Sprintf("%.1f%%", 100*v)
	}
	return fmt.Sprintf("%d 人", int64(math.Round(v)))
}

// delta is a signed change: percentage points for a rate, customers for a count.
func (r Result) delta(v float64) string {
	if r.Metric.Rate {
		return fmt.Sprintf("%+.1f 个百分点", 100*v)
	}
	return fmt.Sprintf("%+d 人", int64(math.Round(v)))
}

// Table is the drivers as an answer table. Rates stay fractions (columns
// named …率 are shown as percents by the page); contributions to a rate are
// in percentage points, as their column says.
func (r Result) Table() (columns []string, rows [][]any) {
	m := r.Metric
	unit := "（人）"
	if m.Rate {
		unit = "（百分点）"
	}
	// The contribution last: the page charts the last column.
	columns = []string{"分组", r.From + " " + m.Name, r.To + " " + m.Name, "超出同比例预期（人）", "其中比例变化" + unit, "其中人数结构变化" + unit, "贡献占比", "贡献" + unit}
	if !m.Rate {
		columns[1], columns[2] = r.From+" 人数", r.To+" 人数"
	}
	scale := 1.0
	if m.Rate {
		scale = 100
	}
	round := func(v float64, digits int) float64 {
		p := math.Pow(10, float64(digits))
		return math.Round(v*p) / p
	}
	for _, d := range r.Drivers {
		before, after := any(round(d.Before, 4)), any(round(d.After, 4))
		if !m.Rate {
			before, after = int64(math.Round(d.Before)), int64(math.Round(d.After))
		}
		rows = append(rows, []any{d.Label(), before, after, int64(math.Round(d.Excess)), round(scale*d.RateEffect, 2),
			round(scale*d.MixEffect, 2), round(d.Share, 4), round(scale*d.Contribution, 2)})
	}
	return columns, rows
}
