package server

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/schema"
)

// plantedWarehouse is a demo warehouse of n customers with snapshots at
// from and at its end; with plant, the members of 杭州 who registered on 小
// 程序 stop buying at from.
func plantedWarehouse(t *testing.T, n int, plant bool) (string, time.Time) {
	t.Helper()
	end := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	from := end.AddDate(0, 0, -240)
	d := schema.DemoOptions{Customers: n, Seed: 5}
	if plant {
		d.Plant = &schema.PlantedChurn{City: "杭州", RegisterChannel: "小程序", From: from}
	}
	path := filepath.Join(t.TempDir(), "w.db")
	if _, err := schema.Demo(context.Background(), path, d, schema.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := schema.Refresh(context.Background(), path, schema.RefreshOptions{AsOf: from}); err != nil {
		t.Fatal(err)
	}
	return path, from
}

// TestWhyFindsThePlantedCause: churn raised only among one register
// channel's members in one city is ranked first, as that exact group, for
// the rate and for the segment's size, at 20k and 200k customers; its
// customers are one follow-up away. Without the plant, nothing stands out.
func TestWhyFindsThePlantedCause(t *testing.T) {
	sizes := []int{20000, 200000}
	if testing.Short() {
		sizes = sizes[:1]
	}
	for _, n := range sizes {
		path, from := plantedWarehouse(t, n, true)
		svc, err := NewService(context.Background(), path, executor.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer svc.Close()
		for _, q := range []string{"流失率为什么上升了", "为什么流失客户变多了"} {
			a, err := svc.Ask(context.Background(), AskRequest{Question: q})
			if err != nil {
				t.Fatalf("%d %s: %v", n, q, err)
			}
			if a.Status != "ok" || a.Insight == nil || len(a.Rows) == 0 {
				t.Fatalf("%d %s: %+v", n, q, a)
			}
			top, _ := a.Rows[0][0].(string)
			if !a.Insight.StandsOut || a.Insight.Change <= 0 || a.Insight.From != schema.FormatDate(from) ||
				!strings.Contains(top, "城市=杭州") || !strings.Contains(top, "注册渠道=小程序") || strings.Count(top, "=") != 2 {
				t.Errorf("%d %s: top %q, insight %+v", n, q, top, a.Insight)
			}
			if !strings.Contains(a.Insight.Summary, "变化最反常") || !strings.Contains(a.Explanation, "结论：") {
				t.Errorf("%d %s: summary %q", n, q, a.Insight.Summary)
			}
			// The Slack and WeCom replies carry the conclusion and the drivers.
			if txt := (&Server{}).botText(a, nil, 5); !strings.Contains(txt, "结论：") || !strings.Contains(txt, "城市=杭州") {
				t.Errorf("%d %s: bot reply %q", n, q, txt)
			}
			// 这些客户有哪些: the driver's lost customers, listed.
			list, err := svc.Ask(context.Background(), AskRequest{Question: "这些客户有哪些", ConversationID: a.ConversationID})
			if err != nil || list.Status != "ok" || list.AnswerType != "customers" || list.Total == 0 ||
				!strings.Contains(list.Explanation, "杭州") || !strings.Contains(list.Explanation, "小程序") || !strings.Contains(list.Explanation, "流失客户") {
				t.Errorf("%d %s / 这些客户有哪些: %v %+v", n, q, err, list)
			}
			if q == "为什么流失客户变多了" && int64(list.Total) != toInt(a.Rows[0][2]) {
				t.Errorf("%d: the driver has %v lost customers now, the list %d", n, a.Rows[0][2], list.Total)
			}
		}
	}
	// The control: the same data without the plant.
	for _, n := range sizes {
		path, _ := plantedWarehouse(t, n, false)
		svc, err := NewService(context.Background(), path, executor.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer svc.Close()
		for _, q := range []string{"流失率为什么上升了", "为什么流失客户变多了"} {
			a, err := svc.Ask(context.Background(), AskRequest{Question: q})
			if err != nil || a.Insight == nil {
				t.Fatalf("control %d %s: %v %+v", n, q, err, a)
			}
			if a.Insight.StandsOut || !strings.Contains(a.Insight.Summary, "没有哪个分组特别突出") {
				t.Errorf("control %d %s: %+v rows %v", n, q, a.Insight, a.Rows[:1])
			}
		}
	}
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	}
	return -1
}

// With one snapshot there is nothing to compare: asked back, saying so.
func TestWhyNeedsTwoSnapshots(t *testing.T) {
	svc := MustOpenService(t)
	a, err := svc.Ask(context.Background(), AskRequest{Question: "为什么流失客户变多了"})
	if err != nil || a.Status != "clarify" || !strings.Contains(a.Clarification.Message, "没有可比较的更早快照") {
		t.Fatalf("%v %+v", err, a)
	}
	// A why question about something it cannot analyse is asked back too.
	for _, q := range []string{"为什么上海的流失客户变多了", "为什么近3个月买过口红的客户变多了", "流失客户变多了"} {
		a, err := svc.Ask(context.Background(), AskRequest{Question: q})
		if err != nil || a.Status != "clarify" {
			t.Errorf("%s: %v %+v", q, err, a)
		}
	}
}
