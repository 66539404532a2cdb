package strategy

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"strings"

	"github.com/chatbi/chatbi/schema"
)

// Suggestion is the action suggested for one segment an answer names.
type Suggestion struct {
	Segment string `json:"segment"`
	Action  string `json:"action"`
}

// Table is the suggested action for each segment, by its name.
type Table struct {
	actions map[string]string
}

//go:embed default.txt
var defaultFile []byte

// Default is the embedded table.
func Default() *Table {
	t, err := Load()
	if err != nil {
		panic(err) // embedded and tested: a bad line is a build mistake
	}
	return t
}

// Load reads the embedded table, then each file in turn: a line of a later
// file replaces the same segment's line of an earlier one. Errors name the
// file and line.
func Load(paths ...string) (*Table, error) {
	t := &Table{actions: map[string]string{}}
	if err := t.parse("default.txt", defaultFile); err != nil {
		return nil, err
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("strategy file: %w", err)
		}
		if err := t.parse(p, data); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Segments are the names a line may start with: the default segment
// model's RFM classes and lifecycle stages, 高潜力客户 and the behaviour tags.
func Segments() []string {
	m := schema.DefaultModel()
	var out []string
	for _, r := range m.RFM {
		out = append(out, r.Name)
	}
	for _, st := range m.Lifecycle.Stages() {
		out = append(out, st.Name)
	}
	out = append(out, schema.PotentialName)
	return append(out, schema.BehaviourTags...)
}

// parse reads "分群名: 建议" lines; blank lines and # comments are skipped.
func (t *Table) parse(name string, data []byte) error {
	known := map[string]bool{}
	for _, s := range Segments() {
		known[s] = true
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		seg, action, ok := strings.Cut(text, ":")
		if !ok {
			if seg, action, ok = strings.Cut(text, "："); !ok {
				return fmt.Errorf("%s:%d: 应为“分群名: 建议”", name, line)
			}
		}
		seg, action = strings.TrimSpace(seg), strings.TrimSpace(action)
		if !known[seg] {
			return fmt.Errorf("%s:%d: 「%s」不是分群、生命周期阶段或行为标签（可用：%s）", name, line, seg, strings.Join(Segments(), "、"))
		}
		if action == "" {
			return fmt.Errorf("%s:%d: 「%s」没有建议", name, line, seg)
		}
		t.actions[seg] = action
	}
	return sc.Err()
}

// For returns the suggestions for the segments named, in that order, once
// each; segments without a line are left out.
func (t *Table) For(segments []string) []Suggestion {
	out := []Suggestion{}
	seen := map[string]bool{}
	for _, s := range segments {
		if a, ok := t.actions[s]; ok && !seen[s] {
			seen[s] = true
			out = append(out, Suggestion{Segment: s, Action: a})
		}
	}
	return out
}
