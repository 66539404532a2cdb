package server

import (
	"net/http"
	"reflect"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/chatbi/chatbi/nlq"
)

// The OpenAPI 3 document of the API (GET /api/v1/openapi.json), so that
// internal tools can generate clients. The operations are listed here; the
// request and answer schemas are generated from the Go types the handlers
// encode, so they cannot drift from what is served (TestOpenAPI checks the
// operations against the routes and a real answer against its schema).

// operation is one documented endpoint.
type operation struct {
	method, path, summary string
	request               any // a value of the request body's type, or nil
	response              any // a value of the 2xx body's type, or nil for a file / free-form
	admin                 bool
}

var operations = []operation{
	{"POST", "/api/v1/ask", "提问：一个中文问题，得到名单、数量或表格，或需要澄清（spec/api.md）", AskRequest{}, Answer{}, false},
	{"GET", "/api/v1/answers/{id}", "一个已有回答的另一页（?limit=&offset=）", nil, Answer{}, false},
	{"POST", "/api/v1/answers/{id}/feedback", "评价自己的一个回答：👍 / 👎 和可选的原因", FeedbackRequest{}, nil, false},
	{"GET", "/api/v1/export/{file}", "整份回答的 CSV 或 Excel（{id}.csv / {id}.xlsx；签名链接或本人的 key）", nil, nil, false},
	{"GET", "/api/v1/catalog", "可以问什么：分群及定义、行为标签、指标、维度、品类、品牌、城市…", nil, CatalogView{}, false},
	{"GET", "/api/v1/segments", "每个 RFM 分群、生命周期阶段和行为标签的人数", nil, nil, false},
	{"GET", "/api/v1/conversations", "自己的对话（最新的在前）", nil, nil, false},
	{"GET", "/api/v1/conversations/{id}", "自己的一个对话，逐问", nil, nil, false},
	{"GET", "/api/v1/cohorts", "自己保存的人群", nil, nil, false},
	{"POST", "/api/v1/cohorts", "把自己的一个客户名单保存为人群：{answer_id, name}", nil, CohortView{}, false},
	{"DELETE", "/api/v1/cohorts/{name}", "删除自己保存的一个人群", nil, nil, false},
	{"GET", "/api/v1/openapi.json", "这份文档", nil, nil, false},
	{"GET", "/api/v1/admin/queue", "错题集：近30天没看懂的问题和 👎 的回答，按没看懂的词归组", nil, nil, true},
	{"GET", "/api/v1/admin/teachings", "已教的词（含已撤销的）和已验证的示例", nil, nil, true},
	{"POST", "/api/v1/admin/teachings", "教一个词；会改变已验证回答的教学返回 409 和那些回答", Teaching{}, Teaching{}, true},
	{"DELETE", "/api/v1/admin/teachings/{id}", "撤销一条教学", nil, nil, true},
	{"POST", "/api/v1/admin/examples", "把一个问题按现在的理解存为已验证示例：{question}", nil, Example{}, true},
	{"GET", "/api/v1/admin/usage", "近30天的使用情况：每天的问题数、用户、澄清率、👎 率、延迟，按渠道", nil, Usage{}, true},
}

// OpenAPI builds the document.
func OpenAPI() map[string]any {
	g := &schemaGen{defs: map[string]any{}}
	paths := map[string]any{}
	for _, op := range operations {
		item, _ := paths[op.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[op.path] = item
		}
		o := map[string]any{"summary": op.summary, "responses": map[string]any{
			"default": map[string]any{"description": "错误：{\"error\": {\"code\", \"message\"}}",
				"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}},
		}}
		ok := map[string]any{"description": "成功"}
		if op.response != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.ref(reflect.TypeOf(op.response))}}
		}
		o["responses"].(map[string]any)[okCode(op)] = ok
		if op.request != nil {
			o["requestBody"] = map[string]any{"required": true,
				"content": map[string]any{"application/json": map[string]any{"schema": g.ref(reflect.TypeOf(op.request))}}}
		}
		var params []any
		for _, seg := range strings.Split(op.path, "/") {
			if strings.HasPrefix(seg, "{") {
				params = append(params, map[string]any{"name": strings.Trim(seg, "{}"), "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
			}
		}
		if params != nil {
			o["parameters"] = params
		}
		if op.admin {
			o["description"] = "只有管理员（CHATBI_ADMIN_KEYS）"
		}
		item[strings.ToLower(op.method)] = o
	}
	g.defs["Error"] = map[string]any{"type": "object", "properties": map[string]any{"error": map[string]any{"type": "object",
		"properties": map[string]any{"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}}}}}
	g.defs["Plan"] = nlq.PlanSchema()
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "chatbi", "version": "1",
			"description": "中文提问，得到客户名单、数量或表格，以及执行的 SQL 和对问题的理解。"},
		"paths":      paths,
		"components": map[string]any{"schemas": g.defs, "securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}}},
		"security":   []any{map[string]any{"bearer": []any{}}},
	}
}

// okCode is the success status: 201 for what creates, else 200.
func okCode(op operation) string {
	if op.method == "POST" && (op.path == "/api/v1/cohorts" || op.path == "/api/v1/admin/teachings" || op.path == "/api/v1/admin/examples") {
		return "201"
	}
	return "200"
}

// schemaGen turns Go types into JSON schemas by their json tags.
type schemaGen struct{ defs map[string]any }

var planType = reflect.TypeOf(nlq.Plan{})

func (g *schemaGen) ref(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == planType {
		return map[string]any{"$ref": "#/components/schemas/Plan"}
	}
	if t.Kind() == reflect.Struct && t.Name() != "" {
		if _, done := g.defs[t.Name()]; !done {
			g.defs[t.Name()] = map[string]any{} // against recursion
			g.defs[t.Name()] = g.schema(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + t.Name()}
	}
	return g.schema(t)
}

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	switch t.Kind() {
	case reflect.Pointer:
		return g.ref(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return map[string]any{"type": "integer"}
	case reflect.Float64, reflect.Float32:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string"}
		}
		return map[string]any{"type": "array", "items": g.ref(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.ref(t.Elem())}
	case reflect.Interface:
		return map[string]any{} // any JSON value (a cell of a row)
	case reflect.Struct:
		props := map[string]any{}
		for _, f := range JSONFields(t) {
			props[f.Name] = g.ref(f.Type)
		}
		return map[string]any{"type": "object", "properties": props}
	}
	return map[string]any{}
}

// JSONField is an exported field as encoding/json writes it.
type JSONField struct {
	Name string
	Type reflect.Type
}

// JSONFields are the fields encoding/json writes for t (json:"-" and
// unexported fields left out).
func JSONFields(t reflect.Type) []JSONField {
	var out []JSONField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, JSONField{name, f.Type})
	}
	return out
}

func (s *Server) openapi(c *gin.Context) { c.Render(http.StatusOK, jsonRender{OpenAPI()}) }
