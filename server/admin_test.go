package server

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/schema/schematest"
	"github.com/chatbi/chatbi/server/wecom"
)

// TestTeachingLoop: a user meets a word the parser does not know and is
// asked back; the admin finds it in the correction queue and teaches it;
// the user's question is answered; the admin undoes it and the question is
// asked back again. Users cannot reach the admin endpoints; a teaching that
// would change a verified answer is refused with that answer.
func TestTeachingLoop(t *testing.T) {
	ts, app, _ := newTestServer(t, Config{Keys: []string{"user-key"}, AdminKeys: []string{"admin-key"}})
	user, admin := client{t, ts.URL, "user-key"}, client{t, ts.URL, "admin-key"}

	code, a := user.ask("近3个月买过口脂的客户", "")
	if code != 200 || a.Status != "clarify" || a.AnswerID == "" {
		t.Fatalf("unknown word: %d %+v", code, a)
	}
	// Users are not admins.
	for _, p := range []string{"/api/v1/admin/queue", "/api/v1/admin/teachings", "/api/v1/admin/usage"} {
		if resp, _ := user.do("GET", p, ""); resp.StatusCode != 403 {
			t.Errorf("user GET %s: %d", p, resp.StatusCode)
		}
	}
	if resp, _ := user.do("POST", "/api/v1/admin/teachings", `{"word":"口脂","kind":"alias","target":"口红"}`); resp.StatusCode != 403 {
		t.Errorf("user teaches: %d", resp.StatusCode)
	}
	// The queue groups it under the span not understood.
	resp, body := admin.do("GET", "/api/v1/admin/queue", "")
	var q struct{ Groups []QueueGroup }
	json.Unmarshal(body, &q)
	if resp.StatusCode != 200 || len(q.Groups) == 0 || q.Groups[0].Span != "口脂" || q.Groups[0].Count != 1 ||
		q.Groups[0].Entries[0].Question != "近3个月买过口脂的客户" {
		t.Fatalf("queue: %d %s", resp.StatusCode, body)
	}
	// Teach it; the same question is answered, in every later question.
	resp, body = admin.do("POST", "/api/v1/admin/teachings", `{"word":"口脂","kind":"alias","target":"口红"}`)
	var taught Teaching
	json.Unmarshal(body, &taught)
	if resp.StatusCode != 201 || taught.ID == 0 || taught.TaughtBy != Fingerprint("admin-key") {
		t.Fatalf("teach: %d %s", resp.StatusCode, body)
	}
	_, b := user.ask("近3个月买过口脂的客户", "")
	_, want := user.ask("近3个月买过口红的客户", "")
	if b.Status != "ok" || b.Total != want.Total || b.Total == 0 {
		t.Fatalf("after teaching: %+v (口红: %d)", b, want.Total)
	}
	// The queue says the word is taught now.
	_, body = admin.do("GET", "/api/v1/admin/queue", "")
	json.Unmarshal(body, &q)
	if !q.Groups[0].Taught {
		t.Errorf("queue after teaching: %s", body)
	}
	// A teaching that changes a verified answer is refused, with it.
	if resp, body := admin.do("POST", "/api/v1/admin/examples", `{"question":"近3个月买过口红的客户"}`); resp.StatusCode != 201 {
		t.Fatalf("save example: %d %s", resp.StatusCode, body)
	}
	resp, body = admin.do("POST", "/api/v1/admin/teachings", `{"word":"买过口红","kind":"alias","target":"眼影"}`)
	if resp.StatusCode != 409 || !strings.Contains(string(body), `"question":"近3个月买过口红的客户"`) {
		t.Fatalf("conflicting teaching: %d %s", resp.StatusCode, body)
	}
	// A word it already knows cannot be taught another meaning.
	if resp, body := admin.do("POST", "/api/v1/admin/teachings", `{"word":"口红","kind":"alias","target":"眼影"}`); resp.StatusCode != 400 {
		t.Errorf("known word: %d %s", resp.StatusCode, body)
	}
	// A teaching that means nothing is refused as such.
	if resp, body := admin.do("POST", "/api/v1/admin/teachings", `{"word":"奶娃","kind":"alias","target":"火星"}`); resp.StatusCode != 400 {
		t.Errorf("alias to nothing: %d %s", resp.StatusCode, body)
	}
	// Undo: asked back again; the teaching stays listed, undone, with who.
	if resp, body := admin.do("DELETE", "/api/v1/admin/teachings/"+jsonNumber(taught.ID), ""); resp.StatusCode != 200 {
		t.Fatalf("undo: %d %s", resp.StatusCode, body)
	}
	if _, c := user.ask("近3个月买过口脂的客户", ""); c.Status != "clarify" {
		t.Errorf("after undo: %+v", c)
	}
	_, body = admin.do("GET", "/api/v1/admin/teachings", "")
	var list struct{ Teachings []Teaching }
	json.Unmarshal(body, &list)
	if len(list.Teachings) != 1 || list.Teachings[0].UndoneBy != Fingerprint("admin-key") || list.Teachings[0].UndoneAt == "" {
		t.Errorf("teachings: %s", body)
	}
	// Teachings live in the app database: a new service over it learns them.
	admin.do("POST", "/api/v1/admin/teachings", `{"word":"口脂","kind":"alias","target":"口红"}`)
	svc2 := MustOpenService(t)
	svc2.App = app
	if err := svc2.LoadTeachings(t.Context()); err != nil {
		t.Fatal(err)
	}
	if a, err := svc2.Ask(t.Context(), AskRequest{Question: "近3个月买过口脂的客户"}); err != nil || a.Status != "ok" {
		t.Errorf("restarted service: %v %+v", err, a)
	}
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestFeedbackHistoryUsage: every answer (a count, a clarify) takes a
// rating from its owner only; 👎 answers join the queue; each user sees
// their own conversations; the usage console counts by day and channel.
func TestFeedbackHistoryUsage(t *testing.T) {
	ts, _, _ := newTestServer(t, Config{Keys: []string{"user-key", "other-key"}, AdminKeys: []string{"admin-key"}})
	user, other, admin := client{t, ts.URL, "user-key"}, client{t, ts.URL, "other-key"}, client{t, ts.URL, "admin-key"}
	_, count := user.ask("重要价值客户有多少", "")
	_, follow := user.ask("其中女性有多少", `,"conversation_id":"`+count.ConversationID+`"`)
	_, clar := user.ask("火星客户", "")
	for _, a := range []*Answer{count, follow, clar} {
		if a.AnswerID == "" {
			t.Fatalf("answer without id: %+v", a)
		}
	}
	if resp, body := user.do("POST", "/api/v1/answers/"+follow.AnswerID+"/feedback", `{"rating":"down","comment":"女性的数字不对"}`); resp.StatusCode != 200 {
		t.Fatalf("feedback: %d %s", resp.StatusCode, body)
	}
	if resp, _ := user.do("POST", "/api/v1/answers/"+clar.AnswerID+"/feedback", `{"rating":"up"}`); resp.StatusCode != 200 {
		t.Errorf("feedback on a clarify: %d", resp.StatusCode)
	}
	for _, c := range []struct {
		who  client
		id   string
		body string
		want int
	}{
		{other, follow.AnswerID, `{"rating":"up"}`, 404}, // not theirs
		{user, "nope", `{"rating":"up"}`, 404},
		{user, follow.AnswerID, `{"rating":"meh"}`, 400},
		{user, follow.AnswerID, `{"rating":"up","comment":"` + strings.Repeat("长", 501) + `"}`, 400},
	} {
		if resp, body := c.who.do("POST", "/api/v1/answers/"+c.id+"/feedback", c.body); resp.StatusCode != c.want {
			t.Errorf("feedback %s %s: %d %s, want %d", c.id, c.body[:min(20, len(c.body))], resp.StatusCode, body, c.want)
		}
	}
	// History: the user's two conversations; another user sees none of them.
	_, body := user.do("GET", "/api/v1/conversations", "")
	var convs struct{ Conversations []ConversationSummary }
	json.Unmarshal(body, &convs)
	if len(convs.Conversations) != 2 {
		t.Fatalf("conversations: %s", body)
	}
	resp, body := user.do("GET", "/api/v1/conversations/"+count.ConversationID, "")
	var conv struct{ Turns []Turn }
	json.Unmarshal(body, &conv)
	if resp.StatusCode != 200 || len(conv.Turns) != 2 || conv.Turns[1].Question != "其中女性有多少" || conv.Turns[1].Rating != "down" {
		t.Fatalf("conversation: %d %s", resp.StatusCode, body)
	}
	if resp, _ := other.do("GET", "/api/v1/conversations/"+count.ConversationID, ""); resp.StatusCode != 404 {
		t.Errorf("another user's conversation: %d", resp.StatusCode)
	}
	// The 👎 answer is in the queue, with its comment's rating.
	_, body = admin.do("GET", "/api/v1/admin/queue", "")
	if !strings.Contains(string(body), `"question":"其中女性有多少"`) || !strings.Contains(string(body), `"span":"火星"`) ||
		!strings.Contains(string(body), `"message":"这个问题有部分没能理解`) || !strings.Contains(string(body), `"plan":{"answer":"count"`) {
		t.Errorf("queue: %s", body)
	}
	// Usage: three questions today, one asked back, one 👎, by channel.
	_, body = admin.do("GET", "/api/v1/admin/usage", "")
	var u Usage
	json.Unmarshal(body, &u)
	if len(u.Days) != 1 || u.Days[0].Questions != 3 || u.Days[0].Users != 1 || u.Days[0].ClarifyRate != 0.3333 ||
		u.Days[0].DownRate != 0.3333 || len(u.Channels) != 1 || u.Channels[0].Label != "api" || u.TopUnknown[0].Label != "火星" {
		t.Errorf("usage: %s", body)
	}
}

// TestBotFeedback: a Slack answer carries 👍/👎 buttons whose click (a
// signed interactivity payload) is recorded as the clicking user's; a
// 企业微信 user rates their last answer by replying 👎 and why.
func TestBotFeedback(t *testing.T) {
	svc, app := serviceWithAppDB(t)
	now := time.Unix(1409659813, 0).Add(10 * time.Second)
	ts := httptest.NewServer(New(svc, Config{Now: func() time.Time { return now }, PublicURL: "https://chatbi.example",
		Slack: SlackConfig{SigningSecret: slackSecret1}, WeCom: WeComConfig{Token: wcTokenA, AESKey: wcKeyA, CorpID: wcCorpA}}))
	t.Cleanup(ts.Close)
	stamp := strconv.FormatInt(now.Unix(), 10)

	// Slack: the answer's buttons name it; a click rates it.
	form := url.Values{"team_id": {"T1"}, "channel_id": {"C1"}, "user_id": {"U1"}, "command": {"/chatbi"},
		"text": {"重要价值客户有多少"}, "response_url": {"https://hooks.slack.com/commands/x"}}.Encode()
	code, body := postSigned(t, ts.URL+"/slack/command", slackSecret1, stamp, form, "")
	m := regexp.MustCompile(`"value":"down:([0-9a-f]+)"`).FindStringSubmatch(body)
	if code != 200 || m == nil {
		t.Fatalf("slack answer without buttons: %d %s", code, body)
	}
	payload := `{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1"},"actions":[{"action_id":"chatbi_rate","block_id":"chatbi_feedback","value":"down:` + m[1] + `"}]}`
	if code, body := postSigned(t, ts.URL+"/slack/interact", slackSecret1, stamp, url.Values{"payload": {payload}}.Encode(), ""); code != 200 {
		t.Fatalf("interact: %d %s", code, body)
	}
	var owner, rating string
	if err := app.DB().QueryRow(`SELECT owner, rating FROM feedback WHERE answer_id = ?`, m[1]).Scan(&owner, &rating); err != nil ||
		owner != "slack:T1:U1" || rating != "down" {
		t.Errorf("slack feedback: %q %q %v", owner, rating, err)
	}
	// Another Slack user cannot rate it.
	other := strings.Replace(payload, `"U1"`, `"U2"`, 1)
	if code, _ := postSigned(t, ts.URL+"/slack/interact", slackSecret1, stamp, url.Values{"payload": {other}}.Encode(), ""); code != 404 {
		t.Errorf("another user's click: %d", code)
	}

	// 企业微信: ask, then reply 👎 with why.
	c, _ := wecom.New(wcTokenA, wcKeyA, wcCorpA)
	send := func(id, text string) string {
		msg := "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[lisi]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[" + text + "]]></Content><MsgId>" + id + "</MsgId><AgentID>218</AgentID></xml>"
		enc, _ := c.Encrypt([]byte(msg), nil)
		sig := c.Signature(stamp, "7", enc)
		_, body := postXML(t, ts.URL+"/wecom/callback?msg_signature="+sig+"&timestamp="+stamp+"&nonce=7", "<xml><Encrypt><![CDATA["+enc+"]]></Encrypt></xml>")
		_, content := openReply(t, c, body)
		return content
	}
	if got := send("51", "重要价值客户有多少"); !strings.Contains(got, "回复 👍 或 👎") {
		t.Fatalf("wecom answer: %q", got)
	}
	if got := send("52", "👎 数字不对"); !strings.Contains(got, "已记录") {
		t.Fatalf("wecom rating: %q", got)
	}
	var comment string
	if err := app.DB().QueryRow(`SELECT rating, comment FROM feedback WHERE owner = ?`, "wecom:"+wcCorpA+":lisi").Scan(&rating, &comment); err != nil ||
		rating != "down" || comment != "数字不对" {
		t.Errorf("wecom feedback: %q %q %v", rating, comment, err)
	}
}

// TestSavedLists: a list answer saved under a name (保存为人群) is a
// condition in later questions of its owner — with others, in the rules'
// plain words — and nobody else's.
func TestSavedLists(t *testing.T) {
	ts, _, _ := newTestServer(t, Config{Keys: []string{"user-key", "other-key"}})
	user, other := client{t, ts.URL, "user-key"}, client{t, ts.URL, "other-key"}
	_, list := user.ask("过去3个月买过口红没买过粉底液的重要价值客户", "")
	if list.Status != "ok" || list.Total != 78 {
		t.Fatalf("list: %+v", list)
	}
	resp, body := user.do("POST", "/api/v1/cohorts", `{"answer_id":"`+list.AnswerID+`","name":"双11召回名单"}`)
	if resp.StatusCode != 201 || !strings.Contains(string(body), `"size":78`) {
		t.Fatalf("save: %d %s", resp.StatusCode, body)
	}
	_, n := user.ask("双11召回名单有多少人", "")
	if n.Status != "ok" || toInt(n.Rows[0][0]) != 78 || !strings.Contains(n.Explanation, "已保存的人群「双11召回名单」") {
		t.Fatalf("the list by name: %+v", n)
	}
	_, women := user.ask("在「双11召回名单」里近30天没下单的女性有多少", "")
	if women.Status != "ok" || toInt(women.Rows[0][0]) <= 0 || toInt(women.Rows[0][0]) >= 78 {
		t.Errorf("with other conditions: %+v", women)
	}
	// Not another user's; a count answer cannot be saved; the list is listed and deleted.
	if _, a := other.ask("双11召回名单有多少人", ""); a.Status != "clarify" {
		t.Errorf("another user's list: %+v", a)
	}
	if resp, _ := other.do("POST", "/api/v1/cohorts", `{"answer_id":"`+list.AnswerID+`","name":"偷来的"}`); resp.StatusCode != 404 {
		t.Errorf("saving another user's answer: %d", resp.StatusCode)
	}
	if resp, _ := user.do("POST", "/api/v1/cohorts", `{"answer_id":"`+n.AnswerID+`","name":"数字"}`); resp.StatusCode != 400 {
		t.Errorf("saving a count: %d", resp.StatusCode)
	}
	if _, body := user.do("GET", "/api/v1/cohorts", ""); !strings.Contains(string(body), `"name":"双11召回名单"`) {
		t.Errorf("list: %s", body)
	}
	if resp, _ := user.do("DELETE", "/api/v1/cohorts/双11召回名单", ""); resp.StatusCode != 200 {
		t.Errorf("delete: %d", resp.StatusCode)
	}
	if _, a := user.ask("双11召回名单有多少人", ""); a.Status != "clarify" {
		t.Errorf("after delete: %+v", a)
	}
}

// Teachings live in the app database, beside the warehouse: a re-import
// that publishes a new warehouse file keeps them in force.
func TestTeachingsSurviveReimport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.db")
	if _, err := schema.Import(t.Context(), path, schematest.PublicDataDir(), schema.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	svc, err := NewService(t.Context(), path, executor.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	app, err := OpenAppDB(filepath.Join(t.TempDir(), "app.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	svc.Convs, svc.Audit, svc.App = app, app, app
	if _, conflicts, err := svc.Teach(t.Context(), Teaching{Word: "口脂", Kind: "alias", Target: "口红", TaughtBy: "admin"}); err != nil || len(conflicts) > 0 {
		t.Fatalf("teach: %v %v", err, conflicts)
	}
	before, _ := os.Stat(path)
	if _, err := schema.Import(t.Context(), path, schematest.PublicDataDir(), schema.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	if os.SameFile(before, after) {
		t.Fatal("the re-import did not publish a new file")
	}
	time.Sleep(150 * time.Millisecond) // the service looks for a new file at most every 100 ms
	a, err := svc.Ask(t.Context(), AskRequest{Question: "近3个月买过口脂的客户"})
	if err != nil || a.Status != "ok" || a.Total == 0 {
		t.Fatalf("after re-import: %v %+v", err, a)
	}
}
