package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/chatbi/chatbi/executor"
)

type client struct {
	t    *testing.T
	base string
	key  string
}

func (c client) do(method, path, body string) (*http.Response, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (c client) ask(q string, extra string) (int, *Answer) {
	c.t.Helper()
	resp, b := c.do("POST", "/api/v1/ask", `{"question":`+jsonString(q)+extra+`}`)
	var a Answer
	json.Unmarshal(b, &a)
	return resp.StatusCode, &a
}

func jsonString(s string) string { b, _ := json.Marshal(s); return string(b) }

// serviceWithAppDB is the public warehouse's service with its own app database.
func serviceWithAppDB(t *testing.T) (*Service, *AppDB) {
	t.Helper()
	svc := MustOpenService(t)
	app, err := OpenAppDB(filepath.Join(t.TempDir(), "app.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	svc.Convs, svc.Audit, svc.App = app, app, app
	return svc, app
}

// newTestServer serves the public warehouse with an app database, keys and
// a clock the test moves.
func newTestServer(t *testing.T, cfg Config) (*httptest.Server, *AppDB, *time.Time) {
	svc, app := serviceWithAppDB(t)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	cfg.Now = func() time.Time { return now }
	ts := httptest.NewServer(New(svc, cfg))
	t.Cleanup(ts.Close)
	return ts, app, &now
}

func TestKeysAndRateLimit(t *testing.T) {
	ts, app, now := newTestServer(t, Config{Keys: []string{"k-alpha", "k-beta"}, Rate: 1, Burst: 2})
	anon := client{t, ts.URL, ""}
	wrong := client{t, ts.URL, "k-alph"}
	good := client{t, ts.URL, "k-beta"}
	if code, _ := anon.ask("重要价值客户有多少", ""); code != 401 {
		t.Fatalf("no key: %d", code)
	}
	if code, _ := wrong.ask("重要价值客户有多少", ""); code != 401 {
		t.Fatalf("wrong key: %d", code)
	}
	for i := 0; i < 2; i++ {
		if code, _ := good.ask("重要价值客户有多少", ""); code != 200 {
			t.Fatalf("good key, request %d: %d", i, code)
		}
	}
	resp, body := good.do("POST", "/api/v1/ask", `{"question":"重要价值客户有多少"}`)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), CodeRateLimited) {
		t.Fatalf("over the limit: %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	// Another key has its own bucket; time refills this one.
	if code, _ := (client{t, ts.URL, "k-alpha"}).ask("重要价值客户有多少", ""); code != 200 {
		t.Fatalf("second key: %d", code)
	}
	*now = now.Add(2 * time.Second)
	if code, _ := good.ask("重要价值客户有多少", ""); code != 200 {
		t.Fatalf("after refill: %d", code)
	}
	// Health needs no key; every question was audited with a fingerprint, never the key.
	if resp, _ := anon.do("GET", "/healthz", ""); resp.StatusCode != 200 {
		t.Fatalf("healthz %d", resp.StatusCode)
	}
	var n int
	var key string
	app.DB().QueryRow(`SELECT count(*), max(api_key) FROM audit WHERE status = 'ok'`).Scan(&n, &key)
	if n != 4 || !strings.HasPrefix(key, "key-") || strings.Contains(key, "k-beta") {
		t.Fatalf("audit: %d rows, key %q", n, key)
	}
}

func TestExport(t *testing.T) {
	ts, _, now := newTestServer(t, Config{Keys: []string{"secret-key"}, ExportTTL: time.Hour})
	c := client{t, ts.URL, "secret-key"}
	code, a := c.ask("一般发展客户有哪些", `,"limit":5`)
	if code != 200 || a.Total != 734 || len(a.Rows) != 5 || a.Export == nil {
		t.Fatalf("ask: %d total %d rows %d export %v", code, a.Total, len(a.Rows), a.Export)
	}
	anon := client{t, ts.URL, ""}
	// The signed CSV link needs no key and holds the whole list.
	resp, body := anon.do("GET", a.Export.CSV, "")
	// A header block says what was asked; then the table, Chinese headers.
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF"))))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if resp.StatusCode != 200 || err != nil || len(recs) != 6+1+734 || recs[0][1] != "一般发展客户有哪些" || recs[1][1] != "2026-11-22" ||
		!strings.Contains(recs[2][1], "一般发展客户") || !strings.Contains(recs[3][1], "'一般发展客户'") || recs[4][1] != "734" ||
		recs[6][0] != "客户编号" || recs[6][1] != "姓名" {
		t.Fatalf("csv: %d %v, %d records, %q", resp.StatusCode, err, len(recs), body[:min(200, len(body))])
	}
	if d := resp.Header.Get("Content-Disposition"); !strings.Contains(d, url.PathEscape("一般发展客户有哪些-2026-11-22.csv")) {
		t.Errorf("file name: %s", d)
	}
	if regexp.MustCompile(`(^|,)1\d{10}(,|\r?\n)`).Match(body) || !bytes.Contains(body, []byte("****")) {
		t.Fatal("phones not masked in the export")
	}
	resp, body = anon.do("GET", a.Export.XLSX, "")
	if resp.StatusCode != 200 {
		t.Fatalf("xlsx: %d %s", resp.StatusCode, body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("数据")
	if len(rows) != 735 || rows[0][0] != "客户编号" || !strings.Contains(rows[1][len(rows[1])-1], "****") {
		t.Fatalf("xlsx rows %d, head %v", len(rows), rows[0])
	}
	about, _ := f.GetRows("说明")
	panes, _ := f.GetPanes("数据")
	if f.GetSheetList()[0] != "说明" || len(about) != 6 || about[0][1] != "一般发展客户有哪些" || about[4][1] != "734" || !panes.Freeze {
		t.Fatalf("xlsx 说明 %v, sheets %v, panes %+v", about, f.GetSheetList(), panes)
	}
	// A tampered or expired link, or no link and no key, is refused.
	tampered := strings.Replace(a.Export.CSV, "sig=", "sig=0", 1)
	if resp, _ := anon.do("GET", tampered, ""); resp.StatusCode != 401 {
		t.Fatalf("tampered: %d", resp.StatusCode)
	}
	if resp, _ := anon.do("GET", "/api/v1/export/"+a.AnswerID+".csv", ""); resp.StatusCode != 401 {
		t.Fatalf("unsigned: %d", resp.StatusCode)
	}
	if resp, _ := c.do("GET", "/api/v1/export/"+a.AnswerID+".csv", ""); resp.StatusCode != 200 {
		t.Fatalf("with key: %d", resp.StatusCode)
	}
	*now = now.Add(2 * time.Hour)
	if resp, _ := anon.do("GET", a.Export.CSV, ""); resp.StatusCode != 401 {
		t.Fatalf("expired: %d", resp.StatusCode)
	}
	if resp, _ := c.do("GET", "/api/v1/export/nope.csv", ""); resp.StatusCode != 404 {
		t.Fatalf("unknown answer: %d", resp.StatusCode)
	}
}

func TestPagesCatalogSegmentsMetrics(t *testing.T) {
	ts, _, _ := newTestServer(t, Config{})
	c := client{t, ts.URL, ""}
	_, a := c.ask("近6个月买过口红的客户", `,"limit":10`)
	_, follow := c.ask("其中女性有多少", `,"conversation_id":"`+a.ConversationID+`"`)
	if follow.AnswerType != "count" || follow.Rows[0][0] != float64(342) {
		t.Fatalf("follow-up over the app db: %+v", follow)
	}
	// Page 2 of the first answer re-runs its own plan, not the follow-up.
	resp, body := c.do("GET", "/api/v1/answers/"+a.AnswerID+"?limit=10&offset=10", "")
	var page Answer
	json.Unmarshal(body, &page)
	if resp.StatusCode != 200 || page.Total != a.Total || len(page.Rows) != 10 || page.Rows[0][0] == a.Rows[0][0] {
		t.Fatalf("page 2: %d total %d rows %d", resp.StatusCode, page.Total, len(page.Rows))
	}
	if resp, _ := c.do("GET", "/api/v1/answers/"+a.AnswerID+"?limit=0", ""); resp.StatusCode != 400 {
		t.Fatalf("bad page: %d", resp.StatusCode)
	}
	resp, body = c.do("GET", "/api/v1/catalog", "")
	var cat CatalogView
	json.Unmarshal(body, &cat)
	if resp.StatusCode != 200 || len(cat.RFM) != 8 || len(cat.Lifecycle) != 5 || len(cat.Tags) != 5 || len(cat.Categories) == 0 || cat.AsOf != "2026-11-22" ||
		!strings.Contains(cat.Tags[0].Definition, "P80 = 4 单") {
		t.Fatalf("catalog: %d %s", resp.StatusCode, body[:min(200, len(body))])
	}
	resp, body = c.do("GET", "/api/v1/segments", "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"name":"重要价值客户"`) || !strings.Contains(string(body), `"customers":281`) ||
		!strings.Contains(string(body), `"name":"促销敏感型"`) || !strings.Contains(string(body), `"customers":91`) {
		t.Fatalf("segments: %d %s", resp.StatusCode, body)
	}
	resp, body = c.do("GET", "/metrics", "")
	for _, want := range []string{`chatbi_ask_total{outcome="ok",planner="rules"} 2`, `chatbi_http_requests_total{method="POST",route="/api/v1/ask",status="200"} 2`, "chatbi_ask_duration_seconds_bucket"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if resp.Header.Get("X-Request-ID") == "" {
		t.Error("no request id")
	}
	resp, body = c.do("GET", "/", "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "客户洞察助手") {
		t.Fatalf("chat page: %d", resp.StatusCode)
	}
	if resp, _ := c.do("GET", "/static/app.js", ""); resp.StatusCode != 200 {
		t.Fatalf("app.js: %d", resp.StatusCode)
	}
}

// TestTimeBudget504: a question past its time budget is a 504 with a clear
// message, and nothing is left running.
func TestTimeBudget504(t *testing.T) {
	MustOpenService(t)
	svc, err := NewService(context.Background(), dbPath, executor.Options{Timeout: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	ts := httptest.NewServer(New(svc, Config{}))
	defer ts.Close()
	resp, body := (client{t, ts.URL, ""}).do("POST", "/api/v1/ask", `{"question":"一般发展客户有哪些"}`)
	if resp.StatusCode != 504 || !strings.Contains(string(body), CodeTimeout) || !strings.Contains(string(body), "时间预算") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

// TestOpenAPI: the document lists exactly the API's routes, and a real
// answer has no field its schema lacks (and every field it documents is a
// field of the type).
func TestOpenAPI(t *testing.T) {
	ts, _, _ := newTestServer(t, Config{})
	c := client{t, ts.URL, ""}
	resp, body := c.do("GET", "/api/v1/openapi.json", "")
	var doc struct {
		OpenAPI    string
		Paths      map[string]map[string]any
		Components struct {
			Schemas map[string]struct{ Properties map[string]any }
		}
	}
	if err := json.Unmarshal(body, &doc); err != nil || resp.StatusCode != 200 || doc.OpenAPI != "3.0.3" {
		t.Fatalf("openapi: %d %v", resp.StatusCode, err)
	}
	documented := map[string]bool{}
	for p, item := range doc.Paths {
		for m := range item {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	served := map[string]bool{}
	for _, r := range New(MustOpenService(t), Config{}).engine.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") {
			continue
		}
		p := regexp.MustCompile(`[:*]([a-z]+)`).ReplaceAllString(r.Path, "{$1}")
		served[r.Method+" "+p] = true
	}
	for k := range served {
		if !documented[k] {
			t.Errorf("served, not documented: %s", k)
		}
	}
	for k := range documented {
		if !served[k] {
			t.Errorf("documented, not served: %s", k)
		}
	}
	// A real answer's fields are the schema's.
	resp, body = c.do("POST", "/api/v1/ask", `{"question":"过去3个月买过口红没买过粉底液的重要价值客户"}`)
	var ans map[string]any
	json.Unmarshal(body, &ans)
	props := doc.Components.Schemas["Answer"].Properties
	if resp.StatusCode != 200 || len(props) == 0 {
		t.Fatalf("answer %d, schema %v", resp.StatusCode, props)
	}
	for k := range ans {
		if _, ok := props[k]; !ok {
			t.Errorf("answer field %q is not in the schema", k)
		}
	}
	for _, f := range []string{"status", "conversation_id", "answer_type", "explanation", "sql", "columns", "rows", "total", "elapsed_ms", "answer_id"} {
		if _, ok := props[f]; !ok {
			t.Errorf("schema lacks %q", f)
		}
	}
	// Keys are lower_snake_case everywhere it documents.
	for name, s := range doc.Components.Schemas {
		for k := range s.Properties {
			if k != strings.ToLower(k) || strings.Contains(k, "-") {
				t.Errorf("%s.%s is not lower_snake_case", name, k)
			}
		}
	}
}

// A wrong method is 405 with Allow; a bad body names the field in the
// API's terms, never a Go type.
func TestMethodAndFieldErrors(t *testing.T) {
	ts, _, _ := newTestServer(t, Config{})
	c := client{t, ts.URL, ""}
	resp, body := c.do("GET", "/api/v1/ask", "")
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" || !strings.Contains(string(body), "method_not_allowed") {
		t.Errorf("GET ask: %d %q %s", resp.StatusCode, resp.Header.Get("Allow"), body)
	}
	for _, c2 := range []struct{ body, want string }{
		{`{"question":"x","limit":"5"}`, `字段 limit 应为整数`},
		{`{"question":5}`, `字段 question 应为字符串`},
		{`{"question":"x","foo":1}`, `不认识的字段 \"foo\"`},
		{`{"question":`, `请求不是正确的 JSON`},
	} {
		resp, body := c.do("POST", "/api/v1/ask", c2.body)
		if resp.StatusCode != 400 || !strings.Contains(string(body), c2.want) || strings.Contains(string(body), "Go struct") ||
			strings.Contains(string(body), "AskRequest") {
			t.Errorf("%s: %d %s", c2.body, resp.StatusCode, body)
		}
	}
}
