package nlq

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/chatbi/chatbi/schema"
)

// MaxQuestionRunes is the longest question accepted (spec api.md).
const MaxQuestionRunes = 500

// Errors for questions that are not questions.
var (
	ErrEmpty   = errors.New("问题为空")
	ErrTooLong = fmt.Errorf("问题超过 %d 个字", MaxQuestionRunes)
	ErrNotUTF8 = errors.New("问题不是合法的 UTF-8 文本")
)

// Engine parses questions for one warehouse catalog.
type Engine struct {
	Catalog *schema.Catalog
	Lex     *Lexicon
	sets    catalogSets
	// PlainSQL compiles without customer sets (compile_sets.go), as for a
	// warehouse that has none; tests compare the two.
	PlainSQL bool
	// Dialect is the SQL compiled statements are written in (SQLite by
	// default; ClickHouse always compiles plain SQL).
	Dialect Dialect
	// OldClickHouse: a ClickHouse server before 21.x — no window functions,
	// no correlated subqueries. Lists take the shape that runs on every
	// version (compile_list_clickhouse.go); newer servers take the faster
	// one, with the total as a window function and the display columns as
	// subqueries ClickHouse decorrelates. Detected once, at connect.
	OldClickHouse bool
}

// plain reports whether statements must not use the customer sets and
// other SQLite-side precomputations (window walks, product_days).
func (e *Engine) plain() bool { return e.PlainSQL || e.Dialect == ClickHouse }

// NewEngine builds the lexicon from the core vocabulary and the catalog.
func NewEngine(cat *schema.Catalog) *Engine {
	return &Engine{Catalog: cat, Lex: NewLexicon(cat), sets: newCatalogSets(cat)}
}

// NewEngineWith adds a retailer's own lexicon entries (ParseLexicon) to
// the core vocabulary. Errors: an alias of a term that means nothing.
func NewEngineWith(cat *schema.Catalog, extra []Entry) (*Engine, error) {
	lex, err := newLexicon(cat, extra)
	if err != nil {
		return nil, err
	}
	return &Engine{Catalog: cat, Lex: lex, sets: newCatalogSets(cat)}, nil
}

// Parse turns a question into a Plan resolved against asOf. With prev (the
// conversation's last Plan), a follow-up question edits a copy of it.
// Errors: ErrEmpty, ErrTooLong, ErrNotUTF8 for input that is not a
// question; *UnplacedError when any span could not be placed (the caller
// answers clarify and runs nothing).
func (e *Engine) Parse(question string, asOf Date, prev *Plan) (*Plan, error) {
	return e.ParseWith(question, asOf, prev, nil)
}

// Cohort is a list the asker saved under a name (保存为人群): its name
// in a question ("在「双11召回名单」里…") is a condition on its customers.
type Cohort struct {
	Name string
	IDs  []string // customer_id
}

// ParseWith is Parse knowing the asker's saved lists.
func (e *Engine) ParseWith(question string, asOf Date, prev *Plan, cohorts []Cohort) (*Plan, error) {
	// A list named like a word the parser knows (双11) is that list only
	// when quoted: 「双11」.
	var named []Cohort
	for _, c := range cohorts {
		k := string(Normalize(c.Name).Runes)
		if !e.Lex.Knows(k) || strings.Contains(question, "「"+c.Name+"」") || strings.Contains(question, "“"+c.Name+"”") {
			named = append(named, c)
		}
	}
	plan, err := e.parse(question, asOf, prev, named)
	var ue *UnplacedError
	if errors.As(err, &ue) && !ue.Forbidden() {
		ue.Questions = e.rewrites(ue, asOf, prev)
	}
	return plan, err
}

// rewrites are questions close to one that was asked back and that the
// rules do read: its first unplaced span replaced by a near catalog term
// (口虹 → 口红), by a common term of the kind its neighbours expect (买过游艇
// → 买过口红), or left out (火星客户 → 客户). Each is parsed before it is
// offered, so a suggestion never itself asks back.
func (e *Engine) rewrites(ue *UnplacedError, asOf Date, prev *Plan) []string {
	u := ue.List[0]
	orig := []rune(ue.Question)
	if u.Span.End > len(orig) || u.Span.Start >= u.Span.End {
		return nil
	}
	before := string(orig[:u.Span.Start])
	after := string(orig[u.Span.End:])
	cands := append([]string{}, u.Suggestions...)
	if e.Catalog != nil && len(cands) < 3 && e.endsInBuyVerb(before) {
		for _, c := range e.Catalog.Categories {
			if len(cands) >= 3 {
				break
			}
			cands = append(cands, c)
		}
	}
	cands = append(cands, "")
	if len(u.Instead) > 0 { // 常买: a plain count instead, never the question without it
		cands = u.Instead
	}
	var out []string
	seen := map[string]bool{}
	for _, q := range u.Rewrites {
		if _, err := e.parse(q, asOf, prev, nil); err == nil && !seen[q] {
			seen[q] = true
			out = append(out, q)
		}
	}
	for _, c := range cands {
		q := strings.TrimSpace(before + trimOverlap(c, after) + after)
		if q == "" || q == ue.Question || seen[q] || len(out) >= 4 {
			continue
		}
		seen[q] = true
		if _, err := e.parse(q, asOf, prev, nil); err == nil {
			out = append(out, q)
		}
	}
	return out
}

// trimOverlap drops the end of c that the text after repeats (重要价值客户
// before 客户 → 重要价值).
func trimOverlap(c, after string) string {
	rc, ra := []rune(c), []rune(after)
	for k := min(len(rc), len(ra)); k > 0; k-- {
		if string(rc[len(rc)-k:]) == string(ra[:k]) {
			return string(rc[:len(rc)-k])
		}
	}
	return c
}

// endsInBuyVerb reports text whose last word is a purchase verb (…买过,
// …下单), as the lexicon reads it.
func (e *Engine) endsInBuyVerb(text string) bool {
	toks := e.Lex.Lex(Normalize(text))
	return len(toks) > 0 && toks[len(toks)-1].Kind == KBuy
}

func (e *Engine) parse(question string, asOf Date, prev *Plan, cohorts []Cohort) (*Plan, error) {
	if !utf8.ValidString(question) {
		return nil, ErrNotUTF8
	}
	n := utf8.RuneCountInString(question)
	if n > MaxQuestionRunes {
		return nil, ErrTooLong
	}
	text := Normalize(question)
	if len(text.Runes) == 0 {
		return nil, ErrEmpty
	}
	p := &parser{text: text, toks: markCohorts(e.Lex.Lex(text), text, cohorts), cohorts: cohorts, asOf: asOf, lex: e.Lex, snap: snapState{segmentWins: map[*Window]bool{}}, edit: editState{hasPrev: prev != nil},
		windowSpans: map[*Window]Span{}}
	if e.Catalog != nil {
		for _, t := range e.Catalog.Snapshots {
			p.snap.snapshotDates = append(p.snap.snapshotDates, D(t))
		}
	}
	if prev != nil {
		p.asOf = prev.AsOf
	}
	p.run()
	if prev == nil && p.edit.anaphor != (Span{}) {
		// 其中女性呢 with nothing answered before it (a clarify, a new or
		// expired conversation): answering over everyone would be a
		// confident wrong list.
		p.errs.add(Unplaced{Span: p.edit.anaphor, Text: p.text.Slice(p.edit.anaphor),
			Reason: "这句是接着上一个回答问的，但当前对话里还没有可以接着问的回答（可能上一个问题没有查成，或对话已过期）；请把条件说完整"})
	}
	if p.pendingOr || p.neg.exclude {
		p.errs.add(Unplaced{Span: Span{n, n}, Text: "", Reason: "句子在“或/排除”之后没有说完"})
	}
	if len(p.errs.List) > 0 {
		p.errs.Question = question
		return nil, &p.errs
	}
	if !p.content && !(p.edit.follow && prev != nil && (p.window != nil || p.edit.replace || p.edit.dropWin)) {
		return nil, &UnplacedError{Question: question, List: []Unplaced{{Span: Span{0, n}, Text: question,
			Reason: "没有识别到任何查询条件或要查的内容", Suggestions: ExampleQuestions}}}
	}
	// An elliptical question in a conversation — it only regroups, recounts
	// or re-sorts and names no subject or measure (按城市分布, 有多少,
	// 消费最高的10个) — refines the previous one; "各RFM分群的客户数" stands alone.
	if prev != nil && !p.edit.follow && len(p.conds) == 0 && p.window == nil && len(p.measures) == 0 &&
		!p.mentions(KWho) && (p.group != "" || p.answer != "" || p.sort != nil) {
		p.edit.follow = true
	}
	// 按会员等级分一下人数 / 按城市看消费金额: a regrouping of the answer at
	// hand, even with a measure named (各会员等级的人数 stands alone).
	if prev != nil && !p.edit.follow && len(p.conds) == 0 && p.window == nil && p.edit.regroup && !p.mentions(KWho) {
		p.edit.follow = true
	}
	if p.why.asked {
		// 为什么流失客户变多了: a change between two snapshots, explained by
		// server/insight; it stands alone even in a conversation.
		plan, err := p.whyPlan()
		if err != nil {
			return nil, err
		}
		if err := e.Check(plan); err != nil {
			return nil, err
		}
		return plan, nil
	}
	if p.why.said != "" || p.why.compare {
		return nil, &UnplacedError{Question: question, List: []Unplaced{{Span: Span{0, n}, Text: question,
			Reason:      "说到了变化（变多、下降、相比…），要问原因请用“为什么”（如“为什么流失客户变多了”）；要看两个时间的对比可以问“上个季度和现在的RFM分群迁移”",
			Suggestions: []string{"为什么流失客户变多了", "流失率为什么上升了"}}}}
	}
	plan := p.plan()
	p.unusedWindows(plan)
	if len(p.errs.List) > 0 {
		p.errs.Question = question
		return nil, &p.errs
	}
	if prev != nil && p.edit.follow {
		plan = mergeFollowUp(prev, plan, p)
	}
	if err := e.Check(plan); err != nil {
		return nil, err
	}
	return plan, nil
}

// ExampleQuestions are shown when a question could not be read at all.
var ExampleQuestions = []string{
	"过去3个月买过口红没买过粉底液的重要价值客户",
	"各RFM分群的客户数",
	"近一年消费超过3000元的客户有多少",
	"沉默客户中买过面霜的",
}

// rankGroups makes a ranking in a grouped question rank the groups (消费金额
// 最高的5个城市, 各城市的客户数前5名): by the measure it names, or the
// table's own. A ranking of customers within each group (各城市消费最高的
// 10个客户) is asked back.
func (p *parser) rankGroups(pl *Plan) {
	if p.rank.rankWho {
		p.errs.add(Unplaced{Span: p.rank.rankSpan, Text: p.text.Slice(p.rank.rankSpan),
			Reason: "分组后每组各取前N名客户暂不支持；可以去掉分组只看名单，或改问“消费金额最高的5个城市”"})
		return
	}
	if p.rank.sortDefault && len(pl.Measures) > 0 {
		pl.Sort.By = pl.Measures[0]
	}
	if !slices.Contains(pl.Measures, pl.Sort.By) {
		pl.Measures = append(pl.Measures, pl.Sort.By)
	}
}

// windowAsPurchase gives a time phrase that nothing else uses its plain
// meaning: 近3个月的客户, 各城市近3个月的客户数 are the customers who bought
// in that window. Left alone it would be printed in the explanation and
// filter nothing.
func (p *parser) windowAsPurchase() {
	w := p.window
	if w == nil || p.edit.follow && p.edit.hasPrev || p.snap.segmentWins[w] || p.snap.migration || p.sort != nil {
		return // in a follow-up (换成近半年) a bare window re-dates the previous question
	}
	if d, ok := Dimensions[p.group]; ok && d.OrderLevel {
		return // 每月的客户数 counts the window's orders by month
	}
	for _, m := range p.measures {
		if m != "customers" {
			return
		}
	}
	used := false
	for _, n := range p.conds {
		Walk(n, func(x *Node) {
			used = used || (x.Cond != nil && x.Cond.Window == w && timed(x.Cond.Kind))
		})
	}
	if used {
		return
	}
	p.conds = append(p.conds, leaf(&Cond{Kind: CondBought, Window: w}))
	p.notes = append(p.notes, fmt.Sprintf("“%s”没有对应的条件，按“%s有过购买”理解", w.Phrase, w.Phrase))
}

// undateEarlierPurchases keeps a purchase said before the sentence's window
// out of it when a later clause says nothing (or nothing of the same) was
// bought in that window: 买过口红的客户中近3个月没买过的 is the lipstick
// buyers of any time who have not bought in the last 3 months. Dating the
// first purchase too would make the question always empty.
func (p *parser) undateEarlierPurchases() {
	w := p.window
	if w == nil {
		return
	}
	var negs []*Cond
	for _, n := range p.conds {
		if n.Op == OpNot && n.Kids[0].Op == OpCond && n.Kids[0].Cond.Kind == CondBought && n.Kids[0].Cond.Window == w {
			negs = append(negs, n.Kids[0].Cond)
		}
	}
	for _, n := range p.conds {
		// A purchase, or 买过A或B: purchases said before any window.
		var buys []*Cond
		for _, k := range append([]*Node{n}, orKids(n)...) {
			if k.Op == OpCond && k.Cond.Kind == CondBought && k.Cond.Window == nil && !k.Cond.AllTime {
				buys = append(buys, k.Cond)
			}
		}
		if len(buys) == 0 || (n.Op == OpOr && len(buys) != len(n.Kids)) {
			continue
		}
		for _, neg := range negs {
			if len(neg.Items) > 0 && (len(buys) > 1 || !reflect.DeepEqual(neg.Items, buys[0].Items)) {
				continue
			}
			var names []string
			for _, b := range buys {
				b.AllTime = true
				names = append(names, orDefault(strings.Join(itemNames([][]ItemTerm{b.Items}), ""), "任何商品"))
			}
			p.notes = append(p.notes, fmt.Sprintf("“买过%s”在“%s”之前说，按全部历史理解（否则与后面的“没买过”矛盾）",
				strings.Join(names, "或"), w.Phrase))
			break
		}
	}
}

// orKids is the alternatives of an or node (none for anything else).
func orKids(n *Node) []*Node {
	if n.Op != OpOr {
		return nil
	}
	return n.Kids
}

// plan assembles the parser's findings into a Plan.
func (p *parser) plan() *Plan {
	// A window that only dated segments is not the sentence's purchase window.
	if p.window != nil && p.snap.segmentWins[p.window] {
		used := false
		for _, n := range p.conds {
			Walk(n, func(x *Node) {
				if x.Cond != nil && x.Cond.Window == p.window && timed(x.Cond.Kind) {
					used = true
				}
			})
		}
		if !used && !p.snap.migration {
			p.window = nil
		}
	}
	// 新客数 with no time stated: the lifecycle's own "new" window (近30天).
	if p.window == nil && p.group == "" && p.lex.cat != nil {
		for _, m := range p.measures {
			if m == "new_customers" {
				days := p.lex.cat.Model.Lifecycle.NewDays
				w, _ := lastN(p.asOf, float64(days), "d", fmt.Sprintf("近%d天", days))
				p.window = w
				p.notes = append(p.notes, fmt.Sprintf("新客数未说明时间，按生命周期“新客户”的定义取近%d天", days))
				break
			}
		}
	}
	pl := &Plan{AsOf: p.asOf, Window: p.window, Notes: p.notes, Strategy: p.strategy}
	pl.GroupBy = p.group
	if p.snap.migration {
		if m, err := p.migrationPlan(); err != nil {
			p.errs.add(Unplaced{Span: Span{0, len(p.text.Orig)}, Text: string(p.text.Orig), Reason: err.Error()})
		} else {
			pl.Migration = m
			pl.Window = nil
		}
	}
	p.windowAsPurchase()
	p.undateEarlierPurchases()
	// Conditions that used the sentence's first window share it (nil); a
	// condition under a later, different phrase keeps its own.
	for _, n := range p.conds {
		Walk(n, func(x *Node) {
			if x.Cond != nil && x.Cond.Window == p.window {
				x.Cond.Window = nil
			}
		})
	}
	pl.Filter = And(p.conds...)
	pl.Sort, pl.Limit = p.sort, p.limit
	pl.Lines = p.buy.lines
	p.measuresSaid = len(p.measures) > 0
	if Dimensions[p.group].Line || len(p.buy.lines) > 0 {
		// 各品类的销售额 / 各品牌的客户数: measures of order lines.
		for i, m := range p.measures {
			if lm, ok := map[string]string{"spend": "sales", "customers": "buyers"}[m]; ok {
				p.measures[i] = lm
			}
		}
		if len(p.measures) == 0 {
			p.measures = []string{"buyers"}
		}
		if p.sort != nil {
			if lm, ok := map[string]string{"spend": "sales", "customers": "buyers"}[p.sort.By]; ok {
				p.sort.By = lm
			}
		}
	}
	switch {
	case p.group != "":
		pl.Answer = AnswerTable
		pl.Measures = dedupe(p.measures)
		if pl.Sort != nil {
			p.rankGroups(pl)
		}
		if len(pl.Measures) == 0 {
			pl.Measures = []string{"customers"}
		}
	case len(p.measures) > 0 && p.answer != AnswerCustomers:
		pl.Answer = AnswerCount
		pl.Measures = dedupe(p.measures)
	case p.answer == AnswerCount, p.strategy && p.answer == "":
		// 重要挽留客户应该怎么运营: how many there are, and what to do.
		pl.Answer = AnswerCount
	default:
		pl.Answer = AnswerCustomers
	}
	if pl.Migration != nil {
		pl.Answer, pl.GroupBy, pl.Measures, pl.Sort, pl.Limit = AnswerTable, "", []string{"customers"}, nil, 0
	}
	if pl.Answer != AnswerCustomers && pl.Answer != AnswerTable {
		if pl.Limit > 0 {
			// 前10名有多少: the count of a top list is its size; keep the list.
			pl.Answer = AnswerCustomers
		}
	}
	if p.share {
		if pl.Answer != AnswerTable || len(shareMeasures(pl.Measures)) == 0 {
			p.errs.add(Unplaced{Span: p.shareSpan, Text: p.text.Slice(p.shareSpan),
				Reason: "占比要有分组和可加总的指标（如“各城市的客户数占比”“各渠道的订单数占比”）"})
		}
		pl.Share = true
	}
	if pl.Answer == AnswerCustomers && p.rank.sortDefault && pl.Sort != nil {
		pl.Notes = append(pl.Notes, "排名未说明依据，按消费金额排名")
	}
	return pl
}

// unusedWindows asks back a time phrase that scopes nothing in the plan
// (今年 … 7月消费最多的 once kept 今年 and dropped 7月 silently): never a
// silent drop.
func (p *parser) unusedWindows(pl *Plan) {
	if pl.Migration != nil {
		return
	}
	used := map[*Window]bool{pl.Window: true}
	Walk(pl.Filter, func(n *Node) {
		if n.Cond != nil && n.Cond.Window != nil {
			used[n.Cond.Window] = true
		}
	})
	for _, w := range p.windows {
		if used[w] || p.snap.segmentWins[w] || (p.window != nil && w == p.window) {
			continue
		}
		span, ok := p.windowSpans[w]
		if !ok {
			continue
		}
		p.errs.add(Unplaced{Span: span, Text: p.text.Slice(span),
			Reason: "这个时间范围没有用在任何条件或指标上（一句话里说了两个时间）；请只保留一个，或说明它限定哪个条件"})
	}
}

func dedupe(xs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// migrationPlan resolves the two snapshots a 迁移 question compares: the
// stated period's (its start to its end), else the previous snapshot to the
// as-of one. Dated segment conditions are read at the "from" snapshot.
func (p *parser) migrationPlan() (*Migration, error) {
	m := &Migration{Dim: "rfm", To: p.asOf}
	switch {
	case p.snap.migrationDim != "":
		m.Dim = p.snap.migrationDim
	case p.group == "lifecycle" || p.mentions(KLifecycle) || p.mentionsDim("lifecycle"):
		m.Dim = "lifecycle"
	case p.group == "tag" || p.mentionsDim("tag"):
		m.Dim = "tag"
	}
	if w := p.window; w != nil && p.saysNow() {
		// 上个季度和现在的…迁移: from that period's snapshot to as_of's.
		from, ok := p.snapshotIn(w.From, w.To)
		if !ok || !from.Before(p.asOf.Time) {
			return nil, fmt.Errorf("「%s」没有分群快照可比较（已有快照的日期：%s）", w.Phrase, p.snapshotList())
		}
		m.From = from
	} else if w != nil {
		from, ok1 := p.snapshotIn(D(w.From.AddDate(-200, 0, 0)), w.From)
		to, ok2 := p.snapshotIn(w.From, w.To)
		if !ok1 || !ok2 || !from.Before(to.Time) {
			return nil, fmt.Errorf("「%s」前后没有两个分群快照可比较（已有快照的日期：%s）", w.Phrase, p.snapshotList())
		}
		m.From, m.To = from, to
	} else {
		prev, ok := p.snapshotBefore(p.asOf)
		if !ok {
			return nil, fmt.Errorf("没有更早的分群快照可比较（已有快照的日期：%s）", p.snapshotList())
		}
		m.From = prev
	}
	for _, n := range p.conds {
		Walk(n, func(x *Node) {
			if x.Cond != nil && (x.Cond.Kind == CondRFM || x.Cond.Kind == CondLifecycle || x.Cond.Kind == CondTag) && x.Cond.At == nil {
				from := m.From
				x.Cond.At = &from
			}
		})
	}
	return m, nil
}

// saysNow reports 现在 / 目前 / 当前 in the question (filler elsewhere).
func (p *parser) saysNow() bool {
	for _, t := range p.toks {
		if t.Text == "现在" || t.Text == "目前" || t.Text == "当前" {
			return true
		}
	}
	return false
}

func (p *parser) mentions(k Kind) bool {
	for _, t := range p.toks {
		if t.Kind == k {
			return true
		}
	}
	return false
}

func (p *parser) mentionsDim(dim string) bool {
	for _, t := range p.toks {
		if t.Kind == KDim && t.Val() == dim {
			return true
		}
	}
	return false
}
