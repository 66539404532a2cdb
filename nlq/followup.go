package nlq

// mergeFollowUp applies a follow-up question (parsed on its own into d) to a
// copy of the conversation's previous plan:
//   - new conditions are added (其中女性, 再排除买过眼影的, 只看上海的);
//     with 只看/换成 they replace conditions of the same attribute;
//   - a time phrase with no condition of its own (换成近半年) replaces the
//     previous sentence window; with new conditions it scopes only those;
//   - an answer word (有多少, 名单), a grouping or a sort replaces the old one.
func mergeFollowUp(prev, d *Plan, p *parser) *Plan {
	out := prev.Clone()
	newConds := p.conds
	if d.Window != nil {
		if len(newConds) == 0 || p.edit.replace {
			out.Window = d.Window
		} else {
			for _, n := range newConds {
				Walk(n, func(x *Node) {
					if x.Cond != nil && x.Cond.Window == nil && !x.Cond.AllTime && timed(x.Cond.Kind) {
						x.Cond.Window = d.Window
					}
				})
			}
		}
	}
	for _, n := range p.edit.drops {
		// 去掉重要价值客户的条件: every condition of that kind goes.
		Walk(n, func(x *Node) {
			if x.Cond != nil {
				out.Filter = dropKind(out.Filter, x.Cond.Kind)
			}
		})
	}
	if p.edit.dropWin {
		out.Window = nil
	}
	if p.edit.replace {
		// 换成女性 / 只看上海的 / 换成买过眼影的: the new condition takes the
		// place of the old one of its kind.
		for _, n := range newConds {
			if n.Op == OpCond && (attrKind(n.Cond.Kind) || n.Cond.Kind == CondBought || n.Cond.Kind == CondMeasure) {
				out.Filter = dropKind(out.Filter, n.Cond.Kind)
			}
		}
	}
	out.Filter = And(append([]*Node{out.Filter}, newConds...)...)
	switch {
	case p.group != "":
		out.Answer, out.GroupBy, out.Measures = AnswerTable, d.GroupBy, d.Measures
		if !p.measuresSaid && prev.GroupBy != "" && len(prev.Measures) > 0 {
			// 按会员等级分一下 after 各城市的消费金额: the same measures, regrouped.
			out.Measures = prev.Measures
		} else if !p.measuresSaid && isLinePlan(prev) && len(prev.Measures) > 0 {
			out.Measures = prev.Measures // 口红的销售额 / 按品牌分一下
		}
	case len(p.measures) > 0:
		out.Answer, out.GroupBy, out.Measures = d.Answer, "", d.Measures
	case p.answer != "":
		out.Answer, out.GroupBy, out.Measures = p.answer, "", nil
	}
	if d.Sort != nil {
		out.Sort, out.Limit = d.Sort, d.Limit
		if out.Answer != AnswerCustomers && p.group == "" {
			// 消费最高的10个 after a table or a count: a ranking is of
			// customers, so the answer becomes that list.
			out.Answer, out.GroupBy, out.Measures = AnswerCustomers, "", nil
		}
	}
	out.Notes = append(out.Notes, d.Notes...)
	return out
}

// timed reports whether a condition kind is scoped by a time window.
func timed(k CondKind) bool {
	return k == CondBought || k == CondMeasure || k == CondRegistered || k == CondFirstPurchase
}

// attrKind reports whether a customer has one value of this kind (so a new
// value replaces the old one in 只看/换成).
func attrKind(k CondKind) bool {
	switch k {
	case CondGender, CondCity, CondProvince, CondMemberLevel, CondRegisterChannel, CondRFM, CondLifecycle, CondAge, CondBirthYear, CondTag:
		return true
	}
	return false
}

// dropKind removes top-level conditions of kind k.
func dropKind(n *Node, k CondKind) *Node {
	if n == nil {
		return nil
	}
	if n.Op == OpCond && n.Cond.Kind == k {
		return nil
	}
	if n.Op != OpAnd {
		return n
	}
	var kids []*Node
	for _, c := range n.Kids {
		if c.Op == OpCond && c.Cond.Kind == k {
			continue
		}
		kids = append(kids, c)
	}
	return And(kids...)
}
