package nlq

import "github.com/chatbi/chatbi/schema"

// MeasureDef is a measure of spec semantics.md: its column name in answers
// and the definition the explanation states.
type MeasureDef struct {
	Key        string `json:"key"`
	Name       string `json:"name"`
	Unit       string `json:"unit"`
	Definition string `json:"definition"`
}

// Measures by key.
var Measures = map[string]MeasureDef{
	"spend":         {"spend", "消费金额", "元", "已完成订单实付金额之和"},
	"orders":        {"orders", "订单数", "单", "已完成订单的笔数"},
	"aov":           {"aov", "平均订单金额", "元", "消费金额 ÷ 订单数"},
	"arpu":          {"arpu", "客单价", "元", "消费金额 ÷ 有购买的客户数"},
	"repurchase":    {"repurchase", "复购率", "", "已完成订单 ≥2 笔的客户数 ÷ ≥1 笔的客户数"},
	"customers":     {"customers", "客户数", "人", "不同客户的数量"},
	"clv":           {"clv", "预测价值", "元", "BG/NBD 预测的购买次数 × Gamma-Gamma 预测的每次消费金额"},
	"exp_purchases": {"exp_purchases", "预测购买次数", "次", "BG/NBD 预测的购买次数"},
	"p_alive":       {"p_alive", "活跃概率", "", "BG/NBD 估计的客户仍然活跃的概率"},
	"new_customers": {"new_customers", "新客数", "人", "首次购买日期在时间范围内的客户数"},
	"sales":         {"sales", "销售额", "元", "已完成订单中这些商品订单行的金额之和"},
	"units":         {"units", "销量", "件", "已完成订单中这些商品订单行的件数之和"},
	"buyers":        {"buyers", "购买人数", "人", "已完成订单中买过这些商品的不同客户数"},
	"churn_rate":    {"churn_rate", "流失率", "", "流失客户数 ÷ 截至数据日有过已完成订单的客户数（不含未购客户）"},
	"active_rate":   {"active_rate", "活跃率", "", "（新客户 + 活跃客户）÷ 截至数据日有过已完成订单的客户数（不含未购客户）"},
	"repurchase_interval": {"repurchase_interval", "复购间隔", "天",
		"首次购买到第二次购买的平均天数（只计有 ≥2 笔已完成订单的客户，截至数据日的全部历史）"},
}

// lifecycleMeasure reports a measure read from the snapshot's lifecycle
// stage and first purchase (the rates and the repurchase interval).
func lifecycleMeasure(key string) bool {
	return key == "churn_rate" || key == "active_rate" || key == "repurchase_interval"
}

// shareMeasures are the measures among ms that add up over groups, so that
// a group's share of their total means something (客户数, 消费金额, 订单数,
// 新客数; not averages or rates).
func shareMeasures(ms []string) []string {
	var out []string
	for _, m := range ms {
		switch m {
		case "customers", "spend", "orders", "new_customers":
			out = append(out, m)
		}
	}
	return out
}

// DimensionDef is a grouping dimension. Expr is built only from catalog
// columns; OrderLevel dimensions belong to a purchase (its channel, its
// month), the others to the customer.
type DimensionDef struct {
	Key, Name  string
	Column     schema.Column // a customer attribute (read from the snapshot when there is one)
	Expr       string        // otherwise an expression over a purchase
	DateExpr   string        // the date column Expr reads as text (Dialect.dateText)
	OrderLevel bool
	Snapshot   bool // needs the segment snapshot
	Line       bool // an attribute of the item on an order line (compile_lines.go)
	Tags       bool // the behaviour tags: several per customer, from customer_tags
}

// Dimensions by key.
var Dimensions = map[string]DimensionDef{
	"rfm":              {Key: "rfm", Name: "RFM分群", Column: schema.ColRFM, Snapshot: true},
	"lifecycle":        {Key: "lifecycle", Name: "生命周期阶段", Column: schema.ColLifecycle, Snapshot: true},
	"city":             {Key: "city", Name: "城市", Column: schema.ColCity},
	"province":         {Key: "province", Name: "省份", Column: schema.ColProvince},
	"gender":           {Key: "gender", Name: "性别", Column: schema.ColGender},
	"member_level":     {Key: "member_level", Name: "会员等级", Column: schema.ColMemberLevel},
	"register_channel": {Key: "register_channel", Name: "注册渠道", Column: schema.ColRegisterChannel},
	"channel":          {Key: "channel", Name: "购买渠道", Expr: schema.ColOrderChannel.SQL(), OrderLevel: true},
	"month":            {Key: "month", Name: "月份", Expr: "substr(po.date, 1, 7)", DateExpr: "po.date", OrderLevel: true},
	"category":         {Key: "category", Name: "品类", Expr: "p.category", Line: true},
	"category_l1":      {Key: "category_l1", Name: "大类", Expr: "p.category_l1", Line: true},
	"brand":            {Key: "brand", Name: "品牌", Expr: "p.brand", Line: true},
	"product":          {Key: "product", Name: "商品", Expr: "p.product_name", Line: true},
	// A customer counts in each of their behaviour tags (compile_table.go
	// joins customer_tags for it).
	"tag": {Key: "tag", Name: "行为标签", Expr: "t.tag", Snapshot: true, Tags: true},
}
