package nlq

// How conditions join the top-level conjunction (和, 或, lists of one
// attribute) and the scope of 不是/排除/除了/非.

import (
	"fmt"
	"strings"
)

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
	if p.edit.dropMode {
		p.edit.drops = append(p.edit.drops, n)
		p.added, p.content = true, true
		return
	}
	p.content = true
	p.added = true
	defer func() { p.gap, p.buy.contrast = gapNone, false }()
	if p.neg.exclude {
		n = &Node{Op: OpNot, Kids: []*Node{n}}
		p.neg.exclude = false
		p.neg.negOpen, p.neg.negNarrow = n, p.neg.excludeBy == "非"
	} else if p.neg.negOpen != nil && (p.gap == gapList || (p.gap == gapNone && (!p.neg.negNarrow || mergeSameAttr(p.neg.negOpen.Kids[0], n) != nil))) {
		p.extendNegation(n)
		return
	} else {
		p.neg.negOpen = nil
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
	kid := p.neg.negOpen.Kids[0]
	switch merged := mergeSameAttr(kid, n); {
	case merged != nil:
		p.neg.negOpen.Kids[0] = merged
	case p.gap == gapList && kid.Op == OpOr:
		kid.Kids = append(kid.Kids, n)
	case p.gap == gapList:
		p.neg.negOpen.Kids[0] = orOf(kid, n)
	default:
		p.neg.negOpen.Kids[0] = And(kid, n)
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
