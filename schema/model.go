package schema

import (
	"encoding/json"
	"fmt"
	"os"
)

// SegmentModel is the segment configuration: RFM class names by their
// high/low R, F, M flags, and the lifecycle stages' day bounds and names.
// The default is spec semantics.md; a retailer may load its own with
// LoadModel. The model in force is stored with every snapshot, so an
// explanation can always state the definition that produced a segment.
type SegmentModel struct {
	RFM       []RFMClass     `json:"rfm"`
	Lifecycle LifecycleModel `json:"lifecycle"`
}

// RFMClass names one combination of R, F and M flags. A flag is true for
// "高": R is high when R ≤ mean R (recent), F when F ≥ mean F, M when M ≥ mean M.
type RFMClass struct {
	Name     string   `json:"name"`
	R        bool     `json:"r_high"`
	F        bool     `json:"f_high"`
	M        bool     `json:"m_high"`
	Synonyms []string `json:"synonyms,omitempty"`
}

// LifecycleModel holds the stage bounds in days before as_of.
type LifecycleModel struct {
	NewDays    int `json:"new_days"`    // first purchase within this many days: new
	ActiveDays int `json:"active_days"` // last purchase within: active
	SilentDays int `json:"silent_days"` // last purchase within: silent; beyond: lost

	New        Stage `json:"new"`
	Active     Stage `json:"active"`
	Silent     Stage `json:"silent"`
	Lost       Stage `json:"lost"`
	NeverBuyer Stage `json:"never_bought"`
}

// Stage is one lifecycle stage's name and the other names marketers use.
type Stage struct {
	Name     string   `json:"name"`
	Synonyms []string `json:"synonyms,omitempty"`
}

// DefaultModel returns the segment model of spec semantics.md.
func DefaultModel() *SegmentModel {
	return &SegmentModel{
		RFM: []RFMClass{
			{Name: "重要价值客户", R: true, F: true, M: true},
			{Name: "重要发展客户", R: true, F: false, M: true},
			{Name: "重要保持客户", R: false, F: true, M: true},
			{Name: "重要挽留客户", R: false, F: false, M: true},
			{Name: "一般价值客户", R: true, F: true, M: false},
			{Name: "一般发展客户", R: true, F: false, M: false},
			{Name: "一般保持客户", R: false, F: true, M: false},
			{Name: "一般挽留客户", R: false, F: false, M: false},
		},
		Lifecycle: LifecycleModel{
			NewDays: 30, ActiveDays: 90, SilentDays: 180,
			New:        Stage{Name: "新客户", Synonyms: []string{"新客", "新顾客"}},
			Active:     Stage{Name: "活跃客户", Synonyms: []string{"活跃"}},
			Silent:     Stage{Name: "沉默客户", Synonyms: []string{"即将流失客户", "流失预警客户", "沉睡客户", "沉默", "沉睡"}},
			Lost:       Stage{Name: "流失客户", Synonyms: []string{"已流失客户", "流失"}},
			NeverBuyer: Stage{Name: "未购客户", Synonyms: []string{"潜在客户", "从未购买的客户"}},
		},
	}
}

// LoadModel reads a segment model from a JSON file and checks it.
func LoadModel(path string) (*SegmentModel, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read segment model: %w", err)
	}
	m := &SegmentModel{}
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("segment model %s: %w", path, err)
	}
	return m, m.Validate()
}

// Validate checks that all eight flag combinations are named once and the
// lifecycle bounds increase.
func (m *SegmentModel) Validate() error {
	seen := map[[3]bool]bool{}
	for _, c := range m.RFM {
		k := [3]bool{c.R, c.F, c.M}
		if seen[k] {
			return fmt.Errorf("segment model: two RFM classes for R=%v F=%v M=%v", c.R, c.F, c.M)
		}
		if c.Name == "" {
			return fmt.Errorf("segment model: an RFM class has no name")
		}
		seen[k] = true
	}
	if len(seen) != 8 {
		return fmt.Errorf("segment model: %d RFM classes, want 8", len(seen))
	}
	lc := m.Lifecycle
	if !(0 < lc.NewDays && lc.NewDays <= lc.ActiveDays && lc.ActiveDays < lc.SilentDays) {
		return fmt.Errorf("segment model: lifecycle days must satisfy 0 < new ≤ active < silent")
	}
	return nil
}

// ClassFor returns the RFM class name for the flags.
func (m *SegmentModel) ClassFor(r, f, mm bool) string {
	for _, c := range m.RFM {
		if c.R == r && c.F == f && c.M == mm {
			return c.Name
		}
	}
	return ""
}

// Stages lists the lifecycle stages in order.
func (lc LifecycleModel) Stages() []Stage {
	return []Stage{lc.New, lc.Active, lc.Silent, lc.Lost, lc.NeverBuyer}
}
