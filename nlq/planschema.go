package nlq

import (
	"reflect"
	"strings"
)

// PlanSchema is the JSON Schema of a Plan, generated from the Go type, for
// an LLM's structured output. Closed enums (answer types, condition kinds,
// operators, measures, dimensions) are listed so a model cannot invent new
// ones; every object forbids extra properties.
func PlanSchema() map[string]any {
	g := &schemaGen{defs: map[string]any{}}
	s := g.of(reflect.TypeOf(Plan{}), "")
	s["$defs"] = g.defs
	return s
}

// schemaGen emits recursive types (a Node holds Nodes) once, under $defs.
type schemaGen struct {
	defs map[string]any
}

var nodeType = reflect.TypeOf(Node{})

var dateType = reflect.TypeOf(Date{})

// planEnums are the closed vocabularies, by JSON field name.
var planEnums = map[string][]string{
	"answer":   {string(AnswerCustomers), string(AnswerCount), string(AnswerTable)},
	"op":       {OpAnd, OpOr, OpNot, OpCond},
	"kind":     {string(CondBirthMonth), string(CondFirstPurchase), string(CondPotential), string(CondBought), string(CondRFM), string(CondLifecycle), string(CondGender), string(CondAge), string(CondCity), string(CondProvince), string(CondMemberLevel), string(CondRegisterChannel), string(CondRegistered), string(CondMeasure), string(CondBirthYear), string(CondTag)},
	"cmp":      {">", ">=", "<", "<=", "=", "between"},
	"measure":  {"spend", "orders", "aov", "arpu", "clv", "exp_purchases", "p_alive"},
	"measures": {"customers", "spend", "orders", "aov", "arpu", "repurchase", "clv", "exp_purchases", "p_alive", "new_customers", "churn_rate", "active_rate", "repurchase_interval", "sales", "units", "buyers"},
	"group_by": {"rfm", "lifecycle", "tag", "city", "province", "gender", "member_level", "register_channel", "channel", "month", "category", "category_l1", "brand", "product"},
	"by":       {"spend", "orders", "aov", "arpu", "clv", "exp_purchases", "p_alive", SortLastPurchase},
	"kinds":    {string(ItemCategory), string(ItemCategoryL1), string(ItemBrand), string(ItemProduct)},
}

func (g *schemaGen) of(t reflect.Type, field string) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nodeType {
		if _, done := g.defs["node"]; !done {
			g.defs["node"] = map[string]any{} // placeholder against recursion
			g.defs["node"] = g.object(t)
		}
		return map[string]any{"$ref": "#/$defs/node"}
	}
	if t == dateType {
		return map[string]any{"type": "string", "pattern": `^\d{4}-\d{2}-\d{2}$`}
	}
	enum := func(s map[string]any) map[string]any {
		if e, ok := planEnums[field]; ok {
			s["enum"] = e
		}
		return s
	}
	switch t.Kind() {
	case reflect.String:
		return enum(map[string]any{"type": "string"})
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.of(t.Elem(), field)}
	case reflect.Struct:
		return g.object(t)
	}
	return map[string]any{}
}

func (g *schemaGen) object(t reflect.Type) map[string]any {
	{
		props := map[string]any{}
		var required []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			props[name] = g.of(f.Type, name)
			if !strings.Contains(opts, "omitempty") {
				required = append(required, name)
			}
		}
		s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			s["required"] = required
		}
		return s
	}
}
