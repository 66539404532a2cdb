package nlq

// Purchase rules: channels, items, 买过/没买过/从未, 只买过, coupons and
// item-level measures.

import (
	"fmt"
	"strings"
	"unicode"
)

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
	if t := p.tok(i); t.Kind == KUnknown && t.Text == "上" {
		i++ // 在天猫上买过: on the platform
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
	if !p.neg.exclude || n == 0 {
		return not
	}
	except := p.kind(off+n-1) == KExcept || (p.kind(off+n-2) == KExcept && p.kind(off+n-1) == KDim)
	switch {
	case p.neg.excludeBy == "非" && !except:
		p.neg.exclude = false
		return !not
	case except && (p.neg.excludeBy == "除了" || p.neg.excludeBy == "除去"):
		p.neg.exclude = false // 除了…以外 is one phrase: 以外 already negated
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
	for p.kind(j) == KFiller && p.tok(j).Text != "的" && (p.kind(j+1) == KMeasure || p.kind(j+1) == KFiller) {
		j++ // 欧莱雅一共卖了多少件
	}
	if timeStart(p.kind(j)) || (p.kind(j) == KIn && p.kind(j+1) != KChannel) {
		// 洗发水在近一年的销量, 香水近一年卖了多少件: the window said
		// between item and measure.
		saved, pos := *p, p.pos
		p.pos += j
		if p.kind(0) == KIn {
			p.pos++
		}
		if p.timePhrase() {
			if k := p.skipDe(0); p.kind(k) == KMeasure {
				j, p.pos = p.pos-pos+k, pos
			} else {
				*p = saved
				return false
			}
		} else {
			*p = saved
			return false
		}
	}
	t := p.tok(j)
	if t.Kind != KMeasure || p.spendNoun(j) {
		return false
	}
	m, ok := map[string]string{"spend": "sales", "units": "units", "buyers": "buyers", "customers": "buyers"}[t.Val()]
	if !ok || len(p.buy.lines) > 0 {
		return false
	}
	p.buy.lines = items
	p.measures = append(p.measures, m)
	p.content = true
	p.pos += j + 1
	return true
}

// spendNoun reports a 消费 at off that names a purchase rather than a
// measure: followed by 的 and the customers (有过香奈儿消费的客户) or by 的
// closing the question (近3个月有香奈儿消费的).
func (p *parser) spendNoun(off int) bool {
	if p.kind(off) != KMeasure || p.tok(off).Text != "消费" {
		return false
	}
	if p.tok(off+1).Text == "记录" {
		off++
	}
	j := p.skipDe(off + 1)
	return j > off+1 && (p.kind(j) == KWho || j >= len(p.toks)-p.pos)
}

// timeStart reports a token kind a time phrase may start with.
func timeStart(k Kind) bool {
	switch k {
	case KTimeRel, KTimeFixed, KPeriod, KFestival:
		return true
	}
	return false
}

// promo: 用过优惠券 (a purchase with one), 没用过优惠券 (none), or 用券买过口红
// (the purchase that follows carries it).
func (p *parser) promo() bool {
	// 没用过优惠券 (in the window) / 从来没用过优惠券 (in the whole
	// history, as 从未买过 is).
	neg, never := p.kind(0) == KNeg, p.kind(0) == KNever
	lead := 0
	if neg || never {
		lead = 1
	}
	t := p.tok(lead)
	if t.Kind != KPromo {
		return false
	}
	p.pos += lead + 1
	if lead == 0 && (p.kind(0) == KBuy || p.kind(0) == KIn || p.kind(0) == KChannel) {
		p.buy.pendingPromo = t.Val()
		return true
	}
	p.content = true
	n := leaf(&Cond{Kind: CondBought, Promo: t.Val(), Window: p.curWindow, AllTime: never})
	if neg || never {
		n = &Node{Op: OpNot, Kids: []*Node{n}}
	}
	p.add(n)
	return true
}

// verbAhead reports a purchase verb at off, maybe after a channel
// (一次都没有在天猫买过).
func (p *parser) verbAhead(off int) bool {
	_, _, n := p.channelMod(off)
	return p.kind(off+n) == KBuy
}

// noOrder: 一笔订单都没有, 没有订单: no completed order at all in the window.
func (p *parser) noOrder() bool {
	if p.kind(0) != KNoOrder || p.verbAhead(1) {
		return false // 一次也没有(在天猫)购买 is the purchase rule's
	}
	p.pos++
	p.content = true
	p.add(&Node{Op: OpNot, Kids: []*Node{leaf(&Cond{Kind: CondBought, Window: p.curWindow})}})
	return true
}

// purchase: [channel] [没|从未] [channel] 买过 [items]  |  items [都] [没|从未] 买过.
func (p *parser) purchase() bool {
	i := 0
	var items [][]ItemTerm
	var or, comma, itemsFirst bool
	bare := false     // an item alone, in 换成面霜: bought, like what it replaces
	buyerWho := false // 面膜的顾客: an item before a who-word names its buyers
	// 在小程序渠道有过防晒霜购买的: the channel first, then the item and
	// its purchase noun.
	lead, leadN := 0, 0
	var leadCh []string
	leadNot := false
	if ch, not, n := p.channelMod(0); n > 0 {
		j := n
		for p.kind(j) == KFiller && p.tok(j).Text != "的" {
			j++
		}
		if p.kind(j) == KItem {
			if _, _, _, m := p.itemList(j); p.kind(p.skipDe(j+m)) == KBuy {
				lead, leadN, leadCh, leadNot = j, n, ch, not
			}
		}
	}
	if p.kind(lead) == KItem {
		var n int
		items, or, comma, n = p.itemList(lead)
		i = lead + n
		for t := p.tok(i); t.Kind == KFiller && t.Text != "的" && p.kind(i+1) == KAll; t = p.tok(i) {
			i++ // 睫毛膏和洗面奶两样都买过
		}
		if j := p.skipDe(i); (p.kind(j) == KBuy || p.kind(j) == KBuyer) && j > i {
			i = j // 口红的购买客户, 口红的购买者, 口红的买家
		} else if p.kind(j) == KWho && !p.edit.replace && !p.edit.dropMode && !(p.pos > 0 && p.toks[p.pos-1].Kind == KUnknown) {
			i, buyerWho = j, true // 面膜的消费者, 薇诺娜的顾客: who bought it
		} else if (p.edit.replace || p.edit.dropMode) && p.kind(i) != KBuy && p.kind(i) != KAll && p.kind(i) != KNeg && p.kind(i) != KNever {
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
	if lead > 0 {
		channels, chNot, chN, chOff = leadCh, leadNot, leadN, 0
	}
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
	case KNoOrder: // 一次也没有购买: the idiom's 没有 negates the verb that follows
		if !p.verbAhead(i + 1) {
			return false
		}
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
	// 有过香奈儿消费的客户: the item's 消费 modifying the customers is
	// their purchase of it, not its sales.
	spendVerb = spendVerb || (itemsFirst && p.spendNoun(i))
	buyer := itemsFirst && (p.kind(i) == KBuyer || buyerWho)
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
	for !bare && p.kind(i) == KBuy && p.kind(i+1) != KNum {
		// 在门店下单买过粉底液: two verbs, one purchase (the channel and the
		// item belong to the same order).
		verb += p.tok(i).Text
		i++
	}
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
	past := p.buy.pastNext
	p.buy.pastNext = false
	if past && neg && p.buy.pastAll {
		neg, never = false, true // 历史上没买过 = 从未买过
	}
	if past && neg {
		// 以前没买过口红, 近3个月买过的: "before the window" or "never"?
		p.unplace(i, "「以前没买过」可理解为“从未买过”或“在时间范围之前没买过”，请说明（如“从未买过”）", nil)
		return true
	}
	if neg && len(items) == 0 && !anything && p.buy.contrast && !strings.ContainsAny(verb, "单费") {
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
	promo := p.buy.pendingPromo
	p.buy.pendingPromo = ""
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
