package nlq

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chatbi/chatbi/schema"
)

// TestBehaviourTagWords: the tags' names and plain short forms, alone and
// with every other kind of condition, and 行为标签 as a dimension.
func TestBehaviourTagWords(t *testing.T) {
	e, db := publicEngineDB(t)
	checkReadings(t, e, map[string]string{
		"促销敏感型客户有多少":            "tag:促销敏感型",
		"促销敏感的客户":               "tag:促销敏感型",
		"忠于某个品牌的客户有多少":          "tag:品牌忠诚型",
		"高频客户里的女性":              "and(tag:高频购买型 gender:女)",
		"近3个月没买过东西的品牌忠诚型客户":     "and(not(bought:) tag:品牌忠诚型)",
		"爱尝鲜的重要价值客户":            "and(tag:品类探索型 rfm:重要价值客户)",
		"上海的偶发大额客户":             "and(city:上海 tag:偶发大额型)",
		"近一年消费超过3000元的高频客户":     "and(measure: tag:高频购买型)",
		"不是促销敏感型的重要价值客户":        "and(not(tag:促销敏感型) rfm:重要价值客户)",
		"品类探索型客户中买过口红的有多少":      "and(tag:品类探索型 bought:口红)",
		"高频购买型和品牌忠诚型都是的客户有多少":   "and(tag:高频购买型 tag:品牌忠诚型)",
		"近3个月在天猫买过面霜的促销敏感型金卡会员": "and(bought:面霜 tag:促销敏感型 member_level:金卡)",
	}, func(p *Plan) string { return filterString(p.Filter) })
	checkReadings(t, e, map[string]string{
		"各行为标签的人数":          "tag",
		"按行为标签看近3个月买过口红的客户": "tag",
		"重要价值客户的行为标签分布":     "tag",
	}, func(p *Plan) string { return p.GroupBy })
	// The spec's counts (public set pub-100, pub-102), on both SQL paths.
	for _, plain := range []bool{false, true} {
		e.PlainSQL = plain
		if n, err := countFor(e, db, "促销敏感型客户有多少"); err != nil || n != 91 {
			t.Errorf("plain %v: 促销敏感型 %d (%v), want 91", plain, n, err)
		}
		if n, err := countFor(e, db, "品类探索型客户中买过口红的有多少"); err != nil || n != 267 {
			t.Errorf("plain %v: 品类探索型 × 口红 %d (%v), want 267", plain, n, err)
		}
	}
	e.PlainSQL = false
}

// withTags is the public engine over a catalog whose tag record is
// replaced (a snapshot without promotions, a second snapshot …).
func withTags(t *testing.T, edit func(c *schema.Catalog)) *Engine {
	t.Helper()
	e, _ := publicEngine(t)
	cat := *e.Catalog
	cat.Tags = map[string]*schema.TagCutoffs{}
	for k, v := range e.Catalog.Tags {
		cp := *v
		cp.Skipped = map[string]string{}
		for a, b := range v.Skipped {
			cp.Skipped[a] = b
		}
		cat.Tags[k] = &cp
	}
	cat.Snapshots = append([]time.Time{}, e.Catalog.Snapshots...)
	edit(&cat)
	return NewEngine(&cat)
}

// A tag the data cannot support, or a snapshot from before the tags, is
// asked back with the reason — never answered as an empty list.
func TestBehaviourTagUnavailable(t *testing.T) {
	day := schema.FormatDate(asOf.Time)
	for _, c := range []struct {
		name, q, want string
		edit          func(c *schema.Catalog)
	}{
		{"no promotions", "促销敏感型客户有多少", "没有促销信息", func(c *schema.Catalog) {
			c.Tags[day].Skipped[schema.TagPromo] = "数据中没有促销信息"
		}},
		{"no brands", "近3个月买过口红的品牌忠诚型客户", "没有任何商品品牌", func(c *schema.Catalog) {
			c.Tags[day].Skipped[schema.TagBrandLoyal] = "数据中没有任何商品品牌"
		}},
		{"old snapshot", "高频客户有多少", "refresh", func(c *schema.Catalog) { c.Tags[day] = nil }},
		{"old snapshot, grouped", "各行为标签的人数", "refresh", func(c *schema.Catalog) { c.Tags[day] = nil }},
	} {
		e := withTags(t, c.edit)
		_, err := e.Parse(c.q, asOf, nil)
		var pe *PlanError
		if !errors.As(err, &pe) || !strings.Contains(pe.Msg, c.want) {
			t.Errorf("%s: %q → %v, want a question back saying %q", c.name, c.q, err, c.want)
		}
	}
	// The other tags still answer when one is missing.
	e := withTags(t, func(c *schema.Catalog) { c.Tags[day].Skipped[schema.TagPromo] = "数据中没有促销信息" })
	if _, err := e.Parse("高频客户有多少", asOf, nil); err != nil {
		t.Errorf("高频客户 with promotions missing: %v", err)
	}
}

// 上个季度是品牌忠诚型、现在不是的: the tag at last quarter's snapshot and
// not at today's — a 不是 with nothing after it denies the segment just said.
func TestNoLongerInSegment(t *testing.T) {
	q3 := D(time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC))
	e := withTags(t, func(c *schema.Catalog) {
		c.Snapshots = append([]time.Time{q3.Time}, c.Snapshots...)
		c.Tags[q3.String()] = c.Tags[schema.FormatDate(asOf.Time)]
	})
	for q, want := range map[string]string{
		"上个季度是品牌忠诚型、现在不是的客户":   "and(tag@2026-09-30:品牌忠诚型 not(tag:品牌忠诚型))",
		"上个季度是重要价值客户、现在不是的有多少": "and(rfm@2026-09-30:重要价值客户 not(rfm:重要价值客户))",
		"现在是重要价值客户、上个季度不是的":    "and(rfm:重要价值客户 not(rfm@2026-09-30:重要价值客户))",
		"上个季度是高频客户，现在已经不是了的客户": "and(tag@2026-09-30:高频购买型 not(tag:高频购买型))",
	} {
		p, err := e.Parse(q, asOf, nil)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if got := datedFilter(p.Filter); got != want {
			t.Errorf("%s:\n got %s\nwant %s", q, got, want)
		}
	}
	// 不是 with nothing to compare with is asked back, not read as "everyone".
	if _, err := e.Parse("重要价值客户不是的", asOf, nil); err == nil {
		t.Error("重要价值客户不是的: answered")
	}
}

// datedFilter is filterString with each segment's snapshot date.
func datedFilter(n *Node) string {
	if n == nil {
		return ""
	}
	if n.Op != OpCond {
		var kids []string
		for _, k := range n.Kids {
			kids = append(kids, datedFilter(k))
		}
		return n.Op + "(" + strings.Join(kids, " ") + ")"
	}
	at := ""
	if n.Cond.At != nil {
		at = "@" + n.Cond.At.String()
	}
	return string(n.Cond.Kind) + at + ":" + strings.Join(n.Cond.Values, ",")
}

// "…怎么运营" asks for the suggested action of the segments named: a count
// of them with Plan.Strategy; a segment under 不是 is not one of them.
func TestStrategyQuestions(t *testing.T) {
	e, _ := publicEngine(t)
	for q, want := range map[string]string{
		"重要挽留客户应该怎么运营":     "count 重要挽留客户",
		"沉默客户怎么唤醒":         "count 沉默客户",
		"促销敏感型客户用什么策略":     "count 促销敏感型",
		"上海的流失客户有什么营销建议":   "count 流失客户",
		"不是重要价值客户的高频客户怎么做": "count 高频购买型",
	} {
		p, err := e.Parse(q, asOf, nil)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if got := fmt.Sprintf("%s %s", p.Answer, strings.Join(p.Segments(), ",")); got != want || !p.Strategy {
			t.Errorf("%s: %q strategy %v, want %q", q, got, p.Strategy, want)
		}
	}
	var pe *PlanError
	if _, err := e.Parse("应该怎么运营", asOf, nil); !errors.As(err, &pe) {
		t.Errorf("no segment: %v", err)
	}
}

// 行为标签迁移: a migration table of the tags between two snapshots (every
// (then, now) pair a customer holds); 上个季度和现在的…迁移 compares that
// quarter's snapshot with now's.
func TestTagMigration(t *testing.T) {
	q3 := D(time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC))
	e := withTags(t, func(c *schema.Catalog) {
		c.Snapshots = append([]time.Time{q3.Time}, c.Snapshots...)
		c.Tags[q3.String()] = c.Tags[schema.FormatDate(asOf.Time)]
	})
	_, db := publicEngineDB(t)
	for q, dim := range map[string]string{"行为标签迁移": "tag", "上个季度和现在的行为标签迁移": "tag", "上个季度和现在的RFM分群迁移": "rfm"} {
		p, err := e.Parse(q, asOf, nil)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if p.Migration == nil || p.Migration.Dim != dim || p.Migration.From != q3 || p.Migration.To != asOf {
			t.Errorf("%s: %+v", q, p.Migration)
			continue
		}
		qy, err := e.Compile(p, Page{})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if st, err := db.Prepare(qy.SQL); err != nil {
			t.Errorf("%s: SQLite rejects %v\n%s", q, err, qy.SQL)
		} else {
			st.Close()
		}
	}
}

// Why questions: the metric, the snapshot compared with, the direction said.
func TestWhyQuestions(t *testing.T) {
	q3 := D(time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC))
	e := withTags(t, func(c *schema.Catalog) {
		c.Snapshots = append([]time.Time{q3.Time}, c.Snapshots...)
		c.SetSnapshots = append([]time.Time{q3.Time}, c.SetSnapshots...)
		c.Tags[q3.String()] = c.Tags[schema.FormatDate(asOf.Time)]
	})
	for q, want := range map[string]string{
		"为什么流失客户变多了":       "segment lifecycle:流失客户 up",
		"流失率为什么上升了":        "churn_rate  up",
		"重要价值客户为什么比上个季度少了": "segment rfm:重要价值客户 down",
		"和上个季度比，活跃率为什么下降了": "active_rate  down",
		"品牌忠诚型客户为什么变少了":    "segment tag:品牌忠诚型 down",
		"流失客户增加了是什么原因":     "segment lifecycle:流失客户 up",
		"为什么高潜力客户少了":       "segment potential:高潜力客户 down",
		"流失率为什么有变化":        "churn_rate  ",
	} {
		p, err := e.Parse(q, asOf, nil)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		w := p.Why
		seg := ""
		if w != nil && w.Segment != nil {
			seg = string(w.Segment.Kind) + ":" + strings.Join(w.Segment.Values, ",")
		}
		if w == nil || fmt.Sprintf("%s %s %s", w.Metric, seg, w.Said) != want || w.From != q3 || w.To != asOf {
			t.Errorf("%s: %+v, want %s from %s", q, w, want, q3)
		}
	}
	// What it cannot analyse is asked back, not answered as something else.
	for _, q := range []string{"为什么上海的流失客户变多了", "为什么近3个月买过口红的客户变多了", "流失客户变多了",
		"为什么各城市的流失客户变多了"} {
		if _, err := e.Parse(q, asOf, nil); err == nil {
			t.Errorf("%s: answered", q)
		}
	}
}

// A saved list is a condition by its name, in brackets or not, with any
// other condition; its customers are bound as one JSON array of ids.
func TestCohorts(t *testing.T) {
	e, db := publicEngineDB(t)
	ids := []string{"C000002", "C000014", "C000016", "C000030", "nobody"}
	cohorts := []Cohort{{Name: "双11召回名单", IDs: ids}, {Name: "双11", IDs: []string{"C000002"}}}
	for q, want := range map[string]string{
		"在「双11召回名单」里近30天没下单的": "and(cohort:双11召回名单 not(bought:))",
		"双11召回名单中的女性有多少":      "and(cohort:双11召回名单 gender:女)",
		"双11召回名单里的重要价值客户":     "and(cohort:双11召回名单 rfm:重要价值客户)",
		"双11期间买过口红的客户":        "bought:口红", // the festival, not the list named 双11
	} {
		p, err := e.ParseWith(q, asOf, nil, cohorts)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if got := filterString(p.Filter); got != want {
			t.Errorf("%s:\n got %s\nwant %s", q, got, want)
		}
	}
	p, err := e.ParseWith("双11召回名单有多少人", asOf, nil, cohorts)
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []bool{false, true} {
		e.PlainSQL = plain
		cp := p.Clone()
		if n, err := countOf(e, db, cp); err != nil || n != 4 {
			t.Errorf("plain %v: %d customers of the list (%v), want the 4 that exist", plain, n, err)
		}
	}
	e.PlainSQL = false
	// Without the asker's lists the name is not understood.
	if _, err := e.Parse("双11召回名单有多少人", asOf, nil); err == nil {
		t.Error("a list of nobody's answered")
	}
}

func countOf(e *Engine, db *sql.DB, p *Plan) (int, error) {
	qy, err := e.Compile(p, Page{})
	if err != nil {
		return 0, err
	}
	var n int
	err = db.QueryRow(qy.SQL, qy.Args...).Scan(&n)
	return n, err
}
