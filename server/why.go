package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/chatbi/chatbi/nlq"
	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/server/insight"
)

// Insight is what a why answer found, beside its drivers table.
type Insight struct {
	Metric    string  `json:"metric"` // 流失率, 流失客户 …
	Rate      bool    `json:"rate"`   // Before/After are fractions; else customers
	From      string  `json:"from"`
	To        string  `json:"to"`
	Before    float64 `json:"before"`
	After     float64 `json:"after"`
	Change    float64 `json:"change"`
	StandsOut bool    `json:"stands_out"` // a group explains the change beyond chance and size
	Summary   string  `json:"summary"`    // two Chinese sentences
}

// answerWhy answers a why plan from the two snapshots' customer sets
// (server/insight), and keeps as the conversation's plan the top driver's
// customers, so that "这些客户有哪些" lists them.
func (s *Service) answerWhy(ctx context.Context, v *view, plan *nlq.Plan, ans *Answer) (convPlan *nlq.Plan, err error) {
	w := plan.Why
	m := whyMetric(w, v.Engine.Catalog)
	s0, s1, err := insight.Load(ctx, v.Exec.DB(), w.From.String(), w.To.String())
	if err != nil {
		return nil, mapRunError(err)
	}
	r := insight.Analyze(m, s0, s1)
	ans.Status, ans.AnswerType = "ok", nlq.AnswerTable
	ans.SQL, ans.Params = insight.LoadSQL, []any{w.From.String(), w.To.String()}
	ans.Columns, ans.Rows = r.Table()
	if ans.Rows == nil {
		ans.Rows = [][]any{}
	}
	ans.Total = len(ans.Rows)
	ans.Insight = &Insight{Metric: m.Name, Rate: m.Rate, From: r.From, To: r.To, Before: r.Before, After: r.After,
		Change: r.Change, StandsOut: r.StandsOut, Summary: r.Summary()}
	var dims []string
	for _, d := range insight.Dims {
		dims = append(dims, d.Name)
	}
	ex := []string{v.Engine.Explain(plan),
		"分解：按" + strings.Join(dims, "、") + "分组（行为标签和最常买的品类只分组近12个月有购买的客户）。每组的贡献 = 组内比例的变化 × 平均人数占比 + 人数占比的变化 × 平均比例（前者是“比例变化”，后者是“人数结构变化”，各组相加等于总变化）。",
		"排序：按“超出同比例预期”——该组现在的人数比它按整体同样比例变化时多出（或少了）多少，以标准误计——从高到低，并在排第一的组内再按另一个维度细分一层。",
		fmt.Sprintf("“突出”的标准：超出同比例预期至少 %d 个标准误、至少 %d 人，且比预期多出至少 %.0f%%。", insight.MinZ, insight.MinExcess, 100*insight.MinLift)}
	if len(r.Missing) > 0 {
		ex = append(ex, "未参与分解（"+r.From+" 的快照早于这些维度，重新计算该快照后可用）："+strings.Join(r.Missing, "、"))
	}
	if w.Said != "" && r.Change != 0 && (w.Said == "up") != (r.Change > 0) {
		ex = append(ex, "注意：问题说的变化方向与数据不符，以下按实际变化分析。")
	}
	ex = append(ex, "结论："+r.Summary())
	ans.Explanation = strings.Join(ex, "\n")
	return driverPlan(plan, w, r, v.Engine.Catalog), nil
}

// whyMetric is the insight metric of a why plan.
func whyMetric(w *nlq.Why, cat *schema.Catalog) insight.Metric {
	lc := schema.DefaultModel().Lifecycle
	if cat != nil {
		lc = cat.Model.Lifecycle
	}
	name := nlq.WhyMetricName(w)
	switch w.Metric {
	case "churn_rate":
		return insight.Metric{Name: name, Attr: "lifecycle", Values: []string{lc.Lost.Name}, Rate: true, NeverBuyer: lc.NeverBuyer.Name}
	case "active_rate":
		return insight.Metric{Name: name, Attr: "lifecycle", Values: []string{lc.New.Name, lc.Active.Name}, Rate: true, NeverBuyer: lc.NeverBuyer.Name}
	}
	return insight.Metric{Name: name, Attr: segmentAttr[w.Segment.Kind], Values: w.Segment.Values}
}

// segmentAttr is the customer_sets attr of each segment condition kind.
var segmentAttr = map[nlq.CondKind]string{nlq.CondRFM: "rfm_class", nlq.CondLifecycle: "lifecycle",
	nlq.CondPotential: "potential", nlq.CondTag: schema.TagSetAttr}

// driverPlan is the plan of the top driver's customers in the metric at
// To (流失客户 in 杭州 who registered on 小程序), or nil when a step of its
// path has no condition in the Plan language (the category bought most,
// "unknown"): then a follow-up is asked back rather than answered wider.
func driverPlan(plan *nlq.Plan, w *nlq.Why, r insight.Result, cat *schema.Catalog) *nlq.Plan {
	if len(r.Drivers) == 0 {
		return nil
	}
	var conds []*nlq.Node
	switch w.Metric {
	case nlq.WhySegment:
		c := *w.Segment
		conds = append(conds, &nlq.Node{Op: nlq.OpCond, Cond: &c})
	default:
		m := whyMetric(w, cat)
		conds = append(conds, &nlq.Node{Op: nlq.OpCond, Cond: &nlq.Cond{Kind: nlq.CondLifecycle, Values: m.Values}})
	}
	for _, step := range r.Drivers[0].Path {
		c := stepCond(step)
		if c == nil {
			return nil
		}
		conds = append(conds, &nlq.Node{Op: nlq.OpCond, Cond: c})
	}
	return &nlq.Plan{Answer: nlq.AnswerCustomers, AsOf: plan.AsOf, Filter: nlq.And(conds...)}
}

// stepCond is a driver step as a plan condition, or nil.
func stepCond(c insight.Cond) *nlq.Cond {
	if c.Rest {
		return nil
	}
	kind := map[string]nlq.CondKind{"city": nlq.CondCity, "register_channel": nlq.CondRegisterChannel, "member_level": nlq.CondMemberLevel,
		"gender": nlq.CondGender, schema.TagSetAttr: nlq.CondTag}[c.Dim.Attr]
	if kind != "" {
		return &nlq.Cond{Kind: kind, Values: []string{c.Value}}
	}
	if c.Dim.Attr == schema.AgeBandAttr {
		for _, b := range schema.AgeBands {
			if b.Label == c.Value {
				lo, hi := b.Min, b.Max
				return &nlq.Cond{Kind: nlq.CondAge, AgeMin: &lo, AgeMax: &hi}
			}
		}
	}
	return nil
}
