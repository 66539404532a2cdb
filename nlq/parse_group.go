package nlq

// Grouping rules (各, 按, 分布, 都在哪些), answer words and connectors.

// ---- grouping and answer words -----------------------------------------

// groupBy: 各城市, 按会员等级, 不同生命周期阶段, 每月, 城市分布.
func (p *parser) groupBy() bool {
	if p.group != "" && p.tok(0).Text == "各" && (p.kind(1) == KCount || p.kind(1) == KFiller) {
		p.pos++ // 不同城市的活跃客户各有多少: the grouping was said already
		return true
	}
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
	if p.tok(0).Text == "分别" && p.group == "" {
		if _, ok := p.listedDim(); !ok {
			p.pos++ // 重要价值客户分别有多少: nothing listed to split by
			return true
		}
	}
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
		p.edit.regroup = p.edit.regroup || regroupWords[p.tok(0).Text]
	} else if j := p.whichAt(); j > 0 && p.kind(j) == KDim {
		// 都在哪些城市 / 分布在哪些城市: where they are, group by group.
		d, ok := dimAt(j)
		if !ok {
			return false
		}
		dim, i = d, j+1
		p.edit.regroup = true
	} else if d, ok := dimAt(0); ok && p.kind(0) == KDim && (p.kind(1) == KDistribution || p.kind(1) == KGroup) {
		dim, i = d, 1
		p.edit.regroup = true // 城市分布, 会员等级分一下
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

// regroupWords say "split what we have by" (按城市看, 按照等级分, 分城市看看),
// unlike 各/每个 which ask a question of their own (各城市的客户数).
var regroupWords = map[string]bool{"按": true, "按照": true, "根据": true, "分": true}

// countEach: 活跃客户的男女人数 — a count said right after a list that
// names every value of an attribute means each of them (a total of 男 and
// 女 would be everyone with a gender), so the answer is grouped by it.
func (p *parser) countEach() {
	if p.group != "" || p.kind(-1) != KGender {
		return
	}
	if d, ok := p.listedDim(); ok && d == "gender" { // two genders listed: both
		p.group = d
	}
}

// listedDim is the grouping dimension of the last condition when it lists
// several values of one attribute (男女, 北京和上海, 金卡银卡).
// The latest such condition counts (武汉和成都的一般价值客户分别有多少: the
// segment said after the cities does not hide them).
func (p *parser) listedDim() (string, bool) {
	for k := len(p.conds) - 1; k >= 0; k-- {
		n := p.conds[k]
		if n.Op != OpCond || len(n.Cond.Values) < 2 || n.Cond.At != nil {
			continue
		}
		if d, ok := Dimensions[string(n.Cond.Kind)]; ok && !d.OrderLevel {
			return d.Key, true
		}
	}
	return "", false
}

func (p *parser) answerWords() bool {
	t := p.tok(0)
	switch t.Kind {
	case KCount:
		p.answer = AnswerCount
		p.countEach()
	case KList:
		if p.answer == "" {
			p.answer = AnswerCustomers
		}
	case KWho, KBuyer:
	case KMeasure:
		p.measures = append(p.measures, t.Val())
		if t.Val() == "customers" {
			p.countEach()
		}
	case KShare:
		p.share, p.shareSpan = true, p.text.OrigSpan(t.I, t.J)
	case KStrategy:
		p.strategy = true
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
		if t.Kind == KBut || t.Text == "，" || t.Text == "," {
			p.buy.contrast = true // a 和 keeps a contrast a new window opened
		}
	case KAmong:
		p.buy.contrast = true // 买过口红的客户中近3个月没买过的
	case KOr:
		if len(p.conds) == 0 {
			return false
		}
		p.pendingOr = true
	case KExclude:
		p.neg.exclude, p.neg.excludeBy = true, t.Text
	case KReplace, KOnly:
		p.edit.replace = true
	case KBefore, KCumulative:
		// 以前/曾经 right before a purchase: at any time up to as_of, even
		// if the sentence states a window for its other conditions.
		p.buy.pastNext = (t.Kind == KBefore || pastWords[t.Text]) && p.purchaseAhead(1)
		p.buy.pastAll = false
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
