package nlq

import (
	"fmt"
	"math"
	"strings"
	"unicode"
)

// parser is the grammar engine over one question's tokens. Each rule tries
// to match at pos; the first that does consumes its tokens and records what
// they mean. A token no rule takes is unplaced: the question is not run.
type parser struct {
	text Text
	toks []Token
	pos  int
	asOf Date
	lex  *Lexicon

	conds     []*Node // the top-level conjunction, in order
	window    *Window // the first window stated: the sentence's window
	curWindow *Window // the latest window stated
	pendingOr bool    // an 或 joins the next condition with the last
	lastJoin  Kind    // the connector just before the next condition
	exclude   bool    // 排除 negates the next clause
	pastNext  bool    // 以前/曾经/历史上: the next purchase is over the whole history
	contrast  bool    // 但 or a comma since the last condition (买过口红，但近3个月没买过)
	pastAll   bool    // …said as 历史上, where 没买过 plainly means 从未
	// The scope of 不是/排除/除了: the negation stays open over a list
	// (不是北京和上海的 = neither; 排除北京或上海的) and over adjacent
	// attributes (排除金卡女性 = not both), and closes at 的, a comma or
	// anything else. 非 is a prefix: it takes a list but not a neighbour
	// (非女性金卡会员 = the gold members who are not women).
	negOpen   *Node
	negNarrow bool
	excludeBy string
	gap       gapKind // what stood between the last condition and now
	added     bool    // the rule just run added a condition

	answer   AnswerType
	group    string
	measures []string
	sort     *Sort
	limit    int
	// A ranking (topN): its span, whether it ranks customers (10个客户)
	// rather than groups (5个城市), and whether its measure was unsaid.
	rankSpan    Span
	rankWho     bool
	sortDefault bool
	share       bool // 占比: a table's measures also as shares of their total
	shareSpan   Span
	notes       []string
	content     bool // something that asks for data was said

	// 去掉重要价值客户的条件 / 不限重要价值客户: the conditions said are
	// dropped from the previous plan, not added (dropWin: 去掉时间条件).
	dropMode bool
	dropAt   int // the token that says 去掉
	drops    []*Node
	dropWin  bool

	follow  bool // the question edits the conversation's previous plan
	anaphor Span // where it points back (其中, 这些人, …呢); zero: nowhere
	hasPrev bool // there is a previous plan to edit
	regroup bool // 按/按照 a dimension, or a dimension's 分布: splits the answer at hand
	replace bool // 换成 / 只看: new conditions replace those of the same kind

	regChannelNext bool       // 注册渠道(为) …: the next channel is a register channel
	pendingPromo   string     // 用券买过…: the purchase that follows used a coupon
	lines          []ItemTerm // 口红的销售额: the item whose order lines are measured
	measuresSaid   bool       // the question named a measure (a regrouping without one keeps the last)
	errs           UnplacedError

	// Segment snapshots: a time phrase right before a segment dates it
	// (上个季度的重要价值客户); 变成 links a dated segment to one now; 新晋
	// means "now, not at the previous snapshot"; 迁移 asks for the table.
	timeEnd       int     // token index just after the last time phrase
	timeWin       *Window // that phrase's window
	segmentWins   map[*Window]bool
	become        bool
	lastSegment   *Node
	newly         bool
	newlyWin      *Window
	migration     bool
	migrationDim  string
	snapshotDates []Date
}

// tok returns the token at pos+off, or a KUnknown sentinel past the end.
func (p *parser) tok(off int) Token {
	if i := p.pos + off; i >= 0 && i < len(p.toks) {
		return p.toks[i]
	}
	return Token{Kind: -1}
}

func (p *parser) kind(off int) Kind { return p.tok(off).Kind }

// skipDe returns off advanced over 的 fillers.
func (p *parser) skipDe(off int) int {
	for p.kind(off) == KFiller && p.tok(off).Text == "的" {
		off++
	}
	return off
}

// unplace reports tokens [pos, pos+n) with a reason.
func (p *parser) unplace(n int, reason string, suggest []string) {
	a, b := p.tok(0), p.tok(n-1)
	span := p.text.OrigSpan(a.I, b.J)
	p.errs.add(Unplaced{Span: span, Text: p.text.Slice(span), Reason: reason, Suggestions: suggest})
	p.pos += n
}

// rules, tried in order at each position.
func (p *parser) rules() []func() bool {
	return []func() bool{
		p.editWords, p.promo, p.lineMeasure, p.birthday, p.timePhrase, p.threshold, p.topN, p.sortBy, p.purchase, p.age, p.register,
		p.attribute, p.groupBy, p.answerWords, p.connector,
	}
}

func (p *parser) run() {
	rules := p.rules()
	p.detectFollow()
	for p.pos < len(p.toks) {
		matched := false
		for i, r := range rules {
			before := p.curWindow
			p.added = false
			if r() {
				if !p.added && i != len(rules)-1 { // not a condition, not a connector
					p.gap = gapBreak
				}
				if p.curWindow != before {
					p.timeEnd, p.timeWin = p.pos, p.curWindow
					if len(p.conds) > 0 {
						// 去年买过面霜今年没买过: a new window after a
						// condition opens a clause that contrasts with it.
						p.contrast = true
					}
				}
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		t := p.tok(0)
		switch t.Kind {
		case KUnknown:
			p.unplace(1, "不在词库中（仓库里没有这个品类、品牌、城市或说法）", p.lex.Suggest(t.Text, 5))
		case KForbidden:
			p.unplace(1, "只能查询数据，不能修改、删除或执行指令", nil)
			p.errs.List[len(p.errs.List)-1].Forbidden = true
		default:
			p.unplace(1, "无法确定这里的意思", nil)
		}
	}
}

// editWords consumes the words of a follow-up edit: 去掉/取消/不限 and
// 条件 in a drop (detectFollow saw it), and 把 X 换成 / 城市换成 (what is
// replaced is named; the new value after 换成 takes its place).
func (p *parser) editWords() bool {
	t := p.tok(0)
	switch {
	case p.dropMode && (t.Kind == KNoLimit || t.Kind == KCondWord || (t.Kind == KExclude && p.pos == p.dropAt)):
		p.pos++
		return true
	case p.dropMode && t.Kind == KFiller && t.Text == "时间":
		p.dropWin = true
		p.pos++
		return true
	case p.kind(1) == KReplace && (t.Kind == KItem || t.Kind == KCity || t.Kind == KProvince || t.Kind == KLevel ||
		t.Kind == KRFM || t.Kind == KLifecycle || t.Kind == KChannel || t.Kind == KDim || t.Kind == KGender):
		// 把香水换成身体乳, 城市换成杭州: the old value goes (换成 replaces
		// whatever is of the new value's kind).
		p.follow, p.replace = true, true
		if p.anaphor == (Span{}) {
			p.anaphor = p.text.OrigSpan(t.I, p.tok(1).J)
		}
		p.pos += 2
		return true
	}
	return false
}

// detectFollow marks a question that edits the previous one: it starts with
// 其中/再/那/只看/换成/排除…, or ends with 呢.
func (p *parser) detectFollow() {
	first := 0
	for first < len(p.toks) && p.toks[first].Kind == KFiller {
		first++ // 帮我看看其中…, 那么…
	}
	if first == len(p.toks) {
		return
	}
	span := func(t Token) Span { return p.text.OrigSpan(t.I, t.J) }
	switch t := p.toks[first]; t.Kind {
	case KFollow, KReplace:
		p.follow, p.anaphor = true, span(t)
	case KOnly, KExclude:
		p.follow = true // 只看上海的 / 排除北京的 also stand alone
	case KAmong:
		if t.Text == "其中" || t.Text == "其中的" {
			p.follow, p.anaphor = true, span(t)
		}
	}
	last := p.toks[len(p.toks)-1]
	if last.Kind == KPunct && len(p.toks) > 1 {
		last = p.toks[len(p.toks)-2]
	}
	// 去掉重要价值客户的条件 / 取消城市限制 / 不限重要价值客户: a drop.
	if t := p.toks[first]; t.Kind == KNoLimit || (t.Kind == KExclude && last.Kind == KCondWord) {
		p.follow, p.dropMode, p.dropAt = true, true, first
		p.anaphor = span(t)
		return
	}
	if last.Text == "呢" {
		p.follow = true
		if p.anaphor == (Span{}) {
			p.anaphor = span(last)
		}
	}
}

// gapKind is what stood between two conditions.
type gapKind int

const (
	gapNone  gapKind = iota // nothing: adjacent (金卡女性)
	gapDe                   // 的 alone: closes, unless a list joiner follows (北京的和上海的)
	gapList                 // a list joiner: 和 与 及 、 或
	gapBreak                // a comma, a time phrase, anything else
)

// listJoiners are the 和-words that join a list, not clauses (且, 也, 同时).
var listJoiners = map[string]bool{"和": true, "与": true, "及": true, "以及": true, "、": true, "跟": true}

// add puts a condition into the top-level conjunction, applying a pending
// 排除 (or extending the one still open) and 或, and merging 北京和上海 into
// one condition on either city.
func (p *parser) add(n *Node) {
	if p.dropMode {
		p.drops = append(p.drops, n)
		p.added, p.content = true, true
		return
	}
	p.content = true
	p.added = true
	defer func() { p.gap, p.contrast = gapNone, false }()
	if p.exclude {
		n = &Node{Op: OpNot, Kids: []*Node{n}}
		p.exclude = false
		p.negOpen, p.negNarrow = n, p.excludeBy == "非"
	} else if p.negOpen != nil && (p.gap == gapList || (p.gap == gapNone && (!p.negNarrow || mergeSameAttr(p.negOpen.Kids[0], n) != nil))) {
		p.extendNegation(n)
		return
	} else {
		p.negOpen = nil
	}
	if k := len(p.conds); k > 0 && (p.pendingOr || p.lastJoin == KAnd || p.gap == gapNone) {
		prev := p.conds[k-1]
		if either := orSameRange(prev, n); either != nil {
			// 90后和00后, 30岁以下和50岁以上: one customer has one age, so either.
			p.conds[k-1] = either
			p.pendingOr, p.lastJoin = false, 0
			return
		}
		if merged := mergeSameAttr(prev, n); merged != nil {
			if !p.pendingOr {
				p.notes = append(p.notes, fmt.Sprintf("「%s」是同一属性的多个取值，按“任一”理解", strings.Join(merged.Cond.Values, "、")))
			}
			p.conds[k-1] = merged
			p.pendingOr, p.lastJoin = false, 0
			return
		}
		if p.pendingOr {
			p.conds[k-1] = orOf(prev, n)
			p.pendingOr, p.lastJoin = false, 0
			return
		}
	}
	p.conds = append(p.conds, n)
	p.pendingOr, p.lastJoin = false, 0
}

// orOf is a or b as one flat OR node: a chain of 或 is a list of
// alternatives, not a nesting as deep as the chain is long.
func orOf(a, b *Node) *Node {
	kids := []*Node{a}
	if a.Op == OpOr {
		kids = append([]*Node{}, a.Kids...)
	}
	if b.Op == OpOr {
		return &Node{Op: OpOr, Kids: append(kids, b.Kids...)}
	}
	return &Node{Op: OpOr, Kids: append(kids, b)}
}

// orSameRange joins two conditions on one customer's single value that are
// ranges, not value lists (出生年份, 年龄, 生日月份): both cannot hold, so a
// list of them means either.
func orSameRange(a, b *Node) *Node {
	if b.Op != OpCond {
		return nil
	}
	switch b.Cond.Kind {
	case CondBirthYear, CondAge, CondBirthMonth:
	default:
		return nil
	}
	switch {
	case a.Op == OpCond && a.Cond.Kind == b.Cond.Kind:
		return &Node{Op: OpOr, Kids: []*Node{a, b}}
	case a.Op == OpOr && len(a.Kids) > 0 && a.Kids[0].Op == OpCond && a.Kids[0].Cond.Kind == b.Cond.Kind:
		return &Node{Op: OpOr, Kids: append(append([]*Node{}, a.Kids...), b)}
	}
	return nil
}

// sameDay reports two segment dates (nil: the as-of snapshot) equal.
func sameDay(a, b *Date) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(b.Time)
}

// extendNegation puts n inside the open negation: a list is "any of them"
// (so the negation is "none of them"), adjacent words are "all of them";
// values of one single-valued attribute are always a list (不是北京上海的).
func (p *parser) extendNegation(n *Node) {
	kid := p.negOpen.Kids[0]
	switch merged := mergeSameAttr(kid, n); {
	case merged != nil:
		p.negOpen.Kids[0] = merged
	case p.gap == gapList && kid.Op == OpOr:
		kid.Kids = append(kid.Kids, n)
	case p.gap == gapList:
		p.negOpen.Kids[0] = orOf(kid, n)
	default:
		p.negOpen.Kids[0] = And(kid, n)
	}
	p.pendingOr, p.lastJoin = false, 0
}

// mergeSameAttr joins two single-valued attribute conditions of one kind
// (a customer has one city) into one condition on either value.
func mergeSameAttr(a, b *Node) *Node {
	if a.Op != OpCond || b.Op != OpCond || a.Cond.Kind != b.Cond.Kind || !sameDay(a.Cond.At, b.Cond.At) {
		return nil
	}
	switch a.Cond.Kind {
	case CondCity, CondProvince, CondMemberLevel, CondRegisterChannel, CondRFM, CondLifecycle, CondGender:
	default:
		return nil
	}
	c := *a.Cond
	c.Values = append(append([]string{}, a.Cond.Values...), b.Cond.Values...)
	return leaf(&c)
}

func (p *parser) setWindow(w *Window) {
	if w == nil {
		return
	}
	if p.window == nil {
		p.window = w
	}
	p.curWindow = w
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
		}
		w, err = fixedWindow(p.asOf, t.Val(), p.phrase(1))
		if t.Val() == "all" && p.purchaseAhead(1) { // 历史上买过
			p.pastNext, p.pastAll = true, true
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
	if err != nil {
		p.unplace(n, err.Error(), nil)
		return true
	}
	p.setWindow(w)
	p.pos += n
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
	if err != nil {
		p.unplace(n, err.Error(), nil)
		return true
	}
	p.setWindow(w)
	p.pos += n
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
	if err != nil {
		p.unplace(n, err.Error(), nil)
		return true
	}
	p.setWindow(w)
	p.pos += n
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

// ---- purchases ---------------------------------------------------------

// channelMod reads [在|通过|从] (门店|APP|线上|线下) [渠道] at off.
func (p *parser) channelMod(off int) (channels []string, not bool, n int) {
	i := off
	if k := p.kind(i); k == KIn || k == KFrom {
		i++
	}
	t := p.tok(i)
	switch t.Kind {
	case KChannel:
		channels = []string{t.Val()}
	case KOnline:
		channels = []string{storeValue}
		not = t.Val() == "online"
	default:
		return nil, false, 0
	}
	i++
	if p.kind(i) == KDim && p.tok(i).Val() == "channel" {
		i++
	}
	if p.kind(i) == KExcept { // 门店以外(的渠道): every other channel
		not = !not
		i++
		if p.kind(i) == KDim && p.tok(i).Val() == "channel" {
			i++
		}
	}
	return channels, not, i - off
}

// moreChannels reads (和|或|、) channel … after a first channel at off and
// a 都 after them. both: 都 said (each channel); amb: the token index of a
// 和 without 都 (which reading?), else -1.
func (p *parser) moreChannels(off int) (more []string, n int, both bool, amb int) {
	i, and := off, -1
	for (p.kind(i) == KAnd || p.kind(i) == KOr) && p.kind(i+1) == KChannel {
		if p.kind(i) == KAnd && p.tok(i).Text != "、" && and < 0 {
			and = i
		}
		more = append(more, p.tok(i+1).Val())
		i += 2
	}
	if len(more) == 0 {
		return nil, 0, false, -1
	}
	switch {
	case p.kind(i) == KAll:
		return more, i + 1 - off, true, -1
	case p.kind(i) == KNeg && strings.HasPrefix(p.tok(i).Text, "都"):
		return more, i - off, true, -1 // 都没买过: in none of them
	case and >= 0:
		return more, i - off, false, and
	}
	return more, i - off, false, -1
}

// channelNegated takes a pending 非 or 除了 that belongs to the channel
// just read (非门店渠道, 除了门店以外): it negates the channel, not the
// purchase.
func (p *parser) channelNegated(not bool, n, off int) bool {
	if !p.exclude || n == 0 {
		return not
	}
	except := p.kind(off+n-1) == KExcept || (p.kind(off+n-2) == KExcept && p.kind(off+n-1) == KDim)
	switch {
	case p.excludeBy == "非" && !except:
		p.exclude = false
		return !not
	case except && (p.excludeBy == "除了" || p.excludeBy == "除去"):
		p.exclude = false // 除了…以外 is one phrase: 以外 already negated
	}
	return not
}

// spaced reports white space in the question between token off-1 and off
// (the normalizer drops it; a list written with spaces still means a list).
func (p *parser) spaced(off int) bool {
	i := p.pos + off
	if i <= 0 || i >= len(p.toks) {
		return false
	}
	a, b := p.text.Pos[p.toks[i-1].J-1]+1, p.text.Pos[p.toks[i].I]
	for k := a; k < b; k++ {
		if unicode.IsSpace(p.text.Orig[k]) {
			return true
		}
	}
	return false
}

// itemConj reads one item: 口红, 迪奥口红, 迪奥的口红 (every term matches one line).
func (p *parser) itemConj(off int) ([]ItemTerm, int) {
	if p.kind(off) != KItem {
		return nil, 0
	}
	items := []ItemTerm{*p.tok(off).Sense.Item}
	i := off + 1
	for {
		j := p.skipDe(i)
		if p.kind(j) != KItem || p.spaced(j) {
			break // 迪奥口红 is one item; 口红 眼影 (a space) is a list
		}
		items = append(items, *p.tok(j).Sense.Item)
		i = j + 1
	}
	return items, i - off
}

// itemList reads item (和|与|、|或 item)*; or reports whether any 或 joined them.
func (p *parser) itemList(off int) (list [][]ItemTerm, or, comma bool, n int) {
	first, k := p.itemConj(off)
	if k == 0 {
		return nil, false, false, 0
	}
	list = [][]ItemTerm{first}
	i := off + k
	for {
		sep := p.tok(i)
		if sep.Kind == KItem && p.spaced(i) {
			next, k := p.itemConj(i) // 口红 眼影: a space lists, like 、
			list, comma = append(list, next), true
			i += k
			continue
		}
		if sep.Kind != KAnd && sep.Kind != KOr {
			break
		}
		next, k := p.itemConj(i + 1)
		if k == 0 {
			break
		}
		if sep.Kind == KOr {
			or = true
		}
		if sep.Text == "、" {
			comma = true
		}
		list = append(list, next)
		i += 1 + k
	}
	return list, or, comma, i - off
}

// lineMeasure: 口红的销售额, 香奈儿卖了多少钱, 面膜的销量, 口红的购买人数:
// a measure of the item's order lines (compile_lines.go), not of the
// customers who bought it.
func (p *parser) lineMeasure() bool {
	if p.kind(0) != KItem {
		return false
	}
	items, n := p.itemConj(0)
	j := p.skipDe(n)
	t := p.tok(j)
	if t.Kind != KMeasure {
		return false
	}
	m, ok := map[string]string{"spend": "sales", "units": "units", "buyers": "buyers", "customers": "buyers"}[t.Val()]
	if !ok || len(p.lines) > 0 {
		return false
	}
	p.lines = items
	p.measures = append(p.measures, m)
	p.content = true
	p.pos += j + 1
	return true
}

// promo: 用过优惠券 (a purchase with one), or 用券买过口红 (the purchase
// that follows carries it).
func (p *parser) promo() bool {
	t := p.tok(0)
	if t.Kind != KPromo {
		return false
	}
	p.pos++
	if p.kind(0) == KBuy || p.kind(0) == KIn || p.kind(0) == KChannel {
		p.pendingPromo = t.Val()
		return true
	}
	p.content = true
	p.add(leaf(&Cond{Kind: CondBought, Promo: t.Val(), Window: p.curWindow}))
	return true
}

// purchase: [channel] [没|从未] [channel] 买过 [items]  |  items [都] [没|从未] 买过.
func (p *parser) purchase() bool {
	i := 0
	var items [][]ItemTerm
	var or, comma, itemsFirst bool
	bare := false // an item alone, in 换成面霜: bought, like what it replaces
	if p.kind(0) == KItem {
		var n int
		items, or, comma, n = p.itemList(0)
		i = n
		if j := p.skipDe(i); (p.kind(j) == KBuy || p.kind(j) == KBuyer) && j > i {
			i = j // 口红的购买客户, 口红的购买者, 口红的买家
		} else if p.replace && p.kind(i) != KBuy && p.kind(i) != KAll && p.kind(i) != KNeg && p.kind(i) != KNever {
			bare = true
		}
		if p.kind(i) == KAll {
			i++
			comma = false
		}
		itemsFirst = true
	}
	// 只在门店买过口红: in that channel and in no other.
	onlyChannel := !itemsFirst && p.kind(i) == KOnly
	if onlyChannel {
		if _, _, n := p.channelMod(i + 1); n == 0 {
			onlyChannel = false
		} else {
			i++
		}
	}
	channels, chNot, n := p.channelMod(i)
	chN, chOff := n, i // where the channel was said, for a pending 非
	i += n
	// 在天猫和门店都买过 (each), 在天猫或门店买过 (either).
	each := false
	if n > 0 && !chNot {
		more, m, both, amb := p.moreChannels(i)
		if amb >= 0 {
			t, last := p.tok(amb), p.tok(i+m-1)
			span := p.text.OrigSpan(t.I, t.J)
			orig := p.text.Orig
			end := p.text.OrigSpan(last.I, last.J).End
			p.errs.add(Unplaced{Span: span, Text: p.text.Slice(span),
				Reason: "连接两个渠道：是每个渠道都买过（如“在天猫和门店都买过”），还是任一渠道买过（如“在天猫或门店买过”）？",
				Rewrites: []string{string(orig[:end]) + "都" + string(orig[end:]),
					string(orig[:span.Start]) + "或" + string(orig[span.End:])}})
			p.pos += i + m
			return true
		}
		channels, each = append(channels, more...), both
		i += m
	}
	// 只买过口红: lipstick and nothing else in the window.
	only := !itemsFirst && len(channels) == 0 && p.kind(i) == KOnly && p.kind(i+1) == KBuy
	if only {
		i++
	}
	neg, never := false, false
	switch p.kind(i) {
	case KNeg:
		neg = true
		i++
	case KNever:
		never = true
		i++
	}
	if len(channels) == 0 {
		channels, chNot, n = p.channelMod(i)
		chN, chOff = n, i
		i += n
	}
	// 没有消费 / 从未消费: the measure word negated is a purchase verb.
	spendVerb := (neg || never) && p.kind(i) == KMeasure && p.tok(i).Text == "消费"
	buyer := itemsFirst && p.kind(i) == KBuyer
	if p.kind(i) != KBuy && !spendVerb && !buyer && !bare {
		return false
	}
	if bare {
		i-- // no verb to consume below
	}
	if p.kind(i+1) == KNum || (p.kind(i+1) == KCmp && p.kind(i+2) == KNum) {
		return false // 买了3次以上: a threshold
	}
	verb := p.tok(i).Text
	i++
	// Only now that the rule matches may it take a pending 非 (非门店渠道买过).
	chNot = p.channelNegated(chNot, chN, chOff)
	anything := false
	if !itemsFirst {
		var n int
		items, or, comma, n = p.itemList(i)
		i += n
		// 下过口红的单: the order said after the item.
		if n > 0 && strings.HasPrefix(verb, "下") {
			if j := p.skipDe(i); j > i && (p.tok(j).Text == "单" || p.tok(j).Text == "订单") {
				i = j + 1
			}
		}
		if n == 0 && p.kind(i) == KAnyItem { // 买过东西: any purchase
			i++
			anything = true
		}
	}
	past := p.pastNext
	p.pastNext = false
	if past && neg && p.pastAll {
		neg, never = false, true // 历史上没买过 = 从未买过
	}
	if past && neg {
		// 以前没买过口红, 近3个月买过的: "before the window" or "never"?
		p.unplace(i, "「以前没买过」可理解为“从未买过”或“在时间范围之前没买过”，请说明（如“从未买过”）", nil)
		return true
	}
	if neg && len(items) == 0 && !anything && p.contrast && !strings.ContainsAny(verb, "单费") {
		// 买过口红但近3个月没买过的: in a contrast, the object left out is
		// the one just said (one item; 兰蔻或雅诗兰黛…没有购买 is any order).
		if prev := p.lastItems(); prev != nil {
			items = [][]ItemTerm{prev}
			p.notes = append(p.notes, fmt.Sprintf("“没%s”沿用前面的商品「%s」", strings.TrimSuffix(verb, "的"), itemNames(items)[0]))
		}
	}
	if only && len(items) != 1 {
		// 只买过口红和眼影 / 只买过东西: "only" of several terms has more
		// than one reading; ask rather than guess.
		p.unplace(i, "「只买过」只支持一个商品词（如“只买过口红”）", nil)
		return true
	}
	p.pos += i
	p.content = true

	if onlyChannel && (neg || never) {
		p.unplace(i, "「只在…没买过」有歧义，请分开说（如“在门店买过、线上没买过”）", nil)
		return true
	}
	promo := p.pendingPromo
	p.pendingPromo = ""
	mk := func(it []ItemTerm) *Node {
		if each && !neg && !never {
			// 在天猫和门店都买过口红: bought it in each of them.
			var per []*Node
			for _, ch := range channels {
				c := &Cond{Kind: CondBought, Items: it, Channels: []string{ch}, Window: p.curWindow, AllTime: past, Promo: promo}
				per = append(per, leaf(c))
			}
			return And(per...)
		}
		c := &Cond{Kind: CondBought, Items: it, Channels: channels, ChannelNot: chNot, Window: p.curWindow, AllTime: never || past, Only: only, Promo: promo}
		n := leaf(c)
		if neg || never {
			n = &Node{Op: OpNot, Kids: []*Node{n}}
		}
		if onlyChannel {
			// …and not through any other channel.
			other := *c
			other.ChannelNot = !c.ChannelNot
			n = And(n, &Node{Op: OpNot, Kids: []*Node{leaf(&other)}})
		}
		return n
	}
	if len(items) == 0 {
		p.add(mk(nil))
		return true
	}
	var nodes []*Node
	for _, it := range items {
		nodes = append(nodes, mk(it))
	}
	if len(nodes) == 1 {
		p.add(nodes[0])
		return true
	}
	names := itemNames(items)
	switch {
	case neg || never:
		// 没买过A和B / 没买过A或B: bought neither.
		p.notes = append(p.notes, fmt.Sprintf("“没买过%s”按“都没买过”理解", strings.Join(names, "、")))
		p.add(And(nodes...))
	case or:
		p.add(&Node{Op: OpOr, Kids: nodes})
	default:
		if comma {
			p.notes = append(p.notes, fmt.Sprintf("“买过%s”按“都买过”理解", strings.Join(names, "、")))
		}
		p.add(And(nodes...))
	}
	return true
}

// unitAt is the time unit of the token at off (天 周 个月 季度 年), or "".
func (p *parser) unitAt(off int) string {
	switch t := p.tok(off); t.Kind {
	case KTimeUnit:
		return t.Val()
	case KYear:
		return "y"
	}
	return ""
}

// negPurchaseAhead reports a negated purchase at off: [的] 没(有) [在 channel] 买/消费.
func (p *parser) negPurchaseAhead(off int) bool {
	off = p.skipDe(off)
	if p.kind(off) != KNeg {
		return false
	}
	_, _, n := p.channelMod(off + 1)
	k := p.tok(off + 1 + n)
	return k.Kind == KBuy || (k.Kind == KMeasure && k.Text == "消费")
}

// pastWords are the KCumulative words that date a purchase (曾经买过),
// not a measure (累计消费).
var pastWords = map[string]bool{"曾经": true, "曾": true, "以往": true}

// purchaseAhead reports whether a purchase clause starts at off: [在 channel] [没] 买.
func (p *parser) purchaseAhead(off int) bool {
	_, _, n := p.channelMod(off)
	off += n
	if k := p.kind(off); k == KNeg || k == KNever {
		off++
	}
	return p.kind(off) == KBuy
}

// lastItems is the items of the latest condition when it is a purchase of
// one item (not a list: which of them would be meant?).
func (p *parser) lastItems() []ItemTerm {
	if len(p.conds) == 0 {
		return nil
	}
	n := p.conds[len(p.conds)-1]
	if n.Op == OpCond && n.Cond.Kind == CondBought && len(n.Cond.Items) > 0 {
		return n.Cond.Items
	}
	return nil
}

func itemNames(items [][]ItemTerm) []string {
	var out []string
	for _, it := range items {
		var parts []string
		for _, t := range it {
			parts = append(parts, t.Value)
		}
		out = append(out, strings.Join(parts, "的"))
	}
	return out
}

// ---- measures, thresholds, sorting -------------------------------------

// measureAt reads [累计] [在] 消费金额 at off, or 买了/购买 (the order count).
func (p *parser) measureAt(off int) (key string, n int, viaBuy bool) {
	i := off
	if p.kind(i) == KCumulative {
		i++
	}
	switch p.kind(i) {
	case KMeasure:
		return p.tok(i).Val(), i + 1 - off, false
	case KBuy:
		return "orders", i + 1 - off, true
	}
	return "", 0, false
}

// cmpAt reads a comparison word at off: 超过, 不少于, …, or 最多/最少 (≤ and
// ≥, when a number follows at once, or, said before the measure, anyway).
func (p *parser) cmpAt(off int, numNext bool) (op string, n int) {
	switch t := p.tok(off); {
	case t.Kind == KCmp:
		return t.Val(), 1
	case t.Kind == KHighest && (t.Text == "最多" || t.Text == "最少") && (!numNext || p.kind(off+1) == KNum):
		if !numNext && p.kind(off+1) != KMeasure && p.kind(off+1) != KBuy {
			return "", 0 // 最多的5个: a ranking, not a bound
		}
		return map[string]string{"最多": "<=", "最少": ">="}[t.Text], 1
	}
	return "", 0
}

// amountAt reads a number with an optional unit; unit says what it counts.
func (p *parser) amountAt(off int) (v float64, unit string, n int) {
	if p.kind(off) != KNum {
		return 0, "", 0
	}
	v = p.tok(off).Num
	switch p.kind(off + 1) {
	case KMoneyUnit:
		return v, "money", 2
	case KTimesUnit:
		return v, "times", 2
	}
	return v, "", 1
}

// threshold: 消费超过3000块, 累计消费1万以上, 买了3次以上, 订单数不少于3,
// 消费在1000到3000之间, 平均订单金额大于500元.
func (p *parser) threshold() bool {
	// 口红买了3次以上: the item first, then the count of its orders.
	var items []ItemTerm
	start := 0
	if p.kind(0) == KItem {
		it, n := p.itemConj(0)
		if j := p.skipDe(n); p.kind(j) == KBuy {
			items, start = it, j
		} else {
			return false
		}
	}
	// The comparison may come first: 至少消费了500元, 最多买过3次.
	op, pre := p.cmpAt(start, false)
	pre += start
	channels, chNot, cn := p.channelMod(pre) // 在天猫消费超过2000元
	ci := pre + cn
	key, i, viaBuy := p.measureAt(ci)
	if i == 0 || (ci > pre && predictedMeasure(key)) {
		return false
	}
	i += ci
	for p.kind(i) == KFiller || p.kind(i) == KIn { // 消费是, 消费在, 消费了
		i++
	}
	if op == "" {
		var n int
		op, n = p.cmpAt(i, true)
		i += n
	}
	v, unit, n := p.amountAt(i)
	if n == 0 {
		return false
	}
	if viaBuy && unit != "times" {
		return false
	}
	i += n
	cond := &Cond{Kind: CondMeasure, Measure: key, Value: v, Window: p.curWindow, Channels: channels, ChannelNot: chNot}
	switch {
	case op == "" && p.kind(i) == KTo:
		v2, unit2, n2 := p.amountAt(i + 1)
		if n2 == 0 {
			return false
		}
		if unit == "" {
			unit = unit2
		}
		cond.Op, cond.Value2 = "between", v2
		i += 1 + n2
		if p.kind(i) == KBetween {
			i++
		}
	case op == "" && p.kind(i) == KPostCmp:
		cond.Op = p.tok(i).Val()
		i++
	case op == "":
		cond.Op = "="
	default:
		cond.Op = op
	}
	// The unit decides between spend and order count (消费3次以上 counts orders).
	if unit == "times" && key == "spend" {
		cond.Measure = "orders"
	}
	// 买过3次以上口红: the orders counted are those with the item.
	if viaBuy && len(items) == 0 && p.kind(i) == KItem {
		it, n := p.itemConj(i)
		items, i = it, i+n
	}
	if len(items) > 0 {
		if cond.Measure != "orders" {
			return false
		}
		cond.Items = items
	}
	if unit == "money" && cond.Measure == "orders" {
		return false
	}
	if !customerMeasure(cond.Measure) {
		return false
	}
	// Only now that the rule matches may it take a pending 非 (非门店消费…).
	cond.ChannelNot = p.channelNegated(chNot, cn, pre)
	p.pos += i
	p.add(leaf(cond))
	return true
}

// customerMeasure says which measures are one value per customer: what a
// threshold can test and a customer list can be sorted by.
func customerMeasure(key string) bool {
	switch key {
	case "spend", "orders", "aov", "arpu", "clv", "exp_purchases", "p_alive":
		return true
	}
	return false
}

// predictedMeasure reports a measure of the CLV prediction: a property of
// the snapshot, not of a time window.
func predictedMeasure(key string) bool {
	return key == "clv" || key == "exp_purchases" || key == "p_alive"
}

// topN: 消费金额前10, 消费最高的10个客户, 前20名, top 10, 订单数最多的5位.
func (p *parser) topN() bool {
	key, i, viaBuy := p.measureAt(0)
	if viaBuy {
		key, i = "", 0
	}
	i = p.skipDe(i)
	desc := true
	switch t := p.tok(i); t.Kind {
	case KTop:
		i++
	case KHighest:
		if i == 0 {
			return false // 最多 alone is not a sort
		}
		desc = t.Val() == "desc"
		i++
		i = p.skipDe(i)
		if p.kind(i) == KTop && p.kind(i+1) == KNum { // 最高的前50名
			i++
		}
	default:
		return false
	}
	num, hasNum, who := 0.0, false, false
	if p.kind(i) == KNum {
		num, hasNum = p.tok(i).Num, true
		i++
		if p.kind(i) == KRank { // 10个
			i++
		}
		if p.kind(i) == KWho { // 10个客户, 10位客户
			who = true
			i++
		}
	} else if p.tok(i-1).Kind == KTop {
		return false // 前 without a number
	}
	// 5个城市, 消费最多的城市: the ranking is of groups, not customers.
	rankDim := ""
	if t := p.tok(i); t.Kind == KDim && !who {
		if _, ok := Dimensions[t.Val()]; ok {
			rankDim = t.Val()
			i++
		}
	} else if t.Kind == KAnyItem && !who && (t.Text == "商品" || t.Text == "产品") {
		rankDim = "product" // 销量最高的5个商品
		i++
	}
	groups := rankDim != "" || p.group != ""
	if key == "" {
		// 前10名的消费金额? the measure may follow.
		j := p.skipDe(i)
		if p.kind(j) == KMeasure && customerMeasure(p.tok(j).Val()) {
			key, i = p.tok(j).Val(), j+1
		}
	}
	if key == "" && p.sort != nil {
		// 订单数最多的，前5名: the order was said already; this is its limit.
		key, desc = p.sort.By, p.sort.Desc
	}
	p.sortDefault = key == ""
	if key == "" {
		key = "spend" // plan() says so, or ranks a table by its measure
	}
	_, table := groupMeasureSQL[key]
	_, lines := lineMeasureSQL[key]
	if key == "units" && Dimensions[rankDim].Line {
		lines = true // 销量最高的5个商品
	}
	if !(customerMeasure(key) || groups && (table || lines || (Dimensions[rankDim].Line && (key == "spend" || key == "customers")))) {
		return false
	}
	if hasNum && (!isInt(num) || num < 1 || num > 100000) {
		p.unplace(i, "排名数量应为 1 到 100000 的整数", nil)
		return true
	}
	if rankDim != "" && p.group != "" && p.group != rankDim {
		p.unplace(i, "一次只能按一个维度分组", nil)
		return true
	}
	p.rankSpan = p.text.OrigSpan(p.tok(0).I, p.tok(i-1).J)
	p.rankWho = who || !groups
	p.pos += i
	p.content = true
	p.sort = &Sort{By: key, Desc: desc}
	p.limit = int(num)
	if rankDim != "" {
		p.group = rankDim
	}
	return true
}

// sortBy: 按消费金额排序 (从高到低), 最近购买的客户, 按最近购买时间排序.
func (p *parser) sortBy() bool {
	if p.kind(0) == KRecentBuy || (p.kind(0) == KGroup && p.kind(1) == KRecentBuy) {
		i := 1
		if p.kind(0) == KGroup { // 按最近购买时间排序
			i = 2
		}
		for p.kind(i) == KSortWord || p.kind(i) == KSortDir {
			i++
		}
		p.pos += i
		p.content = true
		p.sort = &Sort{By: SortLastPurchase, Desc: true}
		return true
	}
	if p.kind(0) != KGroup || p.kind(1) != KMeasure || !customerMeasure(p.tok(1).Val()) {
		return false
	}
	i, desc := 2, true
	for {
		switch t := p.tok(i); t.Kind {
		case KSortDir:
			desc = t.Val() == "desc"
			i++
			continue
		case KSortWord:
			i++
			continue
		}
		break
	}
	if i == 2 {
		return false
	}
	p.sort = &Sort{By: p.tok(1).Val(), Desc: desc}
	p.pos += i
	p.content = true
	return true
}

// ---- customer attributes -----------------------------------------------

// age: 30到40岁, 25-35岁, 30岁以上, 30岁以下, 年龄大于30岁, 90后.
func (p *parser) age() bool {
	i := 0
	if p.kind(i) == KAge {
		i++
		if p.kind(i) == KIn || p.kind(i) == KFiller {
			i++
		}
	}
	c := &Cond{Kind: CondAge}
	intp := func(v int) *int { return &v }
	switch {
	case p.kind(i) == KNum && p.kind(i+1) == KGeneration && isInt(p.tok(i).Num):
		y := int(p.tok(i).Num)
		if y < 100 {
			if y >= 30 {
				y += 1900
			} else {
				y += 2000
			}
		}
		span := 9
		if y%10 == 5 {
			span = 4
		}
		p.pos += i + 2
		p.add(leaf(&Cond{Kind: CondBirthYear, Value: float64(y), Value2: float64(y + span)}))
		return true
	case p.kind(i) == KCmp && p.kind(i+1) == KNum && (p.kind(i+2) == KAgeUnit || i > 0):
		v := int(p.tok(i + 1).Num)
		switch p.tok(i).Val() {
		case ">":
			c.AgeMin = intp(v + 1)
		case ">=":
			c.AgeMin = intp(v)
		case "<":
			c.AgeMax = intp(v - 1)
		case "<=":
			c.AgeMax = intp(v)
		default:
			c.AgeMin, c.AgeMax = intp(v), intp(v)
		}
		i += 2
		if p.kind(i) == KAgeUnit {
			i++
		}
	case p.kind(i) == KNum:
		a := int(p.tok(i).Num)
		j := i + 1
		if p.kind(j) == KAgeUnit {
			j++
		}
		switch {
		case p.kind(j) == KTo && p.kind(j+1) == KNum && p.kind(j+2) == KAgeUnit:
			c.AgeMin, c.AgeMax = intp(a), intp(int(p.tok(j+1).Num))
			j += 3
			if p.kind(j) == KBetween {
				j++
			}
		case j > i+1 && p.kind(j) == KPostCmp:
			if p.tok(j).Val() == ">=" {
				c.AgeMin = intp(a)
			} else {
				c.AgeMax = intp(a - 1) // 30岁以下 = younger than 30 (spec semantics.md)
			}
			j++
		case j > i+1:
			c.AgeMin, c.AgeMax = intp(a), intp(a)
		default:
			return false
		}
		i = j
	default:
		return false
	}
	if c.AgeMin != nil && c.AgeMax != nil && *c.AgeMin > *c.AgeMax {
		p.unplace(i, "年龄范围的下限大于上限", nil)
		return true
	}
	p.pos += i
	p.add(leaf(c))
	return true
}

// register: 小程序注册的, 通过APP注册, 注册渠道为门店, 近30天新注册的, 2026年注册的.
func (p *parser) register() bool {
	switch {
	case p.kind(0) == KNewReg, p.kind(0) == KFirstBuy:
		kind := map[Kind]CondKind{KNewReg: CondRegistered, KFirstBuy: CondFirstPurchase}[p.kind(0)]
		p.pos++
		c := &Cond{Kind: kind, Window: p.curWindow}
		if c.Window == nil {
			// "新注册的" / "首次购买的" with no time: the lifecycle's "new" window.
			days := 30
			if p.lex.cat != nil {
				days = p.lex.cat.Model.Lifecycle.NewDays
			}
			w, _ := lastN(p.asOf, float64(days), "d", fmt.Sprintf("近%d天", days))
			c.Window = w
			p.notes = append(p.notes, fmt.Sprintf("未说明时间，按近%d天理解", days))
		}
		p.add(leaf(c))
		return true
	case p.kind(0) == KRegister && p.registerAge():
		return true
	case p.kind(0) == KRegister:
		if p.curWindow == nil {
			return false
		}
		p.pos++
		p.add(leaf(&Cond{Kind: CondRegistered, Window: p.curWindow}))
		return true
	case p.kind(0) == KDim && p.tok(0).Val() == "register_channel":
		j := 1
		for p.kind(j) == KFiller {
			j++
		}
		if p.kind(j) != KChannel {
			return false
		}
		p.pos += j
		p.regChannelNext = true
		return true
	}
	channels, _, n := p.channelMod(0)
	if n == 0 || p.kind(0+n) != KRegister && !p.regChannelNext {
		return false
	}
	if p.kind(n) == KRegister {
		n++
	}
	p.regChannelNext = false
	p.pos += n
	p.add(leaf(&Cond{Kind: CondRegisterChannel, Values: channels}))
	return true
}

// registerAge: 注册超过一年, 注册满3个月, 注册不到30天, 注册一年以上 — how
// long ago a customer registered, as a window on the register date.
func (p *parser) registerAge() bool {
	i, op := 1, ""
	if p.kind(i) == KCmp {
		op = p.tok(i).Val()
		i++
	}
	if p.kind(i) != KNum {
		return false
	}
	n, unit := p.tok(i).Num, p.unitAt(i+1)
	if unit == "" {
		return false
	}
	i += 2
	if op == "" && p.kind(i) == KPostCmp { // 注册一年以上
		op = p.tok(i).Val()
		i++
	}
	if op == "" || op == "=" {
		return false
	}
	phrase := p.phrase(i)
	b, err := ago(p.asOf, n, unit)
	if err != nil {
		p.unplace(i, err.Error(), nil)
		return true
	}
	// The register date against b = as_of − n units.
	w := map[string]*Window{
		">=": {From: historyStart, To: b}, ">": {From: historyStart, To: b.AddDays(-1)},
		// 以内 and 不到 both read as the window 近N: as_of − N < date ≤ as_of.
		"<": {From: b.AddDays(1), To: p.asOf}, "<=": {From: b.AddDays(1), To: p.asOf},
	}[op]
	w.Phrase = strings.TrimSuffix(phrase, "的")
	p.pos += i
	p.add(leaf(&Cond{Kind: CondRegistered, Window: w}))
	return true
}

// attribute: 女性, 深圳, 广东省, 一线城市, 金卡会员, 重要价值客户, 沉默客户.
func (p *parser) attribute() bool {
	t := p.tok(0)
	var c *Cond
	switch t.Kind {
	case KGender:
		c = &Cond{Kind: CondGender, Values: []string{t.Val()}}
	case KCity:
		c = &Cond{Kind: CondCity, Values: []string{t.Val()}}
	case KProvince:
		c = &Cond{Kind: CondProvince, Values: []string{t.Val()}}
	case KTier1:
		c = &Cond{Kind: CondCity, Values: append([]string{}, t.Sense.Values...)}
	case KLevel:
		c = &Cond{Kind: CondMemberLevel, Values: []string{t.Val()}}
	case KRFM:
		c = &Cond{Kind: CondRFM, Values: []string{t.Val()}}
	case KLifecycle:
		c = &Cond{Kind: CondLifecycle, Values: []string{t.Val()}}
	case KPotential:
		c = &Cond{Kind: CondPotential, Values: []string{t.Val()}}
	case KRepeatBuyer:
		c = &Cond{Kind: CondMeasure, Measure: "orders", Op: ">=", Value: 2, Window: p.curWindow}
		p.notes = append(p.notes, "复购客户按已完成订单数 ≥ 2 理解")
	case KBecome:
		p.become = true
		p.pos++
		return true
	case KNewly:
		p.newly, p.newlyWin = true, nil
		if p.datedByTime() {
			p.newlyWin = p.timeWin
			p.segmentWins[p.timeWin] = true
		}
		p.pos++
		return true
	case KMigration:
		p.migration = true
		p.content = true
		p.pos++
		return true
	case KDim:
		// RFM分群迁移 / 生命周期的迁移: the dimension of a migration table.
		if v := t.Val(); (v == "rfm" || v == "lifecycle") && p.kind(p.skipDe(1)) == KMigration {
			p.migrationDim = v
			p.pos++
			return true
		}
		// 城市是上海, 会员等级为金卡: the dimension word names the value that follows.
		j := 1
		for p.kind(j) == KFiller || p.kind(j) == KIn {
			j++
		}
		want := map[string]Kind{"city": KCity, "province": KProvince, "gender": KGender, "member_level": KLevel,
			"rfm": KRFM, "lifecycle": KLifecycle}[t.Val()]
		if want == 0 || p.kind(j) != want {
			return false
		}
		p.pos += j
		return true
	default:
		return false
	}
	if c.Kind == CondRFM || c.Kind == CondLifecycle || c.Kind == CondPotential {
		return p.segment(c)
	}
	p.pos++
	if p.kind(0) == KExcept { // 上海以外的, 除了上海以外
		p.pos++
		if p.exclude && (p.excludeBy == "除了" || p.excludeBy == "除去") {
			p.exclude = false // 除了…以外 is one phrase
		}
		p.add(&Node{Op: OpNot, Kids: []*Node{leaf(c)}})
		return true
	}
	p.add(leaf(c))
	return true
}

// datedByTime reports whether only 的 stands between the last time phrase
// and the current token.
func (p *parser) datedByTime() bool {
	if p.timeWin == nil || p.timeEnd > p.pos {
		return false
	}
	for i := p.timeEnd; i < p.pos; i++ {
		if t := p.toks[i]; !(t.Kind == KFiller && t.Text == "的") {
			return false
		}
	}
	return true
}

// snapshotAtOrBefore is the latest snapshot date in [from, to], or false.
func (p *parser) snapshotIn(from, to Date) (Date, bool) {
	var best Date
	ok := false
	for _, d := range p.snapshotDates {
		if !d.Before(from.Time) && !d.After(to.Time) && (!ok || d.After(best.Time)) {
			best, ok = d, true
		}
	}
	return best, ok
}

// snapshotBefore is the latest snapshot strictly before d.
func (p *parser) snapshotBefore(d Date) (Date, bool) {
	return p.snapshotIn(D(d.AddDate(-200, 0, 0)), d.AddDays(-1))
}

func (p *parser) snapshotList() string {
	var s []string
	for _, d := range p.snapshotDates {
		s = append(s, d.String())
	}
	if len(s) == 0 {
		return "无"
	}
	return strings.Join(s, "、")
}

// segment places a segment condition, dated when a time phrase or 变成/新晋
// says so.
func (p *parser) segment(c *Cond) bool {
	if p.datedByTime() && c.Kind == CondLifecycle && p.lex.cat != nil && len(c.Values) == 1 &&
		c.Values[0] == p.lex.cat.Model.Lifecycle.New.Name {
		// 最近7天的新客, 上个季度的新客户: first purchase in that window, not
		// the stage (whose own window is the model's 30 days) at a snapshot.
		p.notes = append(p.notes, fmt.Sprintf("“%s的%s”按首次购买在%s理解", p.timeWin.Phrase, c.Values[0], p.timeWin.Phrase))
		p.pos++
		p.add(leaf(&Cond{Kind: CondFirstPurchase, Window: p.timeWin}))
		return true
	}
	if p.datedByTime() {
		w := p.timeWin
		d, ok := p.snapshotIn(w.From, w.To)
		if !ok {
			p.unplace(1, fmt.Sprintf("「%s」没有分群快照（已有快照的日期：%s）", w.Phrase, p.snapshotList()), nil)
			return true
		}
		c.At = &d
		p.segmentWins[w] = true
	}
	n := leaf(c)
	switch {
	case p.newly:
		// Now in the segment, and not at the snapshot before the period (or before as_of).
		ref := p.asOf
		if p.newlyWin != nil {
			ref = p.newlyWin.From
		}
		prev, ok := p.snapshotBefore(ref)
		if !ok {
			p.unplace(1, fmt.Sprintf("没有更早的分群快照可比较（已有快照的日期：%s）", p.snapshotList()), nil)
			return true
		}
		was := *c
		was.At = &prev
		p.newly = false
		p.pos++
		p.add(And(n, &Node{Op: OpNot, Kids: []*Node{leaf(&was)}}))
		return true
	case p.become && p.lastSegment != nil:
		// The earlier segment is read at a past snapshot: its own date, else the one before as_of.
		from := p.lastSegment.Cond
		if from.At == nil {
			prev, ok := p.snapshotBefore(p.asOf)
			if !ok {
				p.unplace(1, fmt.Sprintf("没有更早的分群快照可比较（已有快照的日期：%s）", p.snapshotList()), nil)
				return true
			}
			from.At = &prev
		}
		p.become = false
	}
	p.pos++
	p.lastSegment = n
	p.add(n)
	return true
}

// birthday: 本月过生日的, 11月生日的, 生日在12月的, 下个月生日的.
func (p *parser) birthday() bool {
	month := func(off int) (int, int) { // a month phrase at off: month number, tokens
		t := p.tok(off)
		switch {
		case t.Kind == KTimeFixed && t.Val() == "this_month":
			return int(p.asOf.Month()), 1
		case t.Kind == KTimeFixed && t.Val() == "last_month":
			return (int(p.asOf.Month())+10)%12 + 1, 1
		case t.Kind == KNum && p.kind(off+1) == KMonthMark && isInt(t.Num) && t.Num >= 1 && t.Num <= 12:
			return int(t.Num), 2
		case t.Kind == KTimeFixed && t.Val() == "next_month":
			return int(p.asOf.Month())%12 + 1, 1
		}
		return 0, 0
	}
	// months reads 1月, or a list 1月和2月 / 1月、2月, at off.
	months := func(off int) ([]int, int) {
		m, k := month(off)
		if k == 0 {
			return nil, 0
		}
		ms, i := []int{m}, off+k
		for {
			j := i
			if t := p.tok(j); t.Kind == KOr || (t.Kind == KAnd && listJoiners[t.Text]) {
				j++
			}
			if m, k := month(j); k > 0 && j > i {
				ms, i = append(ms, m), j+k
				continue
			}
			return ms, i - off
		}
	}
	var ms []int
	var n int
	switch {
	case p.kind(0) == KBirthday:
		ms, n = months(1)
		n++
	default:
		var k int
		ms, k = months(0)
		j := p.skipDe(k)
		if k == 0 || p.kind(j) != KBirthday {
			return false
		}
		n = j + 1
	}
	if len(ms) == 0 {
		return false
	}
	p.pos += n
	var kids []*Node
	for _, m := range ms {
		kids = append(kids, leaf(&Cond{Kind: CondBirthMonth, Value: float64(m)}))
	}
	if len(kids) == 1 {
		p.add(kids[0])
	} else {
		p.add(&Node{Op: OpOr, Kids: kids}) // one birthday: either month
	}
	return true
}

// ---- grouping and answer words -----------------------------------------

// groupBy: 各城市, 按会员等级, 不同生命周期阶段, 每月, 城市分布.
func (p *parser) groupBy() bool {
	dimAt := func(i int) (string, bool) {
		switch t := p.tok(i); t.Kind {
		case KDim:
			return t.Val(), true
		case KMonthMark:
			return "month", true
		case KTimeUnit:
			if t.Val() == "m" {
				return "month", true
			}
		case KAnyItem:
			if i > 0 && (t.Text == "商品" || t.Text == "产品") {
				return "product", true // 各商品的销量
			}
		}
		return "", false
	}
	i := 0
	var dim string
	if d, ok := p.listedDim(); ok && (p.tok(0).Text == "各" || p.tok(0).Text == "分别") {
		// 男女客户各有多少, 北京和上海分别有多少: group by the attribute just
		// listed (its condition keeps the rows to those values).
		dim, i = d, 1
	} else if p.kind(0) == KGroup {
		d, ok := dimAt(1)
		if !ok {
			return false
		}
		dim, i = d, 2
		p.regroup = p.regroup || regroupWords[p.tok(0).Text]
	} else if j := p.whichAt(); j > 0 && p.kind(j) == KDim {
		// 都在哪些城市 / 分布在哪些城市: where they are, group by group.
		d, ok := dimAt(j)
		if !ok {
			return false
		}
		dim, i = d, j+1
		p.regroup = true
	} else if d, ok := dimAt(0); ok && p.kind(0) == KDim && (p.kind(1) == KDistribution || p.kind(1) == KGroup) {
		dim, i = d, 1
		p.regroup = true // 城市分布, 会员等级分一下
	} else {
		return false
	}
	for p.kind(i) == KDistribution || (p.kind(i) == KGroup && p.tok(i).Text == "分") {
		i++
	}
	if p.group != "" && p.group != dim {
		p.unplace(i, "一次只能按一个维度分组", nil)
		return true
	}
	p.pos += i
	p.group = dim
	p.content = true
	return true
}

// whichAt matches [都|分布] [在|来自] 哪些 before a dimension and returns
// where the dimension is (0: no match).
func (p *parser) whichAt() int {
	i := 0
	for p.kind(i) == KAll || p.kind(i) == KDistribution || p.kind(i) == KIn || (p.kind(i) == KFiller && p.tok(i).Text != "的") {
		i++
	}
	if i == 0 || p.kind(i) != KList || (p.tok(i).Text != "哪些" && p.tok(i).Text != "哪") {
		return 0
	}
	return i + 1
}

// regroupWords say "split what we have by" (按城市看, 按照等级分), unlike 各/每个
// which ask a question of their own (各城市的客户数).
var regroupWords = map[string]bool{"按": true, "按照": true, "根据": true}

// listedDim is the grouping dimension of the last condition when it lists
// several values of one attribute (男女, 北京和上海, 金卡银卡).
func (p *parser) listedDim() (string, bool) {
	if len(p.conds) == 0 {
		return "", false
	}
	n := p.conds[len(p.conds)-1]
	if n.Op != OpCond || len(n.Cond.Values) < 2 || n.Cond.At != nil {
		return "", false
	}
	d, ok := Dimensions[string(n.Cond.Kind)]
	return d.Key, ok && !d.OrderLevel
}

func (p *parser) answerWords() bool {
	t := p.tok(0)
	switch t.Kind {
	case KCount:
		p.answer = AnswerCount
	case KList:
		if p.answer == "" {
			p.answer = AnswerCustomers
		}
	case KWho, KBuyer:
	case KMeasure:
		p.measures = append(p.measures, t.Val())
	case KShare:
		p.share, p.shareSpan = true, p.text.OrigSpan(t.I, t.J)
	default:
		return false
	}
	p.content = true
	p.pos++
	return true
}

// connector: 和/或/但/、/，/的/中/都/再/只看/换成 and other words that join
// clauses without adding a condition.
func (p *parser) connector() bool {
	t := p.tok(0)
	switch t.Kind {
	case KAnd, KBut, KPunct:
		if t.Kind == KAnd {
			p.lastJoin = KAnd
		} else {
			p.lastJoin = 0
		}
		p.contrast = t.Kind == KBut || t.Text == "，" || t.Text == ","
	case KAmong:
		p.contrast = true // 买过口红的客户中近3个月没买过的
	case KOr:
		if len(p.conds) == 0 {
			return false
		}
		p.pendingOr = true
	case KExclude:
		p.exclude, p.excludeBy = true, t.Text
	case KReplace, KOnly:
		p.replace = true
	case KBefore, KCumulative:
		// 以前/曾经 right before a purchase: at any time up to as_of, even
		// if the sentence states a window for its other conditions.
		p.pastNext = (t.Kind == KBefore || pastWords[t.Text]) && p.purchaseAhead(1)
		p.pastAll = false
	case KFiller, KAll, KFollow, KDistribution, KIn, KSince, KFrom:
	default:
		return false
	}
	switch {
	case t.Kind == KOr || (t.Kind == KAnd && listJoiners[t.Text]):
		if p.gap == gapNone || p.gap == gapDe {
			p.gap = gapList
		}
	case t.Kind == KFiller && t.Text == "的":
		if p.gap == gapNone {
			p.gap = gapDe
		}
	case t.Kind == KExclude:
	default:
		p.gap = gapBreak
	}
	p.pos++
	return true
}
