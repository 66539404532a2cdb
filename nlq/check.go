package nlq

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/chatbi/chatbi/schema"
)

// Limits on a plan's size, so no producer (an LLM above all) can make the
// compiler emit an unbounded statement.
const (
	maxConds = 64
	maxDepth = 16
	maxLimit = 100000
)

// catalogSets indexes the catalog's values for membership checks.
type catalogSets map[string]map[string]bool

func newCatalogSets(cat *schema.Catalog) catalogSets {
	s := catalogSets{}
	put := func(kind string, vals []string) {
		if s[kind] == nil {
			s[kind] = map[string]bool{}
		}
		for _, v := range vals {
			s[kind][v] = true
		}
	}
	put(string(CondGender), []string{"男", "女"})
	if cat == nil {
		return s
	}
	put(string(ItemCategory), cat.Categories)
	put(string(ItemCategoryL1), cat.CategoriesL1)
	put(string(ItemBrand), cat.Brands)
	put(string(ItemProduct), cat.Products)
	put(string(CondCity), append(append([]string{}, cat.Cities...), tier1Cities...))
	put(string(CondProvince), cat.Provinces)
	put(string(CondMemberLevel), cat.MemberLevels)
	put(string(CondRegisterChannel), cat.RegisterChannels)
	put("channel", append(append([]string{storeValue}, cat.Channels...), cat.RegisterChannels...))
	for _, r := range cat.Model.RFM {
		put(string(CondRFM), []string{r.Name})
	}
	for _, st := range cat.Model.Lifecycle.Stages() {
		put(string(CondLifecycle), []string{st.Name})
	}
	put(string(CondPotential), []string{schema.PotentialName})
	put(string(CondTag), schema.BehaviourTags)
	return s
}

// Check validates a plan against the Plan language and the catalog, whoever
// produced it. Errors: *PlanError naming what is wrong, in Chinese.
func (e *Engine) Check(p *Plan) error {
	bad := func(format string, a ...any) error { return &PlanError{Msg: fmt.Sprintf(format, a...)} }
	if p == nil {
		return bad("没有查询计划")
	}
	if e.sets == nil {
		e.sets = newCatalogSets(e.Catalog)
	}
	switch p.Answer {
	case AnswerCustomers, AnswerCount, AnswerTable:
	default:
		return bad("未知的回答类型 %q", p.Answer)
	}
	if p.Why != nil {
		return e.checkWhy(p)
	}
	if p.AsOf.IsZero() {
		return bad("缺少 as-of 日期")
	}
	if err := checkWindow(p.Window); err != nil {
		return err
	}
	if m := p.Migration; m != nil {
		if m.Dim != "rfm" && m.Dim != "lifecycle" && m.Dim != "tag" {
			return bad("迁移只能按 RFM 分群、生命周期或行为标签")
		}
		for _, d := range []Date{m.From, m.To} {
			if err := e.checkSnapshot(d); err != nil {
				return err
			}
		}
	} else if p.GroupBy != "" {
		if _, ok := Dimensions[p.GroupBy]; !ok {
			return bad("不能按 %q 分组", p.GroupBy)
		}
	} else if p.Answer == AnswerTable {
		return bad("表格回答需要一个分组维度")
	}
	if err := e.checkTags(p); err != nil {
		return err
	}
	if p.Strategy && len(p.Segments()) == 0 {
		return &PlanError{Msg: "运营建议是按分群给出的：请说明是哪个分群、生命周期阶段或行为标签（如“重要挽留客户应该怎么运营”）",
			Suggestions: []string{"重要挽留客户应该怎么运营", "沉默客户怎么唤醒", "促销敏感型客户用什么策略"}}
	}
	for _, m := range p.Measures {
		if _, ok := Measures[m]; !ok {
			return bad("未知的指标 %q", m)
		}
		if predictedMeasure(m) && Dimensions[p.GroupBy].OrderLevel {
			return bad("预测指标属于客户，不能按%s分组", Dimensions[p.GroupBy].Name)
		}
	}
	switch {
	case p.Sort == nil:
	case p.Answer == AnswerTable:
		// A table ranks its groups by one of its own measures.
		if !slices.Contains(p.Measures, p.Sort.By) || p.Migration != nil {
			return bad("表格只能按它计算的指标排名（%q 不在其中）", p.Sort.By)
		}
	case !customerMeasure(p.Sort.By) && p.Sort.By != SortLastPurchase:
		return bad("不能按 %q 排序", p.Sort.By)
	}
	if isLinePlan(p) {
		if p.Answer == AnswerCustomers {
			return bad("按商品统计的指标不能用于客户名单")
		}
		if err := e.checkLines(p); err != nil {
			return err
		}
	}
	if p.Share && (p.Answer != AnswerTable || p.GroupBy == "" || len(shareMeasures(p.Measures)) == 0) {
		return bad("占比只用于有分组和可加总指标（客户数、消费金额、订单数、新客数）的表格")
	}
	if p.Limit < 0 || p.Limit > maxLimit {
		return bad("排名数量 %d 超出范围（1 到 %d）", p.Limit, maxLimit)
	}
	count := 0
	if err := e.checkNode(p.Filter, 0, &count); err != nil {
		return err
	}
	return e.contradiction(p.Filter)
}

// contradiction refuses a conjunction whose answer is empty whatever the
// data — a confident wrong list; better to ask. Each rule is one way two
// conditions side by side exclude each other.
func (e *Engine) contradiction(n *Node) error {
	if n == nil || n.Op != OpAnd {
		return nil
	}
	for _, rule := range []func([]*Node) string{sameNegated, twoValues, e.neverBuyerInSegment, noOrderYetBought} {
		if msg := rule(n.Kids); msg != "" {
			return &PlanError{Msg: "条件自相矛盾：" + msg}
		}
	}
	return nil
}

// sameNegated: a condition and its own negation (近3个月买过口红又没买过口红).
func sameNegated(kids []*Node) string {
	seen := map[string]bool{}
	for _, k := range kids {
		b, _ := json.Marshal(k)
		seen[string(b)] = true
	}
	for _, k := range kids {
		if k.Op == OpNot {
			if b, _ := json.Marshal(k.Kids[0]); seen[string(b)] {
				return "同一个条件既要满足又要不满足，结果必然为空；请检查问题中的“没/不/排除”"
			}
		}
	}
	return ""
}

// twoValues: two values of one single-valued attribute, both required
// (北京的客户中上海的): no customer has both.
func twoValues(kids []*Node) string {
	vals := map[CondKind][]string{}
	for _, k := range kids {
		if k.Op != OpCond || !singleValued(k.Cond) {
			continue
		}
		c := k.Cond
		if prev, ok := vals[c.Kind]; ok && !slices.ContainsFunc(c.Values, func(v string) bool { return slices.Contains(prev, v) }) {
			return fmt.Sprintf("%s不能同时是「%s」，结果必然为空；如果是想换成另一个，请说“换成…”",
				condKindName[c.Kind], strings.Join(append(append([]string{}, prev...), c.Values...), "」和「"))
		}
		vals[c.Kind] = c.Values
	}
	return ""
}

// neverBuyerInSegment: never bought anything, and yet in a segment only
// buyers have (一直没有下单的沉默客户).
func (e *Engine) neverBuyerInSegment(kids []*Node) string {
	for _, k := range kids {
		if none := noPurchase(k); none != nil && none.AllTime && slices.ContainsFunc(kids, e.buyersOnly) {
			return "“从未/一直没有购买”的客户不会属于这个分群（它只包含买过的客户），结果必然为空；如果是指某段时间内没有购买，请说“这段时间没有下单”"
		}
	}
	return ""
}

// noOrderYetBought: no order at all in a window, and yet a purchase in the
// same window (of anything, anywhere).
func noOrderYetBought(kids []*Node) string {
	for _, k := range kids {
		none := noPurchase(k)
		if none == nil {
			continue
		}
		for _, o := range kids {
			if o.Op == OpCond && o.Cond.Kind == CondBought && sameWindow(o.Cond, none) {
				return "同一时间范围内既“没有任何购买”又“买过”，结果必然为空；请检查问题中的否定说法"
			}
		}
	}
	return ""
}

// noPurchase is the condition of "bought nothing at all" (NOT bought, of
// no item, in no channel, with no promotion), or nil.
func noPurchase(k *Node) *Cond {
	if k.Op != OpNot || k.Kids[0].Op != OpCond {
		return nil
	}
	c := k.Kids[0].Cond
	if c.Kind != CondBought || len(c.Items) > 0 || len(c.Channels) > 0 || c.Promo != "" {
		return nil
	}
	return c
}

// singleValued reports a condition on an attribute a customer has one
// value of (as of the snapshot).
func singleValued(c *Cond) bool {
	switch c.Kind {
	case CondCity, CondProvince, CondGender, CondMemberLevel, CondRegisterChannel, CondRFM, CondLifecycle:
		return c.At == nil && len(c.Values) > 0
	}
	return false
}

// buyersOnly reports a segment condition that only customers with a
// purchase can meet (every RFM class, every lifecycle stage but the
// never-bought one, 高潜力).
func (e *Engine) buyersOnly(n *Node) bool {
	if n.Op != OpCond || n.Cond.At != nil {
		return false
	}
	switch c := n.Cond; c.Kind {
	case CondRFM, CondPotential, CondTag:
		return true
	case CondLifecycle:
		never := "未购客户"
		if e.Catalog != nil {
			never = e.Catalog.Model.Lifecycle.NeverBuyer.Name
		}
		return !slices.Contains(c.Values, never)
	}
	return false
}

// sameWindow reports two purchase conditions over the same dates.
func sameWindow(a, b *Cond) bool {
	if a.AllTime != b.AllTime || (a.Window == nil) != (b.Window == nil) {
		return false
	}
	return a.Window == nil || (a.Window.From.Equal(b.Window.From.Time) && a.Window.To.Equal(b.Window.To.Time))
}

func checkWindow(w *Window) error {
	if w == nil {
		return nil
	}
	if w.From.IsZero() || w.To.IsZero() || w.To.Before(w.From.Time) {
		return &PlanError{Msg: fmt.Sprintf("时间范围 %s 至 %s 不成立", w.From, w.To)}
	}
	return nil
}

func (e *Engine) checkNode(n *Node, depth int, count *int) error {
	if n == nil {
		return nil
	}
	if depth > maxDepth {
		return &PlanError{Msg: "条件嵌套过深"}
	}
	switch n.Op {
	case OpAnd, OpOr:
		if len(n.Kids) == 0 {
			return &PlanError{Msg: "空的条件组"}
		}
	case OpNot:
		if len(n.Kids) != 1 {
			return &PlanError{Msg: "“非”条件必须恰好有一个子条件"}
		}
	case OpCond:
		if n.Cond == nil || len(n.Kids) > 0 {
			return &PlanError{Msg: "条件节点不完整"}
		}
		*count++
		if *count > maxConds {
			return &PlanError{Msg: fmt.Sprintf("条件超过 %d 个", maxConds)}
		}
		return e.checkCond(n.Cond)
	default:
		return &PlanError{Msg: fmt.Sprintf("未知的条件运算 %q", n.Op)}
	}
	for _, k := range n.Kids {
		if err := e.checkNode(k, depth+1, count); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) checkCond(c *Cond) error {
	bad := func(format string, a ...any) error { return &PlanError{Msg: fmt.Sprintf(format, a...)} }
	if err := checkWindow(c.Window); err != nil {
		return err
	}
	if c.At != nil {
		if err := e.checkSnapshot(*c.At); err != nil {
			return err
		}
	}
	if len(c.Channels) > 0 && c.Kind != CondBought && c.Kind != CondMeasure {
		return bad("条件 %s 不能限定购买渠道", c.Kind)
	}
	for _, ch := range c.Channels {
		if !e.sets["channel"][ch] {
			return bad("仓库中没有渠道「%s」", ch)
		}
	}
	if c.Promo != "" && (c.Kind != CondBought || (c.Promo != PromoCoupon && c.Promo != PromoAny) || c.Only) {
		return bad("优惠条件 %q 只用于购买条件", c.Promo)
	}
	if c.Kind == CondMeasure && len(c.Items) > 0 && c.Measure != "orders" {
		return bad("按商品限定的只能是购买次数（买过N次以上X）")
	}
	switch c.Kind {
	case CondBought, CondMeasure:
		for _, it := range c.Items {
			if len(it.Kinds) == 0 {
				return bad("商品词 %q 没有类型", it.Value)
			}
			for _, k := range it.Kinds {
				set, ok := e.sets[string(k)]
				if !ok || !set[it.Value] {
					return bad("仓库中没有%s「%s」", itemKindName[k], it.Value)
				}
			}
		}
		if len(c.Items) > 1 && e.Catalog != nil && !e.productExists(c.Items) {
			var names []string
			for _, it := range c.Items {
				names = append(names, it.Value)
			}
			return &PlanError{Msg: fmt.Sprintf("仓库中没有同时属于「%s」的商品", strings.Join(names, "」和「"))}
		}
		if c.Kind == CondMeasure {
			return e.checkMeasure(c, bad)
		}
	case CondRFM, CondLifecycle, CondGender, CondCity, CondProvince, CondMemberLevel, CondRegisterChannel, CondPotential, CondTag:
		if len(c.Values) == 0 {
			return bad("条件 %s 没有取值", c.Kind)
		}
		for _, v := range c.Values {
			if !e.sets[string(c.Kind)][v] {
				return bad("仓库中没有%s「%s」", condKindName[c.Kind], v)
			}
		}
	case CondAge:
		if c.AgeMin == nil && c.AgeMax == nil {
			return bad("年龄条件没有范围")
		}
		for _, a := range []*int{c.AgeMin, c.AgeMax} {
			if a != nil && (*a < 0 || *a > 150) {
				return bad("年龄 %d 超出范围", *a)
			}
		}
	case CondBirthYear:
		if c.Value < 1900 || c.Value2 < c.Value || c.Value2 > 2200 {
			return bad("出生年份范围不成立")
		}
	case CondCohort:
		if len(c.Values) != 1 || len(c.IDs) == 0 || len(c.IDs) > MaxCohort {
			return bad("已保存的人群条件不成立（要有名字和 1 到 %d 位客户）", MaxCohort)
		}
	case CondRegistered, CondFirstPurchase:
	case CondBirthMonth:
		if k := int(c.Value); float64(k) != c.Value || k < 1 || k > 12 {
			return bad("生日月份 %v 不存在", c.Value)
		}
	default:
		return bad("未知的条件类型 %q", c.Kind)
	}
	return nil
}

// checkMeasure checks a threshold condition.
func (e *Engine) checkMeasure(c *Cond, bad func(string, ...any) error) error {
	if !customerMeasure(c.Measure) {
		return bad("不能按 %q 筛选客户", c.Measure)
	}
	if len(c.Channels) > 0 && predictedMeasure(c.Measure) {
		return bad("预测指标不分购买渠道")
	}
	if _, ok := opSQL[c.Op]; !ok && c.Op != "between" {
		return bad("未知的比较 %q", c.Op)
	}
	if c.Value < 0 || c.Value2 < 0 || c.Value > 1e12 || c.Value2 > 1e12 {
		return bad("阈值超出范围")
	}
	return nil
}

var itemKindName = map[ItemKind]string{ItemCategory: "品类", ItemCategoryL1: "大类", ItemBrand: "品牌", ItemProduct: "商品"}

var condKindName = map[CondKind]string{CondTag: "行为标签", CondRFM: "RFM分群", CondLifecycle: "生命周期阶段", CondGender: "性别", CondPotential: "价值分群",
	CondCity: "城市", CondProvince: "省份", CondMemberLevel: "会员等级", CondRegisterChannel: "注册渠道"}

// MaxCohort bounds a saved list: its ids travel in every plan that uses it.
const MaxCohort = 200000

// checkWhy validates a why plan: a metric it knows, two snapshots in
// order that both have customer sets (the analysis reads only those).
func (e *Engine) checkWhy(p *Plan) error {
	w := p.Why
	bad := func(format string, a ...any) error { return &PlanError{Msg: fmt.Sprintf(format, a...)} }
	if p.Answer != AnswerTable || p.Filter != nil || p.GroupBy != "" || len(p.Measures) > 0 || p.Migration != nil {
		return bad("“为什么”的计划只能说明指标和比较的两个快照")
	}
	switch w.Metric {
	case WhySegment:
		if w.Segment == nil || !segmentKind(w.Segment.Kind) || w.Segment.At != nil {
			return bad("“为什么”要分析的分群不成立")
		}
		if err := e.checkCond(w.Segment); err != nil {
			return err
		}
	case "churn_rate", "active_rate":
		if w.Segment != nil {
			return bad("比率指标不带分群")
		}
	default:
		return bad("不能分析指标 %q 的变化", w.Metric)
	}
	if !w.From.Before(w.To.Time) || !w.To.Equal(p.AsOf.Time) {
		return bad("比较的快照 %s 必须早于 %s", w.From, w.To)
	}
	for _, d := range []Date{w.From, w.To} {
		if err := e.checkSnapshot(d); err != nil {
			return err
		}
		if e.Catalog != nil && !e.Catalog.HasSets(d.Time) {
			return bad("%s 的快照没有客户集合，请先运行 chatbi refresh --as-of %s 重新计算", d, d)
		}
	}
	return nil
}

// checkTags asks back about a behaviour tag the snapshot could not compute
// (no promotion data, no brands) or a snapshot made before the tags, with
// the reason; grouping by the tags needs the tags, and says which are left
// out.
func (e *Engine) checkTags(p *Plan) error {
	if e.Catalog == nil {
		return nil
	}
	var err error
	Walk(p.Filter, func(n *Node) {
		if err != nil || n.Cond == nil || n.Cond.Kind != CondTag {
			return
		}
		day := p.AsOf
		if n.Cond.At != nil {
			day = *n.Cond.At
		}
		cut := e.Catalog.TagCutoffsAt(day.Time)
		for _, tag := range n.Cond.Values {
			if why := cut.Unavailable(tag); why != "" {
				err = &PlanError{Msg: fmt.Sprintf("无法按「%s」筛选：%s", tag, why)}
				return
			}
		}
	})
	if err != nil {
		return err
	}
	if p.GroupBy == "tag" && e.Catalog.HasSnapshot(p.AsOf.Time) && e.Catalog.TagCutoffsAt(p.AsOf.Time) == nil {
		return &PlanError{Msg: "无法按行为标签分组：" + (*schema.TagCutoffs)(nil).Unavailable("")}
	}
	return nil
}

// checkSnapshot requires a segment snapshot on day d.
func (e *Engine) checkSnapshot(d Date) error {
	if e.Catalog == nil || e.Catalog.HasSnapshot(d.Time) {
		return nil
	}
	return &PlanError{Msg: fmt.Sprintf("%s 没有分群快照；已有快照的日期：%s", d, snapshotList(e.Catalog))}
}

// productExists reports whether one product matches every item term.
func (e *Engine) productExists(items []ItemTerm) bool {
	col := map[ItemKind]int{ItemCategory: 0, ItemCategoryL1: 1, ItemBrand: 2, ItemProduct: 3}
	for _, p := range e.Catalog.ProductTerms {
		all := true
		for _, it := range items {
			hit := false
			for _, k := range it.Kinds {
				hit = hit || p[col[k]] == it.Value
			}
			all = all && hit
		}
		if all {
			return true
		}
	}
	return false
}
