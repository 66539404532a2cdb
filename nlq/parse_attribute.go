package nlq

// Customer-attribute rules: age, registration, city, gender, level,
// segments (dated, 变成, 新晋) and birthdays.

import (
	"fmt"
	"strings"
)

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
		if kind == CondRegistered {
			p.newMembers()
		}
		return true
	case p.kind(0) == KRegister && p.registerAge():
		return true
	case p.kind(0) == KRegister:
		if p.curWindow == nil {
			return false
		}
		p.pos++
		p.add(leaf(&Cond{Kind: CondRegistered, Window: p.curWindow}))
		p.newMembers()
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
		p.buy.regChannelNext = true
		return true
	}
	channels, _, n := p.channelMod(0)
	if n == 0 || p.kind(0+n) != KRegister && !p.buy.regChannelNext {
		return false
	}
	if p.kind(n) == KRegister {
		n++
	}
	p.buy.regChannelNext = false
	p.pos += n
	p.add(leaf(&Cond{Kind: CondRegisterChannel, Values: channels}))
	return true
}

// registerAge: 注册超过一年, 注册满3个月, 注册不到30天, 注册一年以上 — how
// long ago a customer registered, as a window on the register date.
// newMembers takes the 新会员 of 近30天注册的新会员: after a registration
// window it restates who registered, not the lifecycle stage 新客户
// (first purchase in 30 days), which 新客户 itself still names.
func (p *parser) newMembers() {
	j := p.skipDe(0)
	if t := p.tok(j); t.Kind == KLifecycle && t.Val() == "新客户" && (strings.Contains(t.Text, "会员") || strings.Contains(t.Text, "用户")) {
		p.pos += j + 1
		p.notes = append(p.notes, fmt.Sprintf("“%s”即这段时间注册的会员", t.Text))
	}
}

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

// valueConds maps a token that names one catalog value to the condition
// that value belongs in: 女性 → gender, 深圳 → city, 金卡 → member level.
var valueConds = map[Kind]CondKind{
	KGender: CondGender, KCity: CondCity, KProvince: CondProvince, KLevel: CondMemberLevel,
	KRFM: CondRFM, KLifecycle: CondLifecycle, KPotential: CondPotential, KTag: CondTag,
}

// dimValueKind is the kind of value word a dimension word may name:
// 城市 → a city, 会员等级 → a member level.
var dimValueKind = map[string]Kind{"city": KCity, "province": KProvince, "gender": KGender,
	"member_level": KLevel, "rfm": KRFM, "lifecycle": KLifecycle, "tag": KTag}

// attribute: 女性, 深圳, 广东省, 一线城市, 金卡会员, 重要价值客户, 沉默客户.
func (p *parser) attribute() bool {
	t := p.tok(0)
	var c *Cond
	if kind, ok := valueConds[t.Kind]; ok {
		c = &Cond{Kind: kind, Values: []string{t.Val()}}
	}
	switch t.Kind {
	case KTier1:
		c = &Cond{Kind: CondCity, Values: append([]string{}, t.Sense.Values...)}
	case KRepeatBuyer:
		c = &Cond{Kind: CondMeasure, Measure: "orders", Op: ">=", Value: 2, Window: p.curWindow}
		p.notes = append(p.notes, "复购客户按已完成订单数 ≥ 2 理解")
	case KBecome:
		p.snap.become = true
		p.pos++
		return true
	case KNewly:
		p.snap.newly, p.snap.newlyWin = true, nil
		if p.datedByTime() {
			p.snap.newlyWin = p.snap.timeWin
			p.snap.segmentWins[p.snap.timeWin] = true
		}
		p.pos++
		return true
	case KMigration:
		p.snap.migration = true
		p.content = true
		p.pos++
		return true
	case KDim:
		// RFM分群迁移 / 生命周期的迁移: the dimension of a migration table.
		if v := t.Val(); (v == "rfm" || v == "lifecycle" || v == "tag") && p.kind(p.skipDe(1)) == KMigration {
			p.snap.migrationDim = v
			p.pos++
			return true
		}
		// 城市是上海, 会员等级为金卡: the dimension word names the value that follows.
		j := 1
		for p.kind(j) == KFiller || p.kind(j) == KIn {
			j++
		}
		want := dimValueKind[t.Val()]
		if want == 0 || p.kind(j) != want {
			return false
		}
		p.pos += j
		return true
	default:
		if c == nil { // not a value word
			return false
		}
	}
	if c.Kind == CondRFM || c.Kind == CondLifecycle || c.Kind == CondPotential || c.Kind == CondTag {
		return p.segment(c)
	}
	p.pos++
	if p.kind(0) == KExcept { // 上海以外的, 除了上海以外
		p.pos++
		if p.neg.exclude && (p.neg.excludeBy == "除了" || p.neg.excludeBy == "除去") {
			p.neg.exclude = false // 除了…以外 is one phrase
		}
		p.add(&Node{Op: OpNot, Kids: []*Node{leaf(c)}})
		return true
	}
	p.add(leaf(c))
	return true
}

// datedByTime reports whether only 的 (or 是) stands between the last time
// phrase and the current token.
func (p *parser) datedByTime() bool {
	if p.snap.timeWin == nil || p.snap.timeEnd > p.pos {
		return false
	}
	for i := p.snap.timeEnd; i < p.pos; i++ {
		if t := p.toks[i]; !(t.Kind == KFiller && datingWords[t.Text]) {
			return false
		}
	}
	return true
}

// datingWords may stand between a time phrase and the segment it dates:
// 上个季度的重要价值客户, 上个季度是品牌忠诚型.
var datingWords = map[string]bool{"的": true, "是": true, "为": true, "属于": true}

// snapshotAtOrBefore is the latest snapshot date in [from, to], or false.
func (p *parser) snapshotIn(from, to Date) (Date, bool) {
	var best Date
	ok := false
	for _, d := range p.snap.snapshotDates {
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
	for _, d := range p.snap.snapshotDates {
		s = append(s, d.String())
	}
	if len(s) == 0 {
		return "无"
	}
	return strings.Join(s, "、")
}

// datedSnapshot is the snapshot a time phrase right before the current
// token dates a segment at (上个季度的重要价值客户): nil for none (as of
// now); false, with the token reported, when that period has no snapshot.
func (p *parser) datedSnapshot() (*Date, bool) {
	if !p.datedByTime() {
		return nil, true
	}
	w := p.snap.timeWin
	d, ok := p.snapshotIn(w.From, w.To)
	if !ok {
		p.unplace(1, fmt.Sprintf("「%s」没有分群快照（已有快照的日期：%s）", w.Phrase, p.snapshotList()), nil)
		return nil, false
	}
	p.snap.segmentWins[w] = true
	return &d, true
}

// segment places a segment condition, dated when a time phrase or 变成/新晋
// says so.
func (p *parser) segment(c *Cond) bool {
	if p.datedByTime() && c.Kind == CondLifecycle && p.lex.cat != nil && len(c.Values) == 1 &&
		c.Values[0] == p.lex.cat.Model.Lifecycle.New.Name {
		// 最近7天的新客, 上个季度的新客户: first purchase in that window, not
		// the stage (whose own window is the model's 30 days) at a snapshot.
		p.notes = append(p.notes, fmt.Sprintf("“%s的%s”按首次购买在%s理解", p.snap.timeWin.Phrase, c.Values[0], p.snap.timeWin.Phrase))
		p.pos++
		p.add(leaf(&Cond{Kind: CondFirstPurchase, Window: p.snap.timeWin}))
		return true
	}
	at, ok := p.datedSnapshot()
	if !ok {
		return true
	}
	c.At = at
	n := leaf(c)
	switch {
	case p.snap.newly:
		// Now in the segment, and not at the snapshot before the period (or before as_of).
		ref := p.asOf
		if p.snap.newlyWin != nil {
			ref = p.snap.newlyWin.From
		}
		prev, ok := p.snapshotBefore(ref)
		if !ok {
			p.unplace(1, fmt.Sprintf("没有更早的分群快照可比较（已有快照的日期：%s）", p.snapshotList()), nil)
			return true
		}
		was := *c
		was.At = &prev
		p.snap.newly = false
		p.pos++
		p.add(And(n, &Node{Op: OpNot, Kids: []*Node{leaf(&was)}}))
		return true
	case p.snap.become && p.snap.lastSegment != nil:
		// The earlier segment is read at a past snapshot: its own date, else the one before as_of.
		from := p.snap.lastSegment.Cond
		if from.At == nil {
			prev, ok := p.snapshotBefore(p.asOf)
			if !ok {
				p.unplace(1, fmt.Sprintf("没有更早的分群快照可比较（已有快照的日期：%s）", p.snapshotList()), nil)
				return true
			}
			from.At = &prev
		}
		p.snap.become = false
	}
	p.pos++
	p.snap.lastSegment = n
	p.add(n)
	return true
}

// noLonger: 上个季度是品牌忠诚型、现在不是的 / 现在是重要价值客户、上个季度
// 不是的 — a 不是 with nothing after it denies the segment just named, at
// the snapshot its own time phrase says (else as of now).
func (p *parser) noLonger() bool {
	t := p.tok(0)
	if t.Kind != KExclude || t.Text != "不是" && t.Text != "不属于" && t.Text != "并非" || p.snap.lastSegment == nil {
		return false
	}
	j := 1
	for p.kind(j) == KFiller && (p.tok(j).Text == "了" || p.tok(j).Text == "的") {
		j++
	}
	if _, value := valueConds[p.kind(j)]; value || p.kind(j) == KItem || p.kind(j) == KTier1 || p.kind(j) == KChannel ||
		p.kind(j) == KOnline || p.kind(j) == KDim || p.kind(j) == KBuy || p.kind(j) == KNum {
		return false // 不是女性, 不是在门店买的: the exclusion of what follows
	}
	was := *p.snap.lastSegment.Cond
	at, ok := p.datedSnapshot()
	if !ok {
		return true
	}
	was.At = at
	if sameDay(was.At, p.snap.lastSegment.Cond.At) {
		p.unplace(1, "「不是」否定了同一时间的同一分群，请说明比较的时间（如“上个季度是…、现在不是的”）", nil)
		return true
	}
	p.pos++
	p.add(&Node{Op: OpNot, Kids: []*Node{leaf(&was)}})
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
