package nlq

import (
	"fmt"
	"slices"
	"strings"

	"github.com/chatbi/chatbi/schema"
)

// Explain renders a plan in Chinese: the answer, the time window with
// absolute dates, each condition as understood, the segment definitions
// used, the sort and limit, and every reading chosen among several (spec
// semantics.md "Answers"). It reads only the plan, never the SQL.
func (e *Engine) Explain(p *Plan) string {
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }

	line("数据截至：%s", p.AsOf)
	if p.Why != nil {
		e.explainWhy(p, line)
		return strings.TrimRight(b.String(), "\n")
	}
	if p.Window != nil {
		line("时间范围：%s（%s 至 %s）", orDefault(p.Window.Phrase, "指定时间"), p.Window.From, p.Window.To)
	} else if usesTime(p) {
		line("时间范围：未限定，按截至 %s 的全部历史计算", p.AsOf)
	}
	var conds []string
	e.describe(p, p.Filter, &conds)
	if len(conds) == 0 {
		line("条件：全部客户")
	} else {
		line("条件（同时满足）：")
		for i, c := range conds {
			line("  %d. %s", i+1, c)
		}
	}
	switch p.Answer {
	case AnswerCustomers:
		srt := "按消费金额从高到低"
		if p.Sort != nil {
			srt = "按" + sortName(p.Sort) + map[bool]string{true: "从高到低", false: "从低到高"}[p.Sort.Desc]
		}
		scope := "全部历史"
		if p.Window != nil {
			scope = p.Window.Phrase
		}
		switch {
		case p.Sort != nil && predictedMeasure(p.Sort.By):
			srt += "（未来 52 周）"
		case p.Sort == nil || p.Sort.By != SortLastPurchase:
			srt += "（" + scope + "）"
		}
		if p.Limit > 0 {
			line("结果：客户名单，%s排序，取前 %d 名", srt, p.Limit)
		} else {
			line("结果：客户名单，%s排序", srt)
		}
	case AnswerCount:
		if len(p.Measures) == 0 || (len(p.Measures) == 1 && p.Measures[0] == "customers") {
			line("结果：满足条件的客户数")
		} else {
			line("结果：%s", e.measureList(p))
		}
	case AnswerTable:
		if m := p.Migration; m != nil && m.Dim == "tag" {
			line("结果：行为标签迁移表，%s 快照的标签 × %s 快照的标签，各格为客户数（一位客户有几个标签就按每一对计入；“无”= 当时没有标签；两次都没有标签的客户不列）", m.From, m.To)
			break
		} else if m != nil {
			line("结果：分群迁移表，%s 快照的分群 × %s 快照的分群，各格为客户数（“无”= 当时没有购买、没有分群）", m.From, m.To)
			break
		}
		rank := ""
		if p.Sort != nil {
			dir := map[bool]string{true: "从高到低", false: "从低到高"}[p.Sort.Desc]
			rank = fmt.Sprintf("；按%s%s排列", Measures[p.Sort.By].Name, dir)
			if p.Limit > 0 {
				rank += fmt.Sprintf("，取前 %d 个%s", p.Limit, Dimensions[p.GroupBy].Name)
			}
		}
		if p.Share {
			var names []string
			for _, m := range shareMeasures(p.Measures) {
				names = append(names, Measures[m].Name)
			}
			rank += fmt.Sprintf("；%s占比 = 该组数值 ÷ 各组合计（保留四位小数）", strings.Join(names, "、"))
		}
		switch {
		case Dimensions[p.GroupBy].Line:
			line("结果：按%s分组，计算%s（订单行按所买商品归组，一位客户买过几组就计入几组）%s", Dimensions[p.GroupBy].Name, e.measureList(p), rank)
		case Dimensions[p.GroupBy].Tags:
			line("结果：按%s分组，计算%s（一位客户可有多个标签，在每个标签下都计入；没有标签的客户不计入）%s", Dimensions[p.GroupBy].Name, e.measureList(p), rank)
		default:
			line("结果：按%s分组，计算%s；未填写%s的客户不计入%s", Dimensions[p.GroupBy].Name, e.measureList(p), Dimensions[p.GroupBy].Name, rank)
		}
	}
	if len(p.Lines) > 0 {
		line("商品范围：只计%s的订单行", itemScope(p.Lines))
	}
	defined := map[string]bool{}
	// perCustomer: the measure is of one customer (a sort key or a
	// threshold), where 客单价 reads as 平均订单金额 (spec semantics.md).
	define := func(m string, perCustomer bool) {
		d, ok := Measures[m]
		if !ok || m == "customers" || defined[m] {
			return
		}
		defined[m] = true
		if m == "arpu" && perCustomer {
			line("指标定义：%s（单个客户）= 消费金额 ÷ 订单数，即平均订单金额（只计已完成订单）", d.Name)
			return
		}
		if predictedMeasure(m) {
			line("指标定义：%s = %s；模型在 %s 的分群快照上拟合（未来 52 周）", d.Name, d.Definition, p.AsOf)
		} else {
			line("指标定义：%s = %s（只计已完成订单）", d.Name, d.Definition)
		}
	}
	for _, m := range p.Measures {
		define(m, false)
	}
	if p.Sort != nil {
		define(p.Sort.By, p.Answer == AnswerCustomers)
	}
	Walk(p.Filter, func(n *Node) {
		if n.Cond != nil && n.Cond.Kind == CondMeasure {
			define(n.Cond.Measure, true)
		}
	})
	e.segmentDefinitions(p, line)
	e.tagDefinitions(p, line)
	if p.Strategy {
		line("运营建议：按分群给出（%s），见回答中的运营建议", strings.Join(p.Segments(), "、"))
	}
	for _, n := range p.Notes {
		line("说明：%s", n)
	}
	return strings.TrimRight(b.String(), "\n")
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func (e *Engine) measureList(p *Plan) string {
	var names []string
	for _, m := range p.Measures {
		names = append(names, Measures[m].Name)
	}
	scope := "全部历史"
	if p.Window != nil {
		scope = p.Window.Phrase
	}
	predicted := true
	for _, m := range p.Measures {
		predicted = predicted && predictedMeasure(m)
	}
	if predicted {
		scope = "未来 52 周"
	}
	return strings.Join(names, "、") + "（" + scope + "）"
}

func sortName(s *Sort) string {
	if s.By == SortLastPurchase {
		return "最近购买日期"
	}
	return Measures[s.By].Name
}

func usesTime(p *Plan) bool {
	used := false
	Walk(p.Filter, func(n *Node) {
		if n.Cond != nil && timed(n.Cond.Kind) && !(n.Cond.Kind == CondMeasure && predictedMeasure(n.Cond.Measure)) {
			used = true
		}
	})
	return used
}

// describe lists a filter's conditions; a top-level AND becomes the list.
func (e *Engine) describe(p *Plan, n *Node, out *[]string) {
	if n == nil {
		return
	}
	if n.Op == OpAnd {
		for _, k := range n.Kids {
			e.describe(p, k, out)
		}
		return
	}
	*out = append(*out, e.phrase(p, n))
}

func (e *Engine) phrase(p *Plan, n *Node) string {
	switch n.Op {
	case OpAnd, OpOr:
		var parts []string
		for _, k := range n.Kids {
			parts = append(parts, e.phrase(p, k))
		}
		return "（" + strings.Join(parts, map[string]string{OpAnd: " 并且 ", OpOr: " 或者 "}[n.Op]) + "）"
	case OpNot:
		k := n.Kids[0]
		if k.Op == OpCond && k.Cond.Kind == CondBought {
			return e.boughtPhrase(p, k.Cond, true)
		}
		if k.Op == OpCond && segmentKind(k.Cond.Kind) && k.Cond.At == nil {
			return "不满足：" + e.phrase(p, k) + "（没有该分群的客户，如从未购买的，也算）"
		}
		return "不满足：" + e.phrase(p, k)
	}
	c := n.Cond
	switch c.Kind {
	case CondBought:
		return e.boughtPhrase(p, c, false)
	case CondRFM:
		return atPhrase(c) + "RFM 分群为「" + strings.Join(c.Values, "」或「") + "」"
	case CondLifecycle:
		return atPhrase(c) + "生命周期阶段为「" + strings.Join(c.Values, "」或「") + "」"
	case CondPotential:
		return "属于「" + strings.Join(c.Values, "」") + "」（按预测价值排在有购买客户的前 20%）"
	case CondTag:
		return atPhrase(c) + "行为标签含「" + strings.Join(c.Values, "」或「") + "」"
	case CondCohort:
		return fmt.Sprintf("属于已保存的人群「%s」（保存时 %d 位客户）", strings.Join(c.Values, ""), len(c.IDs))
	case CondGender:
		return "性别为" + strings.Join(c.Values, "或")
	case CondCity:
		return "所在城市为" + strings.Join(c.Values, "、")
	case CondProvince:
		return "所在省份为" + strings.Join(c.Values, "、")
	case CondMemberLevel:
		return "会员等级为" + strings.Join(c.Values, "、")
	case CondRegisterChannel:
		return "注册渠道为" + strings.Join(c.Values, "、")
	case CondAge:
		s := fmt.Sprintf("年龄（按 %s 计算的周岁）", p.AsOf)
		switch {
		case c.AgeMin != nil && c.AgeMax != nil:
			s += fmt.Sprintf("在 %d 到 %d 岁之间（含两端）", *c.AgeMin, *c.AgeMax)
		case c.AgeMin != nil:
			s += fmt.Sprintf("不小于 %d 岁", *c.AgeMin)
		default:
			s += fmt.Sprintf("不大于 %d 岁", *c.AgeMax)
		}
		return s + "；没有生日信息的客户不计入"
	case CondBirthYear:
		return fmt.Sprintf("出生于 %d 年至 %d 年", int(c.Value), int(c.Value2))
	case CondBirthMonth:
		return fmt.Sprintf("生日在 %d 月（没有生日信息的客户不计入）", int(c.Value))
	case CondFirstPurchase:
		w := p.EffectiveWindow(c)
		if w == nil {
			return "有过购买"
		}
		return fmt.Sprintf("首次购买（第一笔已完成订单）在 %s 至 %s", w.From, w.To)
	case CondRegistered:
		w := p.EffectiveWindow(c)
		if w == nil {
			return "已注册"
		}
		if !w.From.After(historyStart.Time) { // 注册超过一年: no first day
			return fmt.Sprintf("%s：注册日期不晚于 %s", orDefault(w.Phrase, "注册时间"), w.To)
		}
		return fmt.Sprintf("注册日期在 %s 至 %s", w.From, w.To)
	case CondMeasure:
		d := Measures[c.Measure]
		scope := e.scopePhrase(p, c)
		if predictedMeasure(c.Measure) {
			scope = "未来 52 周"
		}
		val := func(v float64) string { return trimFloat(v) + d.Unit }
		var s string
		switch c.Op {
		case "between":
			s = fmt.Sprintf("在 %s 到 %s 之间（含两端）", val(c.Value), val(c.Value2))
		default:
			s = map[string]string{">": "大于", ">=": "不少于", "<": "少于", "<=": "不超过", "=": "等于"}[c.Op] + " " + val(c.Value)
		}
		note := ""
		if zeroPasses(c) {
			note = "（含期间内没有消费的客户）"
		}
		if c.Measure == "arpu" {
			note += "（单个客户的客单价按平均订单金额理解）"
		}
		where := channelPhrase(c)
		if where != "" {
			where += "的"
		}
		if len(c.Items) > 0 {
			// 买过3次以上口红: orders with that item, each counted once.
			return fmt.Sprintf("%s%s含「%s」的订单数%s（一笔订单买多件只算一次）%s", scope, where,
				strings.Join(itemNames([][]ItemTerm{c.Items}), "、"), s, note)
		}
		return scope + where + d.Name + s + note
	}
	return string(c.Kind)
}

func (e *Engine) scopePhrase(p *Plan, c *Cond) string {
	w := p.EffectiveWindow(c)
	if w == nil {
		return fmt.Sprintf("全部历史（截至 %s）", p.AsOf)
	}
	if w == p.Window {
		return w.Phrase
	}
	return fmt.Sprintf("%s（%s 至 %s）", orDefault(w.Phrase, "期间"), w.From, w.To)
}

// channelPhrase is where a purchase or a measure's orders were placed.
func channelPhrase(c *Cond) string {
	switch {
	case len(c.Channels) == 0:
		return ""
	case c.ChannelNot && len(c.Channels) == 1 && c.Channels[0] == storeValue:
		return "在" + storeValue + "以外的渠道（线上）"
	case c.ChannelNot:
		return "在" + strings.Join(c.Channels, "、") + "以外的渠道"
	}
	return "在" + strings.Join(c.Channels, "、")
}

// itemScope names items with where they were found: 「口红」（品类）.
func itemScope(items []ItemTerm) string {
	var parts []string
	for _, it := range items {
		var kinds []string
		for _, k := range it.Kinds {
			kinds = append(kinds, itemKindName[k])
		}
		parts = append(parts, "「"+it.Value+"」（"+strings.Join(kinds, "/")+"）")
	}
	return strings.Join(parts, "中的")
}

func (e *Engine) boughtPhrase(p *Plan, c *Cond, neg bool) string {
	what := "任何商品"
	if len(c.Items) > 0 {
		what = itemScope(c.Items)
	}
	where := channelPhrase(c)
	verb := "买过"
	scope := e.scopePhrase(p, c)
	switch {
	case c.AllTime && neg:
		verb, scope = "从未买过", fmt.Sprintf("截至 %s 的全部历史中", p.AsOf)
	case neg:
		verb = "没有买过"
	case c.Only:
		verb = "只买过"
		what += "、没有买过其他商品"
	}
	no := "没有"
	if c.AllTime && neg {
		no = "从未"
	}
	switch c.Promo {
	case PromoCoupon:
		verb = map[bool]string{true: no + "用优惠券买过", false: "用优惠券买过"}[neg]
		if len(c.Items) == 0 {
			what = "（订单 coupon_used = 1）"
		} else {
			what += "（订单 coupon_used = 1）"
		}
	case PromoAny:
		verb = map[bool]string{true: no + "在促销中买过", false: "在促销中买过"}[neg]
		what += "（订单用了优惠券或有折扣）"
	}
	return scope + where + verb + what + "（只计已完成订单）"
}

// segmentDefinitions states the segment model whenever a plan uses it.
func (e *Engine) segmentDefinitions(p *Plan, line func(string, ...any)) {
	rfm, lc := p.GroupBy == "rfm", p.GroupBy == "lifecycle"
	if m := p.Migration; m != nil {
		rfm, lc = rfm || m.Dim == "rfm", lc || m.Dim == "lifecycle"
	}
	Walk(p.Filter, func(n *Node) {
		if n.Cond != nil {
			rfm = rfm || n.Cond.Kind == CondRFM
			lc = lc || n.Cond.Kind == CondLifecycle
		}
	})
	if rfm {
		line("分群定义：RFM 八类，按 %s 的分群快照；R=距最近一次购买的天数，F=已完成订单数，M=实付金额之和；与有购买客户的均值比较，R≤均值、F≥均值、M≥均值为“高”", p.AsOf)
	}
	if lc && e.Catalog != nil {
		l := e.Catalog.Model.Lifecycle
		line("生命周期定义：%s=首次购买在 %d 天内；%s=最近购买在 %d 天内且非新客；%s=最近购买在 %d–%d 天前；%s=最近购买在 %d 天及以前；%s=注册后从未购买",
			l.New.Name, l.NewDays, l.Active.Name, l.ActiveDays, l.Silent.Name, l.ActiveDays, l.SilentDays-1, l.Lost.Name, l.SilentDays, l.NeverBuyer.Name)
	}
}

// explainWhy states how a why question was read: the metric, the two
// snapshots compared and what the metric means. (The server adds how the
// change was decomposed and what it found.)
func (e *Engine) explainWhy(p *Plan, line func(string, ...any)) {
	w := p.Why
	said := map[string]string{"up": "（问题说的是上升/变多）", "down": "（问题说的是下降/变少）"}[w.Said]
	line("问题：%s的变化原因%s", WhyMetricName(w), said)
	line("比较：%s 与 %s 两个分群快照", w.From, w.To)
	switch w.Metric {
	case WhySegment:
		line("指标：%s的人数（%s）", WhyMetricName(w), e.phrase(p, leaf(w.Segment)))
		e.segmentDefinitions(&Plan{AsOf: p.AsOf, Filter: leaf(w.Segment)}, line)
		e.tagDefinitions(&Plan{AsOf: p.AsOf, Filter: leaf(w.Segment)}, line)
	default:
		line("指标定义：%s = %s", Measures[w.Metric].Name, Measures[w.Metric].Definition)
		e.segmentDefinitions(&Plan{AsOf: p.AsOf, GroupBy: "lifecycle"}, line)
	}
}

// WhyMetricName is how an answer names a why plan's metric: 流失率, or the
// segment (流失客户, 品牌忠诚型客户).
func WhyMetricName(w *Why) string {
	if w.Metric != WhySegment {
		return Measures[w.Metric].Name
	}
	name := strings.Join(w.Segment.Values, "、")
	if w.Segment.Kind == CondTag {
		name += "客户"
	}
	return name
}

// tagDefinitions states each behaviour tag a plan uses with the cut-offs
// its snapshot computed ("P80 = 4 单"), so the marketer sees the rule and
// the numbers behind the list.
func (e *Engine) tagDefinitions(p *Plan, line func(string, ...any)) {
	days := map[Date][]string{} // snapshot → tags named at it
	var order []Date
	use := func(d Date, tags []string) {
		if _, ok := days[d]; !ok {
			order = append(order, d)
		}
		for _, t := range tags {
			if !slices.Contains(days[d], t) {
				days[d] = append(days[d], t)
			}
		}
	}
	if p.GroupBy == "tag" {
		use(p.AsOf, schema.BehaviourTags)
	}
	Walk(p.Filter, func(n *Node) {
		if n.Cond != nil && n.Cond.Kind == CondTag {
			d := p.AsOf
			if n.Cond.At != nil {
				d = *n.Cond.At
			}
			use(d, n.Cond.Values)
		}
	})
	if e.Catalog == nil {
		return
	}
	for _, d := range order {
		cut := e.Catalog.TagCutoffsAt(d.Time)
		if cut == nil {
			continue
		}
		var rules []string
		for _, tag := range schema.BehaviourTags {
			if slices.Contains(days[d], tag) {
				rules = append(rules, tag+"="+TagRule(tag, cut))
			}
		}
		line("行为标签定义（%s 的快照，按 %s 至 %s 近12个月的已完成订单；P 为最近秩百分位）：%s",
			d, cut.From, cut.To, strings.Join(rules, "；"))
	}
}

// TagRule is one tag's rule with the cut-offs computed (spec semantics.md).
func TagRule(tag string, cut *schema.TagCutoffs) string {
	if why := cut.Unavailable(tag); why != "" {
		return "未计算（" + why + "）"
	}
	switch tag {
	case schema.TagFrequent:
		return fmt.Sprintf("订单数 ≥ 3 且 ≥ P80（P80 = %d 单）", cut.OrdersP80)
	case schema.TagBigTicket:
		return fmt.Sprintf("订单数 1–2 单且最大一笔实付 ≥ 全部订单实付的 P90（P90 = %s 元）", trimFloat(cut.PayP90))
	case schema.TagPromo:
		return "订单数 ≥ 2 且至少 60% 的订单用了优惠券或有折扣"
	case schema.TagBrandLoyal:
		return "订单数 ≥ 3 且单一品牌占商品金额 ≥ 60%"
	case schema.TagExplorer:
		return fmt.Sprintf("买过的品类数 ≥ 4 且 ≥ P80（P80 = %d 个品类）", cut.CategoriesP80)
	}
	return ""
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// atPhrase dates a segment condition read at an earlier snapshot.
func atPhrase(c *Cond) string {
	if c.At == nil {
		return ""
	}
	return "在 " + c.At.String() + " 的分群快照中"
}
