package insight

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/schema/custset"
)

// Dim is a dimension a change is decomposed over: an attr of customer_sets.
type Dim struct {
	Attr, Name string
	Overlap    bool // a customer may be in several groups (behaviour tags)
	// Partial: only customers with a value are grouped. The behaviour tags
	// and the top category come from the 12 months before a snapshot, so
	// "no value" there means "bought nothing lately" — churn itself, not a
	// cause of it; as a group it would explain every churn question.
	Partial bool
}

// Dims are the dimensions of the analysis, in the order they are tried.
var Dims = []Dim{
	{Attr: "city", Name: "城市"},
	{Attr: "register_channel", Name: "注册渠道"},
	{Attr: "member_level", Name: "会员等级"},
	{Attr: "gender", Name: "性别"},
	{Attr: schema.AgeBandAttr, Name: "年龄段"},
	{Attr: schema.TagSetAttr, Name: "行为标签", Overlap: true, Partial: true},
	{Attr: schema.TopCategoryAttr, Name: "近12个月消费最多的品类", Partial: true},
}

// Snapshot is one day's customer sets, by attr and value.
type Snapshot struct {
	Day  string
	sets map[string]map[string]*custset.Set
}

// NewSnapshot is an empty snapshot of day (tests fill it with Put).
func NewSnapshot(day string) *Snapshot {
	return &Snapshot{Day: day, sets: map[string]map[string]*custset.Set{}}
}

// Put stores the set of customers holding value of attr.
func (s *Snapshot) Put(attr, value string, set *custset.Set) {
	if s.sets[attr] == nil {
		s.sets[attr] = map[string]*custset.Set{}
	}
	s.sets[attr][value] = set
}

func (s *Snapshot) get(attr, value string) *custset.Set {
	if set := s.sets[attr][value]; set != nil {
		return set
	}
	return custset.New()
}

func (s *Snapshot) values(attr string) []string {
	var out []string
	for v := range s.sets[attr] {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// LoadSQL is the one statement an analysis runs: both days' customer sets,
// but the one-per-year age sets (schema.AgeAttr), which it never reads (age
// bands are its dimension).
const LoadSQL = `SELECT as_of, attr, value, customers FROM customer_sets WHERE as_of IN (?, ?) AND attr <> 'age'`

// Load reads the customer sets of two snapshot days.
func Load(ctx context.Context, db *sql.DB, from, to string) (*Snapshot, *Snapshot, error) {
	snaps := map[string]*Snapshot{from: NewSnapshot(from), to: NewSnapshot(to)}
	rows, err := db.QueryContext(ctx, LoadSQL, from, to)
	if err != nil {
		return nil, nil, fmt.Errorf("load customer sets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var day, attr, value string
		var blob []byte
		if err := rows.Scan(&day, &attr, &value, &blob); err != nil {
			return nil, nil, err
		}
		set, err := custset.Decode(blob)
		if err != nil {
			return nil, nil, fmt.Errorf("customer set %s %s=%s: %w", day, attr, value, err)
		}
		snaps[day].Put(attr, value, set)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("load customer sets: %w", err)
	}
	return snaps[from], snaps[to], nil
}

// Metric is what is compared: the customers holding any of Values of Attr
// (a segment, stage or tag), counted, or as a share of the buyers.
type Metric struct {
	Name       string // 流失率, 流失客户 …
	Attr       string
	Values     []string
	Rate       bool   // a share of the base; else a number of customers
	NeverBuyer string // a rate's base leaves this lifecycle stage out (未购客户)
}

// sides are a metric's customers and its base at one snapshot.
func (m Metric) sides(s *Snapshot) (num, base *custset.Set) {
	base = s.get(schema.AllCustomers, "").Clone()
	if m.Rate {
		base.AndNot(s.get("lifecycle", m.NeverBuyer))
	}
	num = custset.New()
	for _, v := range m.Values {
		num.Or(s.get(m.Attr, v))
	}
	num.And(base)
	return num, base
}

// Cond is one step of a driver's path: a dimension's value, or (Rest) the
// customers with none (no birth date, no tag …).
type Cond struct {
	Dim   Dim
	Value string
	Rest  bool
}

// Label is how the step reads: 城市=杭州, 年龄段=（未知）.
func (c Cond) Label() string {
	if c.Rest {
		if c.Dim.Overlap {
			return c.Dim.Name + "=（无）"
		}
		return c.Dim.Name + "=（未知）"
	}
	return c.Dim.Name + "=" + c.Value
}

// Driver is a group of customers and its part in the change.
type Driver struct {
	Path          []Cond
	Before, After float64 // the metric inside the group: its share (a rate) or its customers (a count)
	Base0, Base1  int     // the group's customers in the base, then and now
	Contribution  float64 // to the change of the whole (rate: a fraction; count: customers)
	RateEffect    float64 // of it, from the metric changing inside the group
	MixEffect     float64 // of it, from the group's share of customers changing
	Share         float64 // Contribution ÷ the whole change
	// Excess is how many more (fewer) of the group's customers are in the
	// metric now than if the group had changed in the same proportion as
	// the whole; Z is that excess in standard errors.
	Excess float64
	Z      float64
	Lift   float64 // Excess ÷ what proportion predicted

	set0, set1 *custset.Set // the group's customers at the two days
	n0, n1     float64      // its customers in the metric
}

// Label is the driver's path: 城市=杭州 且 注册渠道=小程序.
func (d Driver) Label() string {
	var s []string
	for _, c := range d.Path {
		s = append(s, c.Label())
	}
	return strings.Join(s, " 且 ")
}

// Result is an analysis.
type Result struct {
	Metric                Metric
	From, To              string
	Before, After, Change float64
	Drivers               []Driver // the top path first, then the next groups by Z
	StandsOut             bool     // the top path changed beyond the whole's proportion, beyond chance
	Missing               []string // dimensions without sets at one of the days
}

// A group stands out when its excess is at least MinZ standard errors (not
// chance), at least MinExcess customers and at least MinLift of what
// proportion predicted (not a slight tilt that a million customers make
// significant). A second level is kept when it carries at least minChild
// of its parent's excess.
const (
	MinZ      = 5
	MinExcess = 20
	MinLift   = 0.2
	minChild  = 0.5
	maxRows   = 6
)

// cell is a group's counts at the two days: its customers in the base,
// and in the metric.
type cell struct{ b0, b1, n0, n1 float64 }

func (a *analysis) cellOf(g0, g1 *custset.Set) cell {
	return cell{b0: float64(g0.AndCardinality(a.base0)), b1: float64(g1.AndCardinality(a.base1)),
		n0: float64(g0.AndCardinality(a.num0)), n1: float64(g1.AndCardinality(a.num1))}
}

type analysis struct {
	m                        Metric
	s0, s1                   *Snapshot
	num0, base0, num1, base1 *custset.Set
	B0, B1, N0, N1           float64
	change                   float64
	k                        float64 // the whole's proportional change: R1/R0 (a rate) or N1/N0 (a count)
}

// Analyze compares m between two snapshots and finds what drove the change:
// every group's contribution, and the group that changed most out of
// proportion with the whole (a metric that rises 50% everywhere has no
// driver; one that triples in one group has).
func Analyze(m Metric, s0, s1 *Snapshot) Result {
	a := &analysis{m: m, s0: s0, s1: s1}
	a.num0, a.base0 = m.sides(s0)
	a.num1, a.base1 = m.sides(s1)
	a.B0, a.B1 = float64(a.base0.GetCardinality()), float64(a.base1.GetCardinality())
	a.N0, a.N1 = float64(a.num0.GetCardinality()), float64(a.num1.GetCardinality())
	r := Result{Metric: m, From: s0.Day, To: s1.Day, Before: a.value(a.N0, a.B0), After: a.value(a.N1, a.B1)}
	r.Change = r.After - r.Before
	a.change = r.Change
	a.k = ratio(r.After, r.Before)
	if r.Before == 0 {
		a.k = 1
	}

	// Level 1: every group of every dimension.
	var level1 []Driver
	var dims []Dim
	for _, d := range Dims {
		if d.Attr == m.Attr {
			continue // 品牌忠诚型 split by tag: itself
		}
		if len(s0.sets[d.Attr]) == 0 || len(s1.sets[d.Attr]) == 0 {
			r.Missing = append(r.Missing, d.Name)
			continue
		}
		dims = append(dims, d)
		level1 = append(level1, a.groups(d, nil)...)
	}
	if len(level1) == 0 {
		return r
	}
	a.rank(level1)
	top := level1[0]
	// Level 2: inside the top group, the subgroup (of another dimension)
	// most out of proportion; kept when it carries most of the top's excess.
	first := top
	for _, d := range dims {
		if d.Attr == top.Path[0].Dim.Attr {
			continue
		}
		subs := a.groups(d, &top)
		a.rank(subs)
		if len(subs) > 0 && a.aligned(subs[0].Excess) >= minChild*a.aligned(top.Excess) &&
			(len(first.Path) == 1 || a.aligned(subs[0].Z) > a.aligned(first.Z)) {
			first = subs[0]
		}
	}
	r.Drivers = append(r.Drivers, first)
	for _, d := range level1[1:] {
		if len(r.Drivers) == maxRows {
			break
		}
		r.Drivers = append(r.Drivers, d)
	}
	r.StandsOut = r.Change != 0 && a.aligned(first.Z) >= MinZ && a.aligned(first.Excess) >= MinExcess && a.aligned(first.Lift) >= MinLift
	return r
}

// value is the metric of n customers out of a base of b.
func (a *analysis) value(n, b float64) float64 {
	if !a.m.Rate {
		return n
	}
	if b == 0 {
		return 0
	}
	return n / b
}

// aligned turns a signed quantity so that "in the direction of the change"
// is positive.
func (a *analysis) aligned(v float64) float64 {
	if a.change < 0 {
		return -v
	}
	return v
}

// groups are a dimension's groups (inside parent, if any), with the rest
// (customers without a value) as one more group.
func (a *analysis) groups(d Dim, parent *Driver) []Driver {
	var out []Driver
	union0, union1 := custset.New(), custset.New()
	for _, v := range uniq(a.s0.values(d.Attr), a.s1.values(d.Attr)) {
		g0, g1 := a.s0.get(d.Attr, v), a.s1.get(d.Attr, v)
		union0.Or(g0)
		union1.Or(g1)
		out = append(out, a.driver(d, Cond{Dim: d, Value: v}, g0, g1, parent))
	}
	rest0, rest1 := roaring.AndNot(a.base0, union0), roaring.AndNot(a.base1, union1)
	if !d.Partial && (!rest0.IsEmpty() || !rest1.IsEmpty()) {
		out = append(out, a.driver(d, Cond{Dim: d, Rest: true}, rest0, rest1, parent))
	}
	return out
}

func (a *analysis) driver(d Dim, c Cond, g0, g1 *custset.Set, parent *Driver) Driver {
	var path []Cond
	if parent != nil {
		g0, g1 = roaring.And(g0, parent.set0), roaring.And(g1, parent.set1)
		path = append(path, parent.Path...)
	}
	path = append(path, c)
	x := a.cellOf(g0, g1)
	dr := Driver{Path: path, Base0: int(x.b0), Base1: int(x.b1), set0: g0, set1: g1}
	r0, r1 := ratio(x.n0, x.b0), ratio(x.n1, x.b1)
	if a.m.Rate {
		w0, w1 := ratio(x.b0, a.B0), ratio(x.b1, a.B1)
		dr.Before, dr.After = r0, r1
		dr.RateEffect = (r1 - r0) * (w0 + w1) / 2
		dr.MixEffect = (w1 - w0) * (r0 + r1) / 2
	} else {
		dr.Before, dr.After = x.n0, x.n1
		dr.RateEffect = (r1 - r0) * (x.b0 + x.b1) / 2
		dr.MixEffect = (x.b1 - x.b0) * (r0 + r1) / 2
	}
	dr.Contribution = dr.RateEffect + dr.MixEffect
	if a.change != 0 {
		dr.Share = dr.Contribution / a.change
	}
	// What the group would hold now had it changed like the whole.
	expected := x.n0 * a.k
	if a.m.Rate {
		expected = x.b1 * r0 * a.k
	}
	dr.n0, dr.n1 = x.n0, x.n1
	dr.Excess = x.n1 - expected
	if expected > 0 {
		dr.Lift = dr.Excess / expected
	} else if x.n1 > 0 {
		dr.Lift = math.Inf(1)
	}
	// Counts of customers: Poisson-like variances of now and of the
	// scaled past.
	v := x.n1
	if x.n0 > 0 {
		v += expected * expected / x.n0
	}
	if v > 0 {
		dr.Z = dr.Excess / math.Sqrt(v)
	}
	return dr
}

// rank orders groups by how far, in standard errors, they moved out of
// proportion in the direction of the change.
func (a *analysis) rank(ds []Driver) {
	sort.SliceStable(ds, func(i, j int) bool { return a.aligned(ds[i].Z) > a.aligned(ds[j].Z) })
}

func ratio(n, d float64) float64 {
	if d == 0 {
		return 0
	}
	return n / d
}

func uniq(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range append(a, b...) {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}
