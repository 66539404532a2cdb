package server

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/nlq"
	"github.com/chatbi/chatbi/schema"
)

// SegmentView is a segment's name and its definition in Chinese.
type SegmentView struct {
	Name       string   `json:"name"`
	Definition string   `json:"definition"`
	Synonyms   []string `json:"synonyms,omitempty"`
	Customers  *int64   `json:"customers,omitempty"`
}

// CatalogView is what one can ask about (GET /api/v1/catalog).
type CatalogView struct {
	AsOf             string           `json:"as_of"`
	Snapshots        []string         `json:"snapshots"`
	RFM              []SegmentView    `json:"rfm"`
	Lifecycle        []SegmentView    `json:"lifecycle"`
	Tags             []SegmentView    `json:"tags"` // behaviour tags at the as-of snapshot, with their cut-offs
	Measures         []nlq.MeasureDef `json:"measures"`
	Dimensions       []string         `json:"dimensions"`
	Categories       []string         `json:"categories"`
	CategoriesL1     []string         `json:"categories_l1"`
	Brands           []string         `json:"brands"`
	Products         int              `json:"products"`
	Cities           []string         `json:"cities"`
	Provinces        []string         `json:"provinces"`
	MemberLevels     []string         `json:"member_levels"`
	Channels         []string         `json:"channels"`
	RegisterChannels []string         `json:"register_channels"`
	Examples         []string         `json:"examples"`
}

// Examples are the chat page's sample questions.
var Examples = []string{
	"过去3个月买过口红没买过粉底液的重要价值客户",
	"近30天在门店买过面膜的女性客户有多少",
	"沉默客户中买过防晒霜的",
	"近一年消费超过3000元的客户",
	"近3个月消费金额前10的客户",
	"各RFM分群的客户数",
	"各会员等级的复购率",
	"近6个月每月的消费金额",
	"各行为标签的人数",
	"重要挽留客户应该怎么运营",
}

func segmentViews(m *schema.SegmentModel) (rfm, lc []SegmentView) {
	// R high = bought recently (R ≤ mean); F, M high = at or above the mean.
	word := func(high bool, yes, no string) string {
		if high {
			return yes
		}
		return no
	}
	for _, c := range m.RFM {
		rfm = append(rfm, SegmentView{Name: c.Name, Synonyms: c.Synonyms,
			Definition: fmt.Sprintf("R%s F%s M%s：%s、%s、%s（与有购买客户的均值比较）",
				word(c.R, "高", "低"), word(c.F, "高", "低"), word(c.M, "高", "低"),
				word(c.R, "最近买过", "较久没买"), word(c.F, "买得多", "买得少"), word(c.M, "花得多", "花得少"))})
	}
	l := m.Lifecycle
	defs := []string{
		fmt.Sprintf("首次购买在 %d 天内", l.NewDays),
		fmt.Sprintf("最近购买在 %d 天内，且不是新客户", l.ActiveDays),
		fmt.Sprintf("最近购买在 %d–%d 天前", l.ActiveDays, l.SilentDays-1),
		fmt.Sprintf("最近购买在 %d 天及以前", l.SilentDays),
		"注册后从未购买",
	}
	for i, st := range l.Stages() {
		lc = append(lc, SegmentView{Name: st.Name, Definition: defs[i], Synonyms: st.Synonyms})
	}
	return rfm, lc
}

// tagViews are the behaviour tags with their rules at the as-of snapshot
// (none for a snapshot from before the tags).
func tagViews(cat *schema.Catalog) []SegmentView {
	cut := cat.TagCutoffsAt(cat.AsOf)
	if cut == nil {
		return []SegmentView{}
	}
	var out []SegmentView
	for _, tag := range schema.BehaviourTags {
		out = append(out, SegmentView{Name: tag, Definition: "近12个月：" + nlq.TagRule(tag, cut)})
	}
	return out
}

func (s *Server) catalog(c *gin.Context) {
	cat := s.svc.Engine().Catalog
	v := CatalogView{AsOf: schema.FormatDate(cat.AsOf), Categories: cat.Categories, CategoriesL1: cat.CategoriesL1,
		Brands: cat.Brands, Products: len(cat.Products), Cities: cat.Cities, Provinces: cat.Provinces,
		MemberLevels: cat.MemberLevels, Channels: cat.Channels, RegisterChannels: cat.RegisterChannels, Examples: Examples}
	for _, t := range cat.Snapshots {
		v.Snapshots = append(v.Snapshots, schema.FormatDate(t))
	}
	v.RFM, v.Lifecycle = segmentViews(cat.Model)
	v.Tags = tagViews(cat)
	for _, k := range []string{"customers", "spend", "orders", "aov", "arpu", "repurchase"} {
		v.Measures = append(v.Measures, nlq.Measures[k])
	}
	for _, k := range []string{"rfm", "lifecycle", "tag", "city", "province", "gender", "member_level", "register_channel", "channel", "month"} {
		v.Dimensions = append(v.Dimensions, nlq.Dimensions[k].Name)
	}
	c.Render(http.StatusOK, jsonRender{v})
}

// segments sizes every RFM class and lifecycle stage as of the warehouse
// date, through the same Plan → compiler → executor path as a question.
func (s *Server) segments(c *gin.Context) {
	v := s.svc.wh.acquire(c.Request.Context())
	defer v.release()
	cat := v.Engine.Catalog
	rfm, lc := segmentViews(cat.Model)
	tags := tagViews(cat)
	for _, g := range []struct {
		dim  string
		segs []SegmentView
	}{{"rfm", rfm}, {"lifecycle", lc}, {"tag", tags}} {
		if len(g.segs) == 0 {
			continue
		}
		plan := &nlq.Plan{Answer: nlq.AnswerTable, AsOf: nlq.D(cat.AsOf), GroupBy: g.dim, Measures: []string{"customers"}}
		q, err := v.Engine.Compile(plan, nlq.Page{})
		if err != nil {
			s.fail(c, newError(CodeUnavailable, err.Error(), err))
			return
		}
		res, err := v.Exec.Run(c.Request.Context(), executor.Statement{SQL: q.SQL, Args: q.Args})
		if err != nil {
			s.fail(c, mapRunError(err))
			return
		}
		size := map[string]int64{}
		for _, r := range res.Rows {
			size[fmt.Sprint(r[0])], _ = r[1].(int64)
		}
		for i := range g.segs {
			n := size[g.segs[i].Name]
			g.segs[i].Customers = &n
		}
	}
	c.Render(http.StatusOK, jsonRender{gin.H{"as_of": schema.FormatDate(cat.AsOf), "rfm": rfm, "lifecycle": lc, "tags": tags}})
}
