package nlq

import ()

// parser is the grammar engine over one question's tokens. Each rule tries
// to match at pos; the first that does consumes its tokens and records what
// they mean. A token no rule takes is unplaced: the question is not run.
type parser struct {
	text Text
	toks []Token
	pos  int
	asOf Date
	lex  *Lexicon

	conds       []*Node          // the top-level conjunction, in order
	window      *Window          // the first window stated: the sentence's window
	curWindow   *Window          // the latest window stated
	windows     []*Window        // every window stated, in order (one that scopes nothing is asked back)
	windowSpans map[*Window]Span // where each was said
	pendingOr   bool             // an 或 joins the next condition with the last
	lastJoin    Kind             // the connector just before the next condition
	gap         gapKind          // what stood between the last condition and now
	added       bool             // the rule just run added a condition

	answer       AnswerType
	group        string
	measures     []string
	measuresSaid bool // the question named a measure (a regrouping without one keeps the last)
	sort         *Sort
	limit        int
	share        bool // 占比: a table's measures also as shares of their total
	strategy     bool // 怎么运营: the answer carries the segments' suggested actions
	why          whyState
	cohorts      []Cohort // the asker's saved lists (KCohort tokens name them)
	shareSpan    Span
	notes        []string
	content      bool // something that asks for data was said
	errs         UnplacedError

	// The state each rule family owns.
	neg  negScope      // the open 不是/排除/除了/非 (parse_conditions.go)
	edit editState     // how the question edits the previous answer (parse_followup.go)
	rank rankState     // a ranking's reading (parse_threshold.go)
	snap snapState     // dated segments and snapshots (parse_attribute.go)
	buy  purchaseState // what the next purchase carries (parse_purchase.go)
}

// negScope: the scope of 不是/排除/除了. The negation stays open over a
// list (不是北京和上海的 = neither; 排除北京或上海的) and over adjacent
// attributes (排除金卡女性 = not both), and closes at 的, a comma or
// anything else. 非 is a prefix: it takes a list but not a neighbour
// (非女性金卡会员 = the gold members who are not women).
type negScope struct {
	exclude   bool // 排除 negates the next clause
	negOpen   *Node
	negNarrow bool
	excludeBy string
}

// editState: a follow-up's edit of the previous plan.
type editState struct {
	follow  bool // the question edits the conversation's previous plan
	anaphor Span // where it points back (其中, 这些人, …呢); zero: nowhere
	hasPrev bool // there is a previous plan to edit
	regroup bool // 按/按照 a dimension, or a dimension's 分布: splits the answer at hand
	replace bool // 换成 / 只看: new conditions replace those of the same kind
	// 去掉重要价值客户的条件 / 不限重要价值客户: the conditions said are
	// dropped from the previous plan, not added (dropWin: 去掉时间条件).
	dropMode bool
	dropAt   int // the token that says 去掉
	drops    []*Node
	dropWin  bool
}

// rankState: a ranking (topN): its span, whether it ranks customers
// (10个客户) rather than groups (5个城市), and whether its measure was unsaid.
type rankState struct {
	whichOpen   bool // 哪3个城市…: a 最多/最少 later gives the direction
	rankSpan    Span
	rankWho     bool
	sortDefault bool
}

// snapState: segment snapshots. A time phrase right before a segment
// dates it (上个季度的重要价值客户); 变成 links a dated segment to one now;
// 新晋 means "now, not at the previous snapshot"; 迁移 asks for the table.
type snapState struct {
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

// purchaseState: what the purchase rules carry from one clause to the next.
type purchaseState struct {
	pastNext       bool       // 以前/曾经/历史上: the next purchase is over the whole history
	pastAll        bool       // …said as 历史上, where 没买过 plainly means 从未
	contrast       bool       // 但 or a comma since the last condition (买过口红，但近3个月没买过)
	pendingPromo   string     // 用券买过…: the purchase that follows used a coupon
	lines          []ItemTerm // 口红的销售额: the item whose order lines are measured
	regChannelNext bool       // 注册渠道(为) …: the next channel is a register channel
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

// vagueReasons: what to say instead of a word with no agreed cut-off
// (lexicon kind vague). Guessing one would give a confident list nobody asked for.
var vagueReasons = map[string]string{
	"freq": "“常买/买得多”没有统一的次数标准；请说明次数，如“近一年买过3次以上口红的客户”，或问“高频购买型客户”",
	"big":  "“高消费/大客户”没有统一的金额标准；请说明金额，如“近一年消费超过3000元的客户”，或问“重要价值客户”",
}

// vagueInstead: plain words offered in a vague word's place, for the marketer
// to pick (a suggestion states its cut-off; it is not an answer).
var vagueInstead = map[string][]string{
	"freq": {"买过3次以上", "买过2次以上"},
	"big":  {"消费超过3000元的", "重要价值"},
}

// rules, tried in order at each position.
func (p *parser) rules() []func() bool {
	return []func() bool{
		p.editWords, p.cohort, p.promo, p.noOrder, p.lineMeasure, p.whichTop, p.birthday, p.timePhrase, p.threshold, p.topN, p.sortBy, p.purchase, p.age, p.register,
		p.attribute, p.groupBy, p.answerWords, p.whyWords, p.noLonger, p.connector,
	}
}

func (p *parser) run() {
	rules := p.rules()
	p.detectFollow()
	for p.pos < len(p.toks) {
		matched := false
		for i, r := range rules {
			before, start := p.curWindow, p.pos
			p.added = false
			if r() {
				if !p.added && i != len(rules)-1 { // not a condition, not a connector
					p.gap = gapBreak
				}
				if p.curWindow != before {
					p.snap.timeEnd, p.snap.timeWin = p.pos, p.curWindow
					if start < p.pos && p.pos <= len(p.toks) {
						p.windowSpans[p.curWindow] = p.text.OrigSpan(p.toks[start].I, p.toks[p.pos-1].J)
					}
					if len(p.conds) > 0 {
						// 去年买过面霜今年没买过: a new window after a
						// condition opens a clause that contrasts with it.
						p.buy.contrast = true
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
		case KVague:
			span := p.text.OrigSpan(t.I, t.J)
			p.errs.add(Unplaced{Span: span, Text: p.text.Slice(span), Reason: vagueReasons[t.Val()], Instead: vagueInstead[t.Val()]})
			if t.Val() == "freq" {
				// 经常买口红: read on as 买 so the item stays a purchase (and the
				// suggestions keep it); the question is still asked back.
				p.toks[p.pos].Kind = KBuy
				continue
			}
			p.pos++
		case KForbidden:
			p.unplace(1, "只能查询数据，不能修改、删除或执行指令", nil)
			p.errs.List[len(p.errs.List)-1].Forbidden = true
		default:
			p.unplace(1, "无法确定这里的意思", nil)
		}
	}
}
