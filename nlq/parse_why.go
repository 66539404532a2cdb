package nlq

import "fmt"

// Why questions: 为什么流失客户变多了, 流失率为什么上升了, 重要价值客户为什么比
// 上个季度少了. The words are read here; whyPlan turns the sentence into a
// Why between the snapshot compared with and the as-of one.

// whyState is what a why question said.
type whyState struct {
	asked   bool   // 为什么
	said    string // up, down
	compare bool   // 比 / 相比
}

// whyWords consumes 为什么, the direction (变多, 下降) and 比/相比.
func (p *parser) whyWords() bool {
	switch t := p.tok(0); t.Kind {
	case KWhy:
		p.why.asked = true
	case KChange:
		p.why.said = t.Val()
	case KCompare:
		p.why.compare = true
	default:
		return false
	}
	p.content = true
	p.pos++
	return true
}

// whyPlan makes the plan of a why question: one segment (or 流失率 /
// 活跃率), compared between the snapshot in the window said (和上个季度比)
// or the one before as_of, and as_of's own. Anything else is asked back.
func (p *parser) whyPlan() (*Plan, error) {
	bad := func(format string, a ...any) error {
		return &PlanError{Msg: fmt.Sprintf(format, a...), Suggestions: []string{"为什么流失客户变多了", "流失率为什么上升了", "重要价值客户为什么比上个季度少了"}}
	}
	w := &Why{To: p.asOf, Said: p.why.said}
	if w.Said == "any" {
		w.Said = "" // 为什么流失率变了: no direction assumed
	}
	switch {
	case len(p.conds) == 1 && len(p.measures) == 0:
		n := p.conds[0]
		if n.Op != OpCond || !segmentKind(n.Cond.Kind) || n.Cond.At != nil {
			return nil, bad("“为什么”目前只分析一个分群、生命周期阶段或行为标签的人数变化，或流失率、活跃率的变化")
		}
		w.Metric, w.Segment = WhySegment, n.Cond
	case len(p.conds) == 0 && len(p.measures) == 1 && (p.measures[0] == "churn_rate" || p.measures[0] == "active_rate"):
		w.Metric = p.measures[0]
	default:
		return nil, bad("“为什么”目前只分析一个分群、生命周期阶段或行为标签的人数变化，或流失率、活跃率的变化（不带其他条件）")
	}
	if p.group != "" || p.sort != nil {
		return nil, bad("“为什么”的回答是变化的原因分解，不能再分组或排序")
	}
	// The snapshot compared with: the latest in the window said, else the
	// latest before as_of.
	var from Date
	var ok bool
	if win := p.window; win != nil {
		if from, ok = p.snapshotIn(win.From, win.To); !ok {
			return nil, bad("「%s」没有分群快照可比较（已有快照的日期：%s）", win.Phrase, p.snapshotList())
		}
	} else if from, ok = p.snapshotBefore(p.asOf); !ok {
		return nil, bad("只有一个分群快照，没有可比较的更早快照（已有快照的日期：%s；可用 chatbi refresh --as-of 生成更早的快照）", p.snapshotList())
	}
	w.From = from
	return &Plan{AsOf: p.asOf, Answer: AnswerTable, Why: w, Notes: p.notes}, nil
}
