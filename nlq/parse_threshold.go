package nlq

// Measure rules: thresholds (消费超过, 至少买了3次), rankings and sorting.

import ()

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

// betweenAhead reports an amount at off followed by 之间.
func (p *parser) betweenAhead(off int) bool {
	_, _, n := p.amountAt(off)
	return n > 0 && p.kind(off+n) == KBetween
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
	than := op == "" && p.kind(i) == KCompare && p.tok(i).Text == "比" // 消费比5000元多
	if than {
		i++
	}
	v, unit, n := p.amountAt(i)
	if n == 0 {
		return false
	}
	if viaBuy && unit != "times" {
		return false
	}
	i += n
	if than {
		if p.kind(i) != KThan {
			return false
		}
		op = p.tok(i).Val()
		i++
	}
	cond := &Cond{Kind: CondMeasure, Measure: key, Value: v, Window: p.curWindow, Channels: channels, ChannelNot: chNot}
	switch {
	case op == "" && (p.kind(i) == KTo || (p.kind(i) == KAnd && p.betweenAhead(i+1))):
		// 1000到3000元, 介于1000和3000元之间 (和 only with the 之间 after).
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
		if i == 0 && p.rank.whichOpen && p.sort != nil {
			// 哪3个城市的流失客户最多: the direction of the ranking said before.
			p.sort.Desc, p.rank.whichOpen = t.Val() == "desc", false
			p.pos++
			return true
		}
		if i == 0 {
			// 重要价值客户最多的3个城市: groups ranked by how many of the
			// customers said they hold; 最多 alone is not a sort.
			j := p.skipDe(1)
			if !(p.kind(j) == KNum && p.kind(j+1) == KRank && (p.kind(j+2) == KDim || p.kind(j+2) == KAnyItem)) {
				return false
			}
			key = "customers"
			if m, ok := p.shareBefore(); ok {
				key = m // 消费金额占比最高的3个渠道: ranked by that measure
			}
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
	p.rank.sortDefault = key == ""
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
	p.rank.rankSpan = p.text.OrigSpan(p.tok(0).I, p.tok(i-1).J)
	p.rank.rankWho = who || !groups
	p.pos += i
	p.content = true
	p.sort = &Sort{By: key, Desc: desc}
	p.limit = int(num)
	if rankDim != "" {
		p.group = rankDim
	}
	return true
}

// shareBefore: the measure whose share (占比) was said just before — 消费金额
// (的)占比最高的3个渠道 ranks the groups by that measure (its share orders
// them the same way).
func (p *parser) shareBefore() (string, bool) {
	i := -1
	if p.kind(i) != KShare {
		return "", false
	}
	for i--; p.kind(i) == KFiller && p.tok(i).Text == "的"; i-- {
	}
	if p.kind(i) != KMeasure {
		return "", false
	}
	return p.tok(i).Val(), true
}

// whichTop: 哪3个城市的流失客户最多 — a ranking of groups asked as a
// question; the 最多/最少 at the end (topN) gives its direction.
func (p *parser) whichTop() bool {
	if t := p.tok(0); t.Text != "哪" || p.kind(1) != KNum || p.kind(2) != KRank || p.kind(3) != KDim {
		return false
	}
	n := p.tok(1).Num
	if !isInt(n) || n < 1 || n > 1000 {
		return false
	}
	dim := p.tok(3).Val()
	if _, ok := Dimensions[dim]; !ok || (p.group != "" && p.group != dim) {
		return false
	}
	p.rank.rankSpan = p.text.OrigSpan(p.tok(0).I, p.tok(3).J)
	p.rank.sortDefault, p.rank.whichOpen = true, true
	p.group, p.limit = dim, int(n)
	p.sort = &Sort{By: "customers", Desc: true}
	p.content = true
	p.pos += 4
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
	start := 1
	if p.kind(0) == KMeasure && (p.kind(1) == KSortWord || p.kind(1) == KSortDir) && p.group != "" {
		start = 0 // 各品类销售额排名: the table's groups ranked by the measure
	} else if p.kind(0) != KGroup || p.kind(1) != KMeasure || !customerMeasure(p.tok(1).Val()) {
		return false
	}
	i, desc := start+1, true
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
	if i == start+1 {
		return false
	}
	if start == 0 {
		p.measures = append(p.measures, p.tok(0).Val())
	}
	p.sort = &Sort{By: p.tok(start).Val(), Desc: desc}
	p.pos += i
	p.content = true
	return true
}
