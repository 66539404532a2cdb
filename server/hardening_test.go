package server

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Each test here reproduces a finding of the red-team review (issue 12)
// and is bounded to a few seconds on loopback.

// serveReal runs s on a real http.Server (the one `chatbi serve` runs) on
// a loopback port and returns its address.
func serveReal(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := s.HTTPServer()
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		srv.Close()
	})
	return ln.Addr().String()
}

func keyedServer(t *testing.T, cfg Config) (*Server, *Service, *AppDB) {
	t.Helper()
	svc, app := serviceWithAppDB(t)
	return New(svc, cfg), svc, app
}

// askOnce sends one keyed ask on a fresh connection and returns the status.
func askOnce(t *testing.T, addr, key, question string, timeout time.Duration) (int, string) {
	t.Helper()
	cl := &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/ask", strings.NewReader(`{"question":`+jsonString(question)+`}`))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := cl.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Thousands of idle sockets and slow bodies used to exhaust descriptors
// and hold requests forever; now the idle ones are shed past MaxConns,
// slow bodies are cut at ReadTimeout, and a keyed ask is answered.
func TestIdleAndSlowClientsDoNotStarveAKeyedAsk(t *testing.T) {
	s, _, _ := keyedServer(t, Config{Keys: []string{"good", "leaked"}, Rate: 1000, Burst: 1000,
		Limits: Limits{MaxConns: 300, ReadHeaderTimeout: time.Second, ReadTimeout: 2 * time.Second}})
	addr := serveReal(t, s)

	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	// 1,500 idle keep-alive sockets: one GET /healthz each, then silence.
	for i := 0; i < 1500; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	}
	// 400 slowloris bodies, with a (leaked) key and without: the headers,
	// then a byte now and then. The leaked key's own in-flight cap fills;
	// other keys are not affected.
	var slow []net.Conn
	for i := 0; i < 400; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		key := "stranger"
		if i%16 == 0 {
			key = "leaked"
		}
		fmt.Fprintf(c, "POST /api/v1/ask HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", addr, key)
		slow = append(slow, c)
		conns = append(conns, c)
	}
	start := time.Now()
	code, body := askOnce(t, addr, "good", "重要价值客户有多少", 3*time.Second)
	if code != 200 {
		t.Fatalf("keyed ask under 1,900 hostile sockets: %d %s", code, body)
	}
	t.Logf("keyed ask answered in %s with %d server connections open", time.Since(start).Round(time.Millisecond), s.conns.count())
	if n := s.conns.count(); n > 300 {
		t.Errorf("server holds %d connections, cap 300", n)
	}
	// Every slow body is cut within the read timeout (plus slack).
	deadline := time.Now().Add(4 * time.Second)
	for i, c := range slow {
		c.SetReadDeadline(deadline)
		c.Write([]byte(" "))
		if _, err := io.ReadAll(bufio.NewReader(c)); err != nil && strings.Contains(err.Error(), "timeout") {
			t.Fatalf("slow body %d still held after the read timeout", i)
		}
	}
}

// Under overload a question waits a moment for a statement slot and is
// then refused with 503 and Retry-After, never left to time out.
func TestAdmissionSheds(t *testing.T) {
	s, svc, _ := keyedServer(t, Config{Keys: []string{"k"}})
	svc.SetAdmission(1, 50*time.Millisecond)
	addr := serveReal(t, s)
	leave, err := svc.admit.enter(context.Background()) // the one slot, busy
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/ask", strings.NewReader(`{"question":"重要价值客户有多少"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || time.Since(start) > time.Second {
		t.Fatalf("overloaded ask: %d, Retry-After %q, after %s", resp.StatusCode, resp.Header.Get("Retry-After"), time.Since(start))
	}
	leave()
	if code, body := askOnce(t, addr, "k", "重要价值客户有多少", 5*time.Second); code != 200 {
		t.Fatalf("after the slot is free: %d %s", code, body)
	}
}

// The audit log is a promise: with the app database locked by another
// writer, an ask is a 503 within the budget, not "200 ok" without a record.
func TestAppDBLockedIsAnErrorNotASilentOK(t *testing.T) {
	s, _, app := keyedServer(t, Config{Keys: []string{"k"}})
	addr := serveReal(t, s)
	path := ""
	app.DB().QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path)
	other, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=100")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO audit(at, question, status) VALUES('x', 'lock', 'x')`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code, body := askOnce(t, addr, "k", "重要价值客户有多少", 10*time.Second)
	took := time.Since(start)
	tx.Rollback()
	if code != 503 || !strings.Contains(body, CodeUnavailable) || took > 6*time.Second {
		t.Fatalf("ask with the app db locked: %d after %s: %s", code, took, body)
	}
	if code, body := askOnce(t, addr, "k", "重要价值客户有多少", 5*time.Second); code != 200 {
		t.Fatalf("after the lock: %d %s", code, body)
	}
	var n int
	app.DB().QueryRow(`SELECT count(*) FROM audit WHERE status = 'ok'`).Scan(&n)
	if n != 1 {
		t.Errorf("audit has %d ok records, want 1", n)
	}
}

// Conversations, answers and exports belong to the principal that made
// them; another key, or the API naming a bot's conversation, gets 404.
func TestConversationsBelongToTheirOwner(t *testing.T) {
	s, _, _ := keyedServer(t, Config{Keys: []string{"alice", "bob"}})
	addr := serveReal(t, s)
	base := "http://" + addr
	alice, bob := client{t, base, "alice"}, client{t, base, "bob"}
	code, a := alice.ask("一般发展客户有哪些", `,"limit":5`)
	if code != 200 || a.ConversationID == "" || a.AnswerID == "" {
		t.Fatalf("alice: %d %+v", code, a)
	}
	if code, _ := alice.ask("其中女性有多少", `,"conversation_id":"`+a.ConversationID+`"`); code != 200 {
		t.Fatalf("alice's follow-up: %d", code)
	}
	for name, check := range map[string]func() int{
		"follow-up": func() int {
			code, _ := bob.ask("其中女性有多少", `,"conversation_id":"`+a.ConversationID+`"`)
			return code
		},
		"page": func() int {
			r, _ := bob.do("GET", "/api/v1/answers/"+a.AnswerID+"?limit=5&offset=5", "")
			return r.StatusCode
		},
		"keyed export": func() int { r, _ := bob.do("GET", "/api/v1/export/"+a.AnswerID+".csv", ""); return r.StatusCode },
	} {
		if code := check(); code != 404 {
			t.Errorf("bob's %s of alice's answer: %d, want 404", name, code)
		}
	}
	if r, _ := alice.do("GET", "/api/v1/answers/"+a.AnswerID+"?limit=5&offset=5", ""); r.StatusCode != 200 {
		t.Errorf("alice's own page: %d", r.StatusCode)
	}
	if r, _ := alice.do("GET", "/api/v1/export/"+a.AnswerID+".csv", ""); r.StatusCode != 200 {
		t.Errorf("alice's own keyed export: %d", r.StatusCode)
	}
	// A Slack user's conversation, made by the bot mechanism itself, cannot
	// be continued through the API: neither by the place it is for nor by
	// its real (keyed-hash) id.
	if a, err := s.botAsk(context.Background(), "slack:T1:C1:U1", "重要价值客户有哪些", "slack:T1:U1"); err != nil || a.Status != "ok" {
		t.Fatalf("bot ask: %v %+v", err, a)
	}
	if a, err := s.botAsk(context.Background(), "slack:T1:C1:U1", "其中女性有多少", "slack:T1:U1"); err != nil || a.Status != "ok" {
		t.Fatalf("bot follow-up: %v %+v", err, a)
	}
	for _, id := range []string{"slack:T1:C1:U1", s.botConversationID("slack:T1:C1:U1")} {
		if code, _ := alice.ask("其中女性有多少", `,"conversation_id":"`+id+`"`); code != 404 {
			t.Errorf("API into a Slack user's conversation (id %s): %d, want 404", id, code)
		}
	}
}

// The sequence a user runs in one conversation: an answer, a question
// asked back, then a follow-up — it refines the last answer, not everyone;
// a conversation that began with a question asked back exists, and a
// follow-up there is asked back too; another key sees none of it.
func TestFollowUpAfterAskedBack(t *testing.T) {
	s, _, _ := keyedServer(t, Config{Keys: []string{"alice", "bob"}})
	addr := serveReal(t, s)
	alice, bob := client{t, "http://" + addr, "alice"}, client{t, "http://" + addr, "bob"}
	_, first := alice.ask("近3个月买过口红的客户", "")
	conv := `,"conversation_id":"` + first.ConversationID + `"`
	if code, a := alice.ask("近3个月买过游艇的客户", conv); code != 200 || a.Status != "clarify" {
		t.Fatalf("asked back: %d %s", code, a.Status)
	}
	code, follow := alice.ask("其中女性有多少", conv)
	_, direct := alice.ask("近3个月买过口红的女性客户有多少", "")
	if code != 200 || follow.Status != "ok" || fmt.Sprint(follow.Rows) != fmt.Sprint(direct.Rows) {
		t.Fatalf("follow-up after a clarify: %d %s %v, want %v", code, follow.Status, follow.Rows, direct.Rows)
	}
	code, began := alice.ask("买过游艇的客户", "")
	if code != 200 || began.Status != "clarify" {
		t.Fatalf("first question asked back: %d %s", code, began.Status)
	}
	code, next := alice.ask("其中女性有多少", `,"conversation_id":"`+began.ConversationID+`"`)
	if code != 200 || next.Status != "clarify" {
		t.Fatalf("follow-up in a conversation that has no answer: %d %s, want a clarify", code, next.Status)
	}
	if code, _ := bob.ask("其中女性有多少", conv); code != 404 {
		t.Errorf("another key in alice's conversation: %d", code)
	}
}

// Exports: one more than MaxExports at once is told to come back; the
// signed link stays a capability; CSV cells cannot become formulas.
func TestExportLimitsAndFormulaInjection(t *testing.T) {
	s, _, _ := keyedServer(t, Config{Keys: []string{"k"}, Limits: Limits{MaxExports: 1}})
	addr := serveReal(t, s)
	c := client{t, "http://" + addr, "k"}
	_, a := c.ask("一般发展客户有哪些", `,"limit":5`)
	s.exports <- struct{}{} // an export is streaming
	r, _ := (client{t, "http://" + addr, ""}).do("GET", a.Export.CSV, "")
	if r.StatusCode != 503 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("export over the cap: %d %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	<-s.exports
	if r, _ := (client{t, "http://" + addr, ""}).do("GET", a.Export.CSV, ""); r.StatusCode != 200 {
		t.Fatalf("signed export: %d", r.StatusCode)
	}
	if r, _ := (client{t, "http://" + addr, ""}).do("GET", "/api/v1/export/"+a.AnswerID+".csv", ""); r.StatusCode != 401 {
		t.Fatalf("export with neither link nor key: %d", r.StatusCode)
	}
	for in, want := range map[any]string{
		"=HYPERLINK(\"http://x\")": "'=HYPERLINK(\"http://x\")", "+1": "'+1", "-2+3": "'-2+3", "@SUM(A1)": "'@SUM(A1)",
		"\tx": "'\tx", "\rx": "'\rx", "张三": "张三", "": "", int64(-5): "-5", float64(-1.5): "-1.5", nil: "",
	} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// Made-up HTTP methods used to become metric labels, one series each.
func TestMetricsLabelsBounded(t *testing.T) {
	s, _, _ := keyedServer(t, Config{})
	addr := serveReal(t, s)
	for i := 0; i < 300; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "M%06d /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", i)
		io.ReadAll(c)
		c.Close()
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(b), "M000001") || !strings.Contains(string(b), `method="other"`) {
		t.Fatalf("metrics keep made-up methods (%d bytes)", len(b))
	}
}

// Without keys the service answers only its own names: a DNS-rebinding
// page (another Host or Origin) is refused, and so is a non-JSON body.
func TestNoKeyModeChecksHostOriginAndContentType(t *testing.T) {
	s, _, _ := keyedServer(t, Config{PublicURL: "https://chatbi.example.com"})
	addr := serveReal(t, s)
	_, port, _ := net.SplitHostPort(addr)
	send := func(host, origin, ctype string) int {
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/ask", strings.NewReader(`{"question":"重要价值客户有多少"}`))
		req.Host = host
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		req.Header.Set("Content-Type", ctype)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		host, origin, ctype string
		want                int
	}{
		{"127.0.0.1:" + port, "", "application/json", 200},
		{"localhost:" + port, "http://localhost:" + port, "application/json; charset=utf-8", 200},
		{"chatbi.example.com", "https://chatbi.example.com", "application/json", 200},
		{"evil.example:" + port, "", "application/json", 403},
		{"127.0.0.1:" + port, "http://evil.example", "application/json", 403},
		{"127.0.0.1:" + port, "", "text/plain", 415},
		{"127.0.0.1:" + port, "", "application/x-www-form-urlencoded", 415},
	} {
		if got := send(c.host, c.origin, c.ctype); got != c.want {
			t.Errorf("Host %q Origin %q Content-Type %q: %d, want %d", c.host, c.origin, c.ctype, got, c.want)
		}
	}
}

// The app database keeps conversations, answers and audit records only as
// long as its retention says.
func TestAppDBRetention(t *testing.T) {
	app, err := OpenAppDBWith(filepath.Join(t.TempDir(), "app.db"), AppRetention{Audit: 24 * time.Hour, Answers: time.Hour, Conversations: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	app.Audit(context.Background(), AuditRecord{At: time.Now().Add(-48 * time.Hour), Question: "old"})
	app.Audit(context.Background(), AuditRecord{At: time.Now(), Question: "new"})
	app.PutAnswer("a1", Entry{Owner: "local"})
	app.Put("c1", Entry{Owner: "local"})
	if err := app.Prune(time.Now().Add(2 * time.Hour)); err != nil {
		t.Fatal(err)
	}
	var audit, answers, convs int
	app.DB().QueryRow(`SELECT (SELECT count(*) FROM audit), (SELECT count(*) FROM answers), (SELECT count(*) FROM conversations)`).Scan(&audit, &answers, &convs)
	if audit != 1 || answers != 0 || convs != 0 {
		t.Errorf("after prune: audit %d, answers %d, conversations %d; want 1, 0, 0", audit, answers, convs)
	}
}

// An empty answer's rows are an empty array (the chat page iterates them),
// and a client that goes away is audited as canceled, not an internal error.
func TestEmptyRowsAndCanceled(t *testing.T) {
	s, svc, app := keyedServer(t, Config{Keys: []string{"k"}})
	addr := serveReal(t, s)
	code, body := askOnce(t, addr, "k", "消费超过100000元的客户", 5*time.Second)
	if code != 200 || !strings.Contains(body, `"rows":[]`) || !strings.Contains(body, `"total":0`) {
		t.Fatalf("empty answer: %d %s", code, body)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := svc.Ask(ctx, AskRequest{Question: "近3个月买过口红的客户", Caller: "key-test"})
	if AsError(err).Code != CodeCanceled {
		t.Fatalf("canceled ask: %v", err)
	}
	var status string
	app.DB().QueryRow(`SELECT status FROM audit WHERE api_key = 'key-test'`).Scan(&status)
	if status != CodeCanceled {
		t.Errorf("audited as %q, want canceled", status)
	}
}

// Rates are fractions in the API and percents in a bot message.
func TestShownText(t *testing.T) {
	for _, c := range []struct {
		col  string
		v    any
		want string
	}{{"流失率", 0.2297, "23.0%"}, {"客户数占比", 0.5, "50.0%"}, {"消费金额", 12.5, "12.5"}, {"复购率", nil, ""}, {"客户数", int64(3), "3"}} {
		if got := shownText(c.col, c.v); got != c.want {
			t.Errorf("shownText(%s, %v) = %q, want %q", c.col, c.v, got, c.want)
		}
	}
}
