package nlq

import "strings"

// Follow-up rules: the words of an edit (其中, 换成, 去掉…的条件, 不限) and
// what marks a question as one that edits the previous answer.

// editWords consumes the words of a follow-up edit: 去掉/取消/不限 and
// 条件 in a drop (detectFollow saw it), and 把 X 换成 / 城市换成 (what is
// replaced is named; the new value after 换成 takes its place).
func (p *parser) editWords() bool {
	t := p.tok(0)
	switch {
	case p.edit.dropMode && (t.Kind == KNoLimit || t.Kind == KCondWord || ((t.Kind == KExclude || t.Kind == KDropVerb) && p.pos == p.edit.dropAt)):
		p.pos++
		return true
	case p.edit.dropMode && t.Kind == KFiller && t.Text == "时间":
		p.edit.dropWin = true
		p.pos++
		return true
	case p.kind(1) == KReplace && (t.Kind == KItem || t.Kind == KCity || t.Kind == KProvince || t.Kind == KLevel ||
		t.Kind == KRFM || t.Kind == KLifecycle || t.Kind == KChannel || t.Kind == KDim || t.Kind == KGender):
		// 把香水换成身体乳, 城市换成杭州: the old value goes (换成 replaces
		// whatever is of the new value's kind).
		p.edit.follow, p.edit.replace = true, true
		if p.edit.anaphor == (Span{}) {
			p.edit.anaphor = p.text.OrigSpan(t.I, p.tok(1).J)
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
		p.edit.follow, p.edit.anaphor = true, span(t)
	case KOnly, KExclude:
		p.edit.follow = true // 只看上海的 / 排除北京的 also stand alone
	case KAmong:
		// 其中… / 里面女性多少人 / 当中…: "among them" at the start points back.
		p.edit.follow, p.edit.anaphor = true, span(t)
	}
	last := p.toks[len(p.toks)-1]
	if last.Kind == KPunct && len(p.toks) > 1 {
		last = p.toks[len(p.toks)-2]
	}
	// 去掉重要价值客户的条件 / 取消城市限制 / 不限重要价值客户: a drop.
	if t := p.toks[first]; t.Kind == KNoLimit || (t.Kind == KExclude && last.Kind == KCondWord) {
		p.edit.follow, p.edit.dropMode, p.edit.dropAt = true, true, first
		p.edit.anaphor = span(t)
		return
	}
	// 把重要发展客户这个条件去了 / 城市的条件去掉: the verb after 条件.
	if at := p.dropVerbAtEnd(); at > 0 {
		p.edit.follow, p.edit.dropMode, p.edit.dropAt = true, true, at
		p.edit.anaphor = span(p.toks[at])
		return
	}
	if last.Text == "呢" {
		// 那面霜呢 / 深圳的呢 / 女性呢: the value takes the place of its
		// kind's, as 换成 does (one customer has one city; a new value of a
		// kind the plan has not got is simply added).
		p.edit.replace = true
	}
	if last.Text == "呢" {
		p.edit.follow = true
		if p.edit.anaphor == (Span{}) {
			p.edit.anaphor = span(last)
		}
	}
}

// dropVerbAtEnd is where a drop verb closes the question right after 条件
// (…这个条件去了, …的条件去掉吧), or 0.
func (p *parser) dropVerbAtEnd() int {
	i := len(p.toks) - 1
	for i > 0 && (p.toks[i].Kind == KPunct || (p.toks[i].Kind == KFiller && strings.ContainsAny(p.toks[i].Text, "了吧呢啊"))) {
		i--
	}
	if i < 1 || (p.toks[i].Kind != KDropVerb && p.toks[i].Kind != KExclude) || p.toks[i-1].Kind != KCondWord {
		return 0
	}
	return i
}
