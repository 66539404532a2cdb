package nlq

import (
	"encoding/json"
	"fmt"
	"time"
)

// AnswerType is what the answer is: a customer list, a count or a table.
type AnswerType string

const (
	AnswerCustomers AnswerType = "customers"
	AnswerCount     AnswerType = "count"
	AnswerTable     AnswerType = "table"
)

// Plan is the typed description of a question. The rule parser, the LLM
// planner and a follow-up edit all produce one; the compiler and the
// explainer read only it. Dates are absolute: every relative phrase has been
// resolved against AsOf.
type Plan struct {
	Answer   AnswerType `json:"answer"`
	AsOf     Date       `json:"as_of"`
	Window   *Window    `json:"window,omitempty"`   // the sentence's time window, shared by its conditions
	Filter   *Node      `json:"filter,omitempty"`   // nil: every customer
	GroupBy  string     `json:"group_by,omitempty"` // a Dimension key
	Measures []string   `json:"measures,omitempty"` // Measure keys, for table and single-figure answers
	Sort     *Sort      `json:"sort,omitempty"`
	Limit    int        `json:"limit,omitempty"` // top N after sorting; 0: no limit
	Share    bool       `json:"share,omitempty"` // table: each additive measure also as its share of the groups' total (占比)
	Notes    []string   `json:"notes,omitempty"` // readings chosen among several (Chinese)
	// Lines: item-level measures (销售额, 销量, 购买人数) count the order
	// lines of these items; none: every line (compile_lines.go).
	Lines []ItemTerm `json:"lines,omitempty"`
	// Migration, for a table: customers by their segment at From × at To.
	Migration *Migration `json:"migration,omitempty"`
	// Strategy: the question asks how to act on the segments it names
	// (重要挽留客户应该怎么运营); the answer leads with their suggested actions.
	Strategy bool `json:"strategy,omitempty"`
	// Why: the question asks what drove a change between two snapshots
	// (为什么流失客户变多了); answered by server/insight, not by SQL.
	Why *Why `json:"why,omitempty"`
}

// Why is a change to explain: a metric at snapshot From against To.
type Why struct {
	Metric  string `json:"metric"`            // WhySegment, or a rate: churn_rate, active_rate
	Segment *Cond  `json:"segment,omitempty"` // for WhySegment: the customers counted (rfm, lifecycle, tag, potential)
	From    Date   `json:"from"`
	To      Date   `json:"to"`
	Said    string `json:"said,omitempty"` // the direction the question assumed: up, down
}

// WhySegment: the change of a segment's size.
const WhySegment = "segment"

// Segments are the segments, lifecycle stages, 高潜力 and behaviour tags the
// plan's filter requires now (not under a NOT, not at an earlier snapshot):
// the ones whose suggested action an answer carries.
func (p *Plan) Segments() []string {
	var out []string
	var walk func(n *Node)
	walk = func(n *Node) {
		if n == nil || n.Op == OpNot {
			return
		}
		if c := n.Cond; c != nil && c.At == nil && (segmentKind(c.Kind)) {
			out = append(out, c.Values...)
		}
		for _, k := range n.Kids {
			walk(k)
		}
	}
	walk(p.Filter)
	return out
}

// Migration compares two segment snapshots.
type Migration struct {
	Dim  string `json:"dim"` // rfm or lifecycle
	From Date   `json:"from"`
	To   Date   `json:"to"`
}

// Window is an inclusive range of calendar dates.
type Window struct {
	From   Date   `json:"from"`
	To     Date   `json:"to"`
	Phrase string `json:"phrase,omitempty"` // how the question said it, e.g. 近3个月
}

// Node is the filter tree: and/or/not over conditions.
type Node struct {
	Op   string  `json:"op"` // "and", "or", "not", "cond"
	Kids []*Node `json:"kids,omitempty"`
	Cond *Cond   `json:"cond,omitempty"`
}

// Node operators.
const (
	OpAnd  = "and"
	OpOr   = "or"
	OpNot  = "not"
	OpCond = "cond"
)

// CondKind names a kind of condition.
type CondKind string

const (
	CondBought          CondKind = "bought"           // bought Items (or anything) in the window, on Channels
	CondRFM             CondKind = "rfm"              // RFM class in Values
	CondLifecycle       CondKind = "lifecycle"        // lifecycle stage in Values
	CondGender          CondKind = "gender"           // 男 / 女
	CondAge             CondKind = "age"              // AgeMin ≤ age ≤ AgeMax
	CondCity            CondKind = "city"             // city in Values
	CondProvince        CondKind = "province"         // province in Values
	CondMemberLevel     CondKind = "member_level"     // level in Values
	CondRegisterChannel CondKind = "register_channel" // register channel in Values
	CondRegistered      CondKind = "registered"       // register date in the window
	CondMeasure         CondKind = "measure"          // Measure Op Value in the window
	CondBirthYear       CondKind = "birth_year"       // born in years Value … Value2 (90后)
	CondPotential       CondKind = "potential"        // 高潜力客户 (the CLV segment)
	CondFirstPurchase   CondKind = "first_purchase"   // first completed purchase in the window
	CondBirthMonth      CondKind = "birth_month"      // birthday in month Value (1–12)
	CondTag             CondKind = "tag"              // carries a behaviour tag in Values (any of them)
	CondCohort          CondKind = "cohort"           // in a saved list (保存为人群): Values[0] its name, IDs its customers
)

// Cond is one condition on a customer.
type Cond struct {
	Kind CondKind `json:"kind"`

	// bought
	Items      []ItemTerm `json:"items,omitempty"`       // all must match one order line; none: any purchase
	Channels   []string   `json:"channels,omitempty"`    // purchase channels; empty: any
	ChannelNot bool       `json:"channel_not,omitempty"` // Channels are excluded instead (线上 = not 门店)
	Only       bool       `json:"only,omitempty"`        // 只买过: and no line of anything else in the window
	Promo      string     `json:"promo,omitempty"`       // coupon: an order with coupon_used = 1 (用过优惠券); promo: or with a discount (参加过促销)

	// attributes
	Values []string `json:"values,omitempty"`
	AgeMin *int     `json:"age_min,omitempty"`
	AgeMax *int     `json:"age_max,omitempty"`

	// measure threshold
	Measure string  `json:"measure,omitempty"`
	Op      string  `json:"cmp,omitempty"` // > >= < <= = between
	Value   float64 `json:"value,omitempty"`
	Value2  float64 `json:"value2,omitempty"`

	// At: a segment read at an earlier snapshot (nil: the as-of snapshot)
	At *Date `json:"at,omitempty"`

	// cohort: the saved list's customer_ids, carried in the plan so that
	// its pages and exports read the list as it was when asked
	IDs []string `json:"ids,omitempty"`

	// time scope (bought, registered, measure)
	Window  *Window `json:"window,omitempty"`   // its own window; nil: the plan's window
	AllTime bool    `json:"all_time,omitempty"` // 从未: the whole history up to as_of
}

// ItemTerm is a word the warehouse knows for items, and what it is there.
type ItemTerm struct {
	Value string     `json:"value"`
	Kinds []ItemKind `json:"kinds"`
}

// ItemKind is where an item term was found.
type ItemKind string

const (
	ItemCategory   ItemKind = "category"
	ItemCategoryL1 ItemKind = "category_l1"
	ItemBrand      ItemKind = "brand"
	ItemProduct    ItemKind = "product"
)

// Sort orders a customer list or a table.
type Sort struct {
	By   string `json:"by"` // a Measure key, or SortLastPurchase
	Desc bool   `json:"desc"`
}

// SortLastPurchase sorts by the latest purchase date.
const SortLastPurchase = "last_purchase"

// Cond wraps a condition as a leaf node.
func leaf(c *Cond) *Node { return &Node{Op: OpCond, Cond: c} }

// And joins nodes; nil nodes are skipped.
func And(nodes ...*Node) *Node {
	var kids []*Node
	for _, n := range nodes {
		if n == nil {
			continue
		}
		if n.Op == OpAnd {
			kids = append(kids, n.Kids...)
		} else {
			kids = append(kids, n)
		}
	}
	switch len(kids) {
	case 0:
		return nil
	case 1:
		return kids[0]
	}
	return &Node{Op: OpAnd, Kids: kids}
}

// Walk calls f for every node of the tree, parents first.
func Walk(n *Node, f func(*Node)) {
	if n == nil {
		return
	}
	f(n)
	for _, k := range n.Kids {
		Walk(k, f)
	}
}

// EffectiveWindow is the window a condition applies in: its own, else the
// plan's, else nil (the whole history up to as_of).
func (p *Plan) EffectiveWindow(c *Cond) *Window {
	if c.AllTime {
		return nil
	}
	if c.Window != nil {
		return c.Window
	}
	return p.Window
}

// Clone deep-copies a plan (follow-ups edit a copy, never the stored one).
func (p *Plan) Clone() *Plan {
	b, _ := json.Marshal(p)
	q := &Plan{}
	_ = json.Unmarshal(b, q)
	return q
}

// Date is a calendar date, JSON "YYYY-MM-DD".
type Date struct{ time.Time }

// D makes a Date.
func D(t time.Time) Date { return Date{time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)} }

func (d Date) String() string { return d.Format("2006-01-02") }

// MarshalJSON writes YYYY-MM-DD.
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads YYYY-MM-DD strictly.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return fmt.Errorf("bad date %q", s)
	}
	d.Time = t
	return nil
}

// AddDays returns the date n days later.
func (d Date) AddDays(n int) Date { return Date{d.AddDate(0, 0, n)} }

// AddMonths moves by calendar months, clamping to the month's last day
// (2026-05-31 − 3 months = 2026-02-28), as spec semantics.md reads it.
func (d Date) AddMonths(n int) Date {
	y, m := d.Year(), int(d.Month())-1+n
	y += m / 12
	m %= 12
	if m < 0 {
		m += 12
		y--
	}
	first := time.Date(y, time.Month(m+1), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	day := d.Day()
	if day > last {
		day = last
	}
	return Date{time.Date(y, time.Month(m+1), day, 0, 0, 0, 0, time.UTC)}
}
