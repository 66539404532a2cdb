package nlq

import (
	"fmt"
	"strings"

	"github.com/chatbi/chatbi/schema"
)

// Query is a compiled Plan: one SQL statement and its bound arguments.
type Query struct {
	SQL     string
	Args    []any
	Answer  AnswerType
	Columns []string // result columns, in order
	// TotalColumn: the last column is count(*) OVER () — the total rows the
	// question selects — and is not shown.
	TotalColumn bool
	PII         []bool // per column: personal data to mask
}

// Page is the slice of a customer list to return.
type Page struct {
	Limit, Offset int
}

// sqlText accumulates SQL and its arguments in textual order. Values only
// ever enter as arguments; the text comes from this file and the catalog.
type sqlText struct {
	sb   strings.Builder
	args []any
}

func (s *sqlText) w(text string, args ...any) {
	s.sb.WriteString(text)
	s.args = append(s.args, args...)
}

// placeholders writes (?, ?, …) for vals.
func (s *sqlText) in(vals []string) {
	s.sb.WriteString("(")
	for i, v := range vals {
		if i > 0 {
			s.sb.WriteString(", ")
		}
		s.sb.WriteString("?")
		s.args = append(s.args, v)
	}
	s.sb.WriteString(")")
}

type compiler struct {
	e        *Engine
	p        *Plan
	snap     bool // the warehouse has a segment snapshot for the plan's as_of
	negDepth int  // NOTs around the condition being written
	asOf     string
	// key is the customer key column the base query exposes; needC says
	// whether customers must be joined (a condition or grouping reads it).
	key   string
	needC bool
	// needT: the customers are grouped by their behaviour tags, so each
	// snapshot row is joined to its tags (one row per customer and tag).
	needT bool
}

// Compile turns a checked Plan into one SQL statement with bound
// parameters. Errors: *PlanError when the plan needs something the
// warehouse does not have (segments for a date without a snapshot).
func (e *Engine) Compile(p *Plan, page Page) (*Query, error) {
	if err := e.Check(p); err != nil {
		return nil, err
	}
	c := &compiler{e: e, p: p, asOf: p.AsOf.String()}
	c.snap = e.Catalog == nil || e.Catalog.HasSnapshot(p.AsOf.Time)
	c.needC = !c.snap
	c.key = "c.id"
	if c.snap {
		c.key = "m.customer_key"
	}
	if needsSnapshot(p) && !c.snap {
		return nil, &PlanError{Msg: fmt.Sprintf("%s 没有分群快照，这个问题用到的分群、生命周期、预测值或新客数都按快照计算；已有快照的日期：%s（可用 chatbi refresh --as-of 生成）",
			c.asOf, snapshotList(e.Catalog))}
	}
	if p.Migration != nil {
		return c.migration(), nil
	}
	if p.Why != nil {
		return nil, &PlanError{Msg: "“为什么”由变化分析回答，不编译成 SQL"}
	}
	if isLinePlan(p) && p.Answer != AnswerCustomers {
		return c.lineTable(), nil
	}
	if p.Share && p.Answer != AnswerCustomers && e.Dialect == ClickHouse && e.OldClickHouse {
		return e.sharesBySubquery(p, page)
	}
	switch p.Answer {
	case AnswerCustomers:
		return c.customers(page), nil
	case AnswerCount:
		if len(p.Measures) == 0 || (len(p.Measures) == 1 && p.Measures[0] == "customers") {
			return c.count(), nil
		}
		return c.table(), nil
	case AnswerTable:
		return c.table(), nil
	}
	return nil, &PlanError{Msg: fmt.Sprintf("未知的回答类型 %q", p.Answer)}
}

// sharesBySubquery is a table with shares (占比) for a ClickHouse server
// without window functions: the table without them, each share a
// measure column over the sum of that column over all groups — the same
// table without its ranking's ORDER BY and LIMIT, as a scalar subquery.
// The rows keep the inner table's order: the outer SELECT only adds
// columns to the sorted, limited rows.
func (e *Engine) sharesBySubquery(p *Plan, page Page) (*Query, error) {
	bare := *p
	bare.Share = false
	q, err := e.Compile(&bare, page)
	if err != nil {
		return nil, err
	}
	all := bare
	all.Sort, all.Limit = nil, 0
	whole, err := e.Compile(&all, page)
	if err != nil {
		return nil, err
	}
	s := &sqlText{}
	s.w("SELECT *")
	cols := append([]string{}, q.Columns...)
	for _, m := range shareMeasures(p.Measures) {
		name := Measures[m].Name
		s.w(`, round("`+name+`" * 1.0 / nullif((SELECT sum("`+name+`") FROM (`+whole.SQL+`)), 0), 4) AS "`+name+`占比"`, whole.Args...)
		cols = append(cols, name+"占比")
	}
	s.w("\nFROM ("+q.SQL+")", q.Args...)
	return &Query{SQL: s.sb.String(), Args: s.args, Answer: q.Answer, Columns: cols, PII: make([]bool, len(cols))}, nil
}

func snapshotList(cat *schema.Catalog) string {
	if cat == nil || len(cat.Snapshots) == 0 {
		return "无"
	}
	var s []string
	for _, t := range cat.Snapshots {
		s = append(s, schema.FormatDate(t))
	}
	return strings.Join(s, "、")
}

func needsSnapshot(p *Plan) bool {
	need := p.Sort != nil && predictedMeasure(p.Sort.By)
	for _, m := range p.Measures {
		need = need || predictedMeasure(m) || m == "new_customers" || lifecycleMeasure(m)
	}
	Walk(p.Filter, func(n *Node) {
		if n.Cond != nil && (n.Cond.Kind == CondRFM || n.Cond.Kind == CondLifecycle || n.Cond.Kind == CondPotential || n.Cond.Kind == CondTag ||
			(n.Cond.Kind == CondMeasure && predictedMeasure(n.Cond.Measure))) {
			need = true
		}
	})
	if d, ok := Dimensions[p.GroupBy]; ok && d.Snapshot {
		need = true
	}
	return need
}

// col is where a customer attribute is read: the snapshot keeps a copy of
// every attribute questions filter and group by, so with a snapshot no
// customers row is joined; without one, customers itself.
func (c *compiler) col(col schema.Column) string {
	if col.Table == "c" && c.snap {
		return "m." + col.Name
	}
	return col.SQL()
}

// dimExpr is a grouping dimension's expression for this plan.
func (c *compiler) dimExpr(d DimensionDef) string {
	if d.Tags {
		return c.e.Dialect.tagColumn()
	}
	if d.Column.Name != "" {
		return c.col(d.Column)
	}
	if d.DateExpr != "" {
		return strings.ReplaceAll(d.Expr, d.DateExpr, c.e.Dialect.dateText(d.DateExpr))
	}
	return d.Expr
}

// from writes the customer base: the as-of snapshot (one row per customer)
// joined to customers only when needed, or customers alone without one.
func (c *compiler) from(s *sqlText) {
	s.w("FROM ")
	c.base(s)
}

func (c *compiler) base(s *sqlText) {
	switch {
	case c.snap && c.needC:
		s.w("customer_measures m JOIN customers c ON c.id = m.customer_key")
	case c.snap && c.needT:
		s.w(c.e.Dialect.taggedSnapshot())
	case c.snap:
		s.w("customer_measures m")
	default:
		s.w("customers c")
	}
}

func (c *compiler) where(s *sqlText) {
	switch {
	case c.snap && c.p.Filter != nil:
		s.w("\nWHERE m.as_of = ? AND ", c.asOf)
		c.node(s, c.p.Filter)
	case c.snap:
		s.w("\nWHERE m.as_of = ?", c.asOf)
	case c.p.Filter != nil:
		s.w("\nWHERE ")
		c.node(s, c.p.Filter)
	}
}

// scope returns the dates a measure or purchase covers: a window, or the
// whole history up to as_of.
func (c *compiler) scope(w *Window) (from, to string) {
	if w == nil {
		return "0000-01-01", c.asOf
	}
	return w.From.String(), w.To.String()
}
