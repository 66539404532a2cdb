package insight

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/schema/custset"
)

// population builds a snapshot of n customers with a city, a register
// channel and a gender each, and a lifecycle stage: 流失客户 with the
// probability lost(city, channel), 未购客户 for every 10th customer.
func population(day string, n int, seed uint64, lost func(city, ch string) float64) *Snapshot {
	r := rand.New(rand.NewPCG(seed, 7))
	s := NewSnapshot(day)
	sets := map[[2]string]*custset.Set{}
	add := func(attr, v string, k uint32) {
		key := [2]string{attr, v}
		if sets[key] == nil {
			sets[key] = custset.New()
		}
		sets[key].Add(k)
	}
	cities, chans := []string{"上海", "北京", "杭州", "成都"}, []string{"门店", "APP", "小程序"}
	for i := 0; i < n; i++ {
		k := uint32(i + 1)
		// Deterministic attributes by customer (the same on both days).
		city, ch := cities[i%len(cities)], chans[(i/len(cities))%len(chans)]
		add(schema.AllCustomers, "", k)
		add("city", city, k)
		add("register_channel", ch, k)
		add("gender", []string{"女", "男"}[i%7/6], k)
		switch {
		case i%10 == 0:
			add("lifecycle", "未购客户", k)
		case r.Float64() < lost(city, ch):
			add("lifecycle", "流失客户", k)
		default:
			add("lifecycle", "活跃客户", k)
		}
	}
	for k, v := range sets {
		s.Put(k[0], k[1], v)
	}
	return s
}

var churnRate = Metric{Name: "流失率", Attr: "lifecycle", Values: []string{"流失客户"}, Rate: true, NeverBuyer: "未购客户"}

func TestPlantedCauseRanksFirst(t *testing.T) {
	base := func(city, ch string) float64 { return 0.2 }
	planted := func(city, ch string) float64 {
		if city == "杭州" && ch == "小程序" {
			return 0.6
		}
		return 0.2
	}
	for _, m := range []Metric{churnRate, {Name: "流失客户", Attr: "lifecycle", Values: []string{"流失客户"}}} {
		r := Analyze(m, population("2026-05-26", 20000, 1, base), population("2026-11-22", 20000, 2, planted))
		if r.Change <= 0 || !r.StandsOut {
			t.Fatalf("%s: change %v stands out %v", m.Name, r.Change, r.StandsOut)
		}
		d := r.Drivers[0]
		labels := map[string]bool{}
		for _, c := range d.Path {
			labels[c.Label()] = true
		}
		if len(d.Path) != 2 || !labels["城市=杭州"] || !labels["注册渠道=小程序"] || d.Share < 0.6 {
			t.Errorf("%s: top driver %s share %.2f z %.1f", m.Name, d.Label(), d.Share, d.Z)
		}
		if s := r.Summary(); !strings.Contains(s, "变化最反常") || !strings.Contains(s, "杭州") {
			t.Errorf("%s summary: %s", m.Name, s)
		}
	}
	// The same change spread evenly over everyone: nothing stands out.
	up := func(city, ch string) float64 { return 0.25 }
	r := Analyze(churnRate, population("2026-05-26", 20000, 1, base), population("2026-11-22", 20000, 2, up))
	if r.Change <= 0 || r.StandsOut {
		t.Errorf("control: change %v, stands out %v (%s z %.1f)", r.Change, r.StandsOut, r.Drivers[0].Label(), r.Drivers[0].Z)
	}
	if s := r.Summary(); !strings.Contains(s, "没有哪个分组特别突出") {
		t.Errorf("control summary: %s", s)
	}
}

// The contributions of one dimension's groups add up to the change, and
// each is its rate effect plus its mix effect — for a rate and a count, with
// groups that grow and shrink between the days.
func TestDecompositionAddsUp(t *testing.T) {
	s0 := population("2026-05-26", 5000, 3, func(city, ch string) float64 { return 0.1 + 0.05*float64(len(city)) })
	s1 := population("2026-11-22", 7000, 4, func(city, ch string) float64 { return 0.3 })
	// A city that only exists on the second day.
	extra := custset.New()
	for k := uint32(7001); k <= 7300; k++ {
		extra.Add(k)
	}
	all := s1.get(schema.AllCustomers, "").Clone()
	all.Or(extra)
	s1.Put(schema.AllCustomers, "", all)
	s1.Put("city", "西安", extra)
	for _, m := range []Metric{churnRate, {Name: "流失客户", Attr: "lifecycle", Values: []string{"流失客户"}}} {
		a := &analysis{m: m, s0: s0, s1: s1}
		a.num0, a.base0 = m.sides(s0)
		a.num1, a.base1 = m.sides(s1)
		a.B0, a.B1 = float64(a.base0.GetCardinality()), float64(a.base1.GetCardinality())
		a.N0, a.N1 = float64(a.num0.GetCardinality()), float64(a.num1.GetCardinality())
		a.change = a.value(a.N1, a.B1) - a.value(a.N0, a.B0)
		for _, d := range Dims[:4] {
			sum := 0.0
			for _, g := range a.groups(d, nil) {
				sum += g.Contribution
				if math.Abs(g.Contribution-g.RateEffect-g.MixEffect) > 1e-9 {
					t.Errorf("%s %s: %v ≠ %v + %v", m.Name, g.Label(), g.Contribution, g.RateEffect, g.MixEffect)
				}
			}
			if math.Abs(sum-a.change) > 1e-9*math.Max(1, math.Abs(a.change)) {
				t.Errorf("%s by %s: contributions add to %v, change %v", m.Name, d.Name, sum, a.change)
			}
		}
	}
}

// A dimension without sets on one day (a snapshot from before it) is left
// out and named.
func TestMissingDimension(t *testing.T) {
	s0 := population("2026-05-26", 1000, 1, func(string, string) float64 { return 0.2 })
	s1 := population("2026-11-22", 1000, 2, func(string, string) float64 { return 0.2 })
	r := Analyze(churnRate, s0, s1)
	if !strings.Contains(strings.Join(r.Missing, ","), "行为标签") {
		t.Errorf("missing %v", r.Missing)
	}
	cols, rows := r.Table()
	if len(cols) != 8 || len(rows) == 0 || !strings.HasSuffix(cols[1], "流失率") {
		t.Errorf("table %v %v", cols, rows)
	}
}
