package server

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/chatbi/chatbi/server/slackauth"
	"github.com/chatbi/chatbi/server/wecom"
)

// Published vectors: testdata/vectors/README.md.
const (
	slackSecret1 = "8f742231b10e8888abcd99yyyzzz85a5"
	slackTS1     = "1531420618"
	slackBody1   = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	slackSig1    = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	slackSecret2 = "e6b19c573432dcc6b075501d51b51bb8"
	slackTS2     = "1531431954"
	slackBody2   = `{"token":"aF5ynEYQH0dFN9imlgcADxDB","team_id":"XXXXXXXXX","api_app_id":"YYYYYYYYY","event":{"type":"app_mention","user":"AAAAAAAAA","text":"<@EEEEEEEEE> hello world","client_msg_id":"477cc591-ch73-a14z-4db8-g0cd76321bec","ts":"1531431954.000073","channel":"TTTTTTTTT","event_ts":"1531431954.000073"},"type":"event_callback","event_id":"TvBP7LRED7","event_time":1531431954,"authed_users":["EEEEEEEEE"]}`
	slackSig2    = "v0=adada4ed31709aef585c2580ca3267678c6a8eaeb7e0c1aca3ee57b656886b2c"
)

type fakePoster struct {
	mu   sync.Mutex
	msgs map[string][]string
	got  chan struct{}
}

func (f *fakePoster) Post(ctx context.Context, channel string, msg *slack.WebhookMessage) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs[channel] = append(f.msgs[channel], msg.Text)
	f.got <- struct{}{}
	return nil
}

func slackServer(t *testing.T, secret string, at string, cfg SlackConfig) (*httptest.Server, *Service) {
	svc := MustOpenService(t)
	sec := int64(0)
	fmt.Sscan(at, &sec)
	now := time.Unix(sec, 0).Add(10 * time.Second)
	cfg.SigningSecret = secret
	ts := httptest.NewServer(New(svc, Config{Slack: cfg, PublicURL: "https://chatbi.example", Now: func() time.Time { return now }}))
	t.Cleanup(ts.Close)
	return ts, svc
}

func postSigned(t *testing.T, url, secret, ts, body, sig string) (int, string) {
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if ts != "" {
		req.Header.Set("X-Slack-Request-Timestamp", ts)
	}
	if sig == "" && secret != "" {
		sig = slackauth.Sign(secret, ts, []byte(body))
	}
	if sig != "" {
		req.Header.Set("X-Slack-Signature", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestSlackCommand(t *testing.T) {
	ts, _ := slackServer(t, slackSecret1, slackTS1, SlackConfig{})
	// Slack's own worked example: valid, and an empty command gets the usage.
	if code, body := postSigned(t, ts.URL+"/slack/command", "", slackTS1, slackBody1, slackSig1); code != 200 || !strings.Contains(body, "用法") {
		t.Fatalf("vector: %d %s", code, body)
	}
	if code, _ := postSigned(t, ts.URL+"/slack/command", "", slackTS1, slackBody1+"x", slackSig1); code != 401 {
		t.Fatalf("tampered: %d", code)
	}
	if code, _ := postSigned(t, ts.URL+"/slack/command", "", "1531419000", slackBody1, slackauth.Sign(slackSecret1, "1531419000", []byte(slackBody1))); code != 401 {
		t.Fatalf("stale: %d", code)
	}
	if code, _ := postSigned(t, ts.URL+"/slack/command", "", "", slackBody1, ""); code != 401 {
		t.Fatalf("no headers: %d", code)
	}
	// A real question answered inline, with the export link.
	form := url.Values{"team_id": {"T1"}, "channel_id": {"C1"}, "user_id": {"U1"}, "command": {"/chatbi"},
		"text": {"过去3个月买过口红没买过粉底液的重要价值客户"}, "response_url": {"https://hooks.slack.com/commands/x"}}.Encode()
	code, body := postSigned(t, ts.URL+"/slack/command", slackSecret1, slackTS1, form, "")
	if code != 200 || !strings.Contains(body, "共 78 位客户") || !strings.Contains(body, "https://chatbi.example/api/v1/export/") || !strings.Contains(body, `"blocks"`) {
		t.Fatalf("inline answer: %d %s", code, body)
	}
	// A follow-up in the same user and channel refines it.
	form2 := strings.Replace(form, url.QueryEscape("过去3个月买过口红没买过粉底液的重要价值客户"), url.QueryEscape("其中女性有多少"), 1)
	if code, body := postSigned(t, ts.URL+"/slack/command", slackSecret1, slackTS1, form2, ""); code != 200 || !strings.Contains(body, "客户数：") {
		t.Fatalf("follow-up: %d %s", code, body)
	}
	// How to act on a segment: its size and the suggested action, as a line.
	form3 := strings.Replace(form, url.QueryEscape("过去3个月买过口红没买过粉底液的重要价值客户"), url.QueryEscape("重要挽留客户应该怎么运营"), 1)
	if code, body := postSigned(t, ts.URL+"/slack/command", slackSecret1, slackTS1, form3, ""); code != 200 || !strings.Contains(body, "运营建议（重要挽留客户）") {
		t.Fatalf("strategy: %d %s", code, body)
	}
}

// TestSlackSlowQuestion: past the deadline the command is acknowledged at
// once and the answer goes to response_url (a local hook stands in for Slack's).
func TestSlackSlowQuestion(t *testing.T) {
	hooked := make(chan slack.WebhookMessage, 2)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m slack.WebhookMessage
		json.NewDecoder(r.Body).Decode(&m)
		hooked <- m
	}))
	defer hook.Close()
	ts, _ := slackServer(t, slackSecret1, slackTS1, SlackConfig{Deadline: time.Nanosecond, HookPrefix: hook.URL})
	form := url.Values{"team_id": {"T1"}, "channel_id": {"C1"}, "user_id": {"U2"}, "command": {"/chatbi"},
		"text": {"各RFM分群的客户数"}, "response_url": {hook.URL + "/commands/1"}}.Encode()
	code, body := postSigned(t, ts.URL+"/slack/command", slackSecret1, slackTS1, form, "")
	if code != 200 || !strings.Contains(body, "正在查询") {
		t.Fatalf("ack: %d %s", code, body)
	}
	select {
	case m := <-hooked:
		if !strings.Contains(m.Text, "重要价值客户 | 281") || !m.ReplaceOriginal {
			t.Fatalf("posted: %+v", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing posted to response_url")
	}
	// A response_url that is not Slack's (here: not the hook) is never called.
	form = strings.Replace(form, url.QueryEscape(hook.URL+"/commands/1"), url.QueryEscape("http://127.0.0.1:1/evil"), 1)
	postSigned(t, ts.URL+"/slack/command", slackSecret1, slackTS1, form, "")
	select {
	case m := <-hooked:
		t.Fatalf("posted to a foreign URL: %+v", m)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestSlackEvents(t *testing.T) {
	poster := &fakePoster{msgs: map[string][]string{}, got: make(chan struct{}, 4)}
	ts, _ := slackServer(t, slackSecret2, slackTS2, SlackConfig{Poster: poster})
	challenge := `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`
	if code, body := postSigned(t, ts.URL+"/slack/events", slackSecret2, slackTS2, challenge, ""); code != 200 || !strings.Contains(body, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P") {
		t.Fatalf("challenge: %d %s", code, body)
	}
	// slack-go's published app_mention; Slack retries it: answered once.
	for i := 0; i < 2; i++ {
		if code, _ := postSigned(t, ts.URL+"/slack/events", "", slackTS2, slackBody2, slackSig2); code != 200 {
			t.Fatalf("event %d: %d", i, code)
		}
	}
	select {
	case <-poster.got:
	case <-time.After(10 * time.Second):
		t.Fatal("no answer posted")
	}
	time.Sleep(200 * time.Millisecond)
	poster.mu.Lock()
	defer poster.mu.Unlock()
	if msgs := poster.msgs["TTTTTTTTT"]; len(msgs) != 1 || !strings.Contains(msgs[0], "「world」") {
		t.Fatalf("posted %v", poster.msgs)
	}
	if code, _ := postSigned(t, ts.URL+"/slack/events", slackSecret2, slackTS2, `{"type":`, ""); code != 400 {
		t.Fatalf("malformed event: %d", code)
	}
}

// ---- 企业微信 ----

const (
	wcTokenA = "QDG6eK"
	wcKeyA   = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	wcCorpA  = "wx5823bf96d3bd56c7"
	wcGetA   = "msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D"
	wcPostQA = "msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659813&nonce=1372623149"
	wcBodyA  = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"
	wcTokenB = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
	wcKeyB   = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
	wcCorpB  = "ww1436e0e65a779aee"
	wcEchoB  = "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="
	wcEncB   = "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+"
)

type fakeSender struct {
	got chan string
}

func (f fakeSender) SendText(ctx context.Context, user, content string) error {
	f.got <- user + ": " + content
	return nil
}

func wecomServer(t *testing.T, cfg WeComConfig) *httptest.Server {
	ts, _ := wecomServerAt(t, cfg, 1409659813)
	return ts
}

// wecomServerAt runs the server on a clock set to a published vector's
// timestamp (they were signed years ago); move it with the pointer.
func wecomServerAt(t *testing.T, cfg WeComConfig, unix int64) (*httptest.Server, *time.Time) {
	svc := MustOpenService(t)
	now := time.Unix(unix, 0).Add(10 * time.Second)
	ts := httptest.NewServer(New(svc, Config{WeCom: cfg, PublicURL: "https://chatbi.example", Now: func() time.Time { return now }}))
	t.Cleanup(ts.Close)
	return ts, &now
}

func get(t *testing.T, u string) (int, string) {
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func postXML(t *testing.T, u, body string) (int, string) {
	resp, err := http.Post(u, "text/xml", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// openReply decrypts a passive reply and returns its text content.
func openReply(t *testing.T, c *wecom.Crypto, body string) (to, content string) {
	var env struct{ Encrypt, MsgSignature, TimeStamp, Nonce string }
	if err := xml.Unmarshal([]byte(body), &env); err != nil {
		t.Fatalf("reply: %v %s", err, body)
	}
	if err := c.Verify(env.MsgSignature, env.TimeStamp, env.Nonce, env.Encrypt); err != nil {
		t.Fatalf("reply signature: %v", err)
	}
	plain, err := c.Decrypt(env.Encrypt)
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ ToUserName, Content string }
	xml.Unmarshal(plain, &m)
	return m.ToUserName, m.Content
}

func TestWeComVectors(t *testing.T) {
	tsA := wecomServer(t, WeComConfig{Token: wcTokenA, AESKey: wcKeyA, CorpID: wcCorpA})
	if code, body := get(t, tsA.URL+"/wecom/callback?"+wcGetA); code != 200 || body != "1616140317555161061" {
		t.Fatalf("verify url A: %d %q", code, body)
	}
	code, body := postXML(t, tsA.URL+"/wecom/callback?"+wcPostQA, wcBodyA)
	cA, _ := wecom.New(wcTokenA, wcKeyA, wcCorpA)
	if code != 200 {
		t.Fatalf("post A: %d %s", code, body)
	}
	if to, content := openReply(t, cA, body); to != "mycreate" || !strings.Contains(content, "hello") {
		t.Fatalf("reply A to %q: %q", to, content)
	}
	// The same MsgId again (a platform retry) is acknowledged, not answered.
	if code, body := postXML(t, tsA.URL+"/wecom/callback?"+wcPostQA, wcBodyA); code != 200 || body != "success" {
		t.Fatalf("replayed MsgId: %d %q", code, body)
	}
	tsB, clockB := wecomServerAt(t, WeComConfig{Token: wcTokenB, AESKey: wcKeyB, CorpID: wcCorpB}, 1476416373)
	q := url.Values{"msg_signature": {"012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb"}, "timestamp": {"1476416373"}, "nonce": {"47744683"}, "echostr": {wcEchoB}}
	if code, body := get(t, tsB.URL+"/wecom/callback?"+q.Encode()); code != 200 || body != "1288432023552776189" {
		t.Fatalf("verify url B: %d %q", code, body)
	}
	*clockB = time.Unix(1476422779, 0)
	qB := "msg_signature=0c3914025cb4b4d68103f6bfc8db550f79dcf48e&timestamp=1476422779&nonce=1597212914"
	bodyB := "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName><Encrypt><![CDATA[" + wcEncB + "]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>"
	code, body = postXML(t, tsB.URL+"/wecom/callback?"+qB, bodyB)
	cB, _ := wecom.New(wcTokenB, wcKeyB, wcCorpB)
	if to, content := openReply(t, cB, body); code != 200 || to != "ChenJiaShun" || content == "" {
		t.Fatalf("reply B: %d to %q %q", code, to, content)
	}
}

func TestWeComRejects(t *testing.T) {
	ts := wecomServer(t, WeComConfig{Token: wcTokenA, AESKey: wcKeyA, CorpID: wcCorpA})
	tampered := strings.Replace(wcPostQA, "477715d1", "477715d2", 1)
	if code, _ := postXML(t, ts.URL+"/wecom/callback?"+tampered, wcBodyA); code != 401 {
		t.Fatalf("tampered signature: %d", code)
	}
	if code, _ := get(t, ts.URL+"/wecom/callback?"+strings.Replace(wcGetA, "5c45ff5e", "5c45ff5f", 1)); code != 401 {
		t.Fatalf("tampered url verification: %d", code)
	}
	wrongCorp := wecomServer(t, WeComConfig{Token: wcTokenA, AESKey: wcKeyA, CorpID: "wx0000000000000000"})
	if code, _ := postXML(t, wrongCorp.URL+"/wecom/callback?"+wcPostQA, wcBodyA); code != 400 {
		t.Fatalf("wrong corp id: %d", code)
	}
	if code, _ := postXML(t, ts.URL+"/wecom/callback?"+wcPostQA, "<xml><Encrypt>"); code != 400 {
		t.Fatalf("malformed XML: %d", code)
	}
	if code, _ := postXML(t, ts.URL+"/wecom/callback?"+wcPostQA, "<xml><Encrypt>"+strings.Repeat("A", 70000)+"</Encrypt></xml>"); code != 413 {
		t.Fatalf("oversized: %d", code)
	}
	// Bad padding: a well-signed ciphertext whose last byte is not a valid pad.
	c, _ := wecom.New(wcTokenA, wcKeyA, wcCorpA)
	enc, _ := c.Encrypt([]byte("<xml><MsgType>text</MsgType></xml>"), nil)
	raw := []byte(enc)
	raw[len(raw)-6] ^= 1 // corrupt the last block
	bad := string(raw)
	sig := c.Signature("1409659813", "2", bad)
	if code, _ := postXML(t, ts.URL+"/wecom/callback?msg_signature="+sig+"&timestamp=1409659813&nonce=2", "<xml><Encrypt><![CDATA["+bad+"]]></Encrypt></xml>"); code != 400 {
		t.Fatalf("bad padding: %d", code)
	}
	// A well-signed callback from more than five minutes ago is a replay.
	enc, _ = c.Encrypt([]byte("<xml><MsgType>text</MsgType><Content>重要价值客户有多少</Content></xml>"), nil)
	old := strconv.FormatInt(1409659813-301, 10)
	sig = c.Signature(old, "3", enc)
	if code, _ := postXML(t, ts.URL+"/wecom/callback?msg_signature="+sig+"&timestamp="+old+"&nonce=3", "<xml><Encrypt><![CDATA["+enc+"]]></Encrypt></xml>"); code != 401 {
		t.Fatalf("stale timestamp: %d", code)
	}
}

// TestWeComSlowQuestion: past the deadline the callback is acknowledged and
// the answer goes through the app message API.
func TestWeComSlowQuestion(t *testing.T) {
	sender := fakeSender{got: make(chan string, 1)}
	ts := wecomServer(t, WeComConfig{Token: wcTokenA, AESKey: wcKeyA, CorpID: wcCorpA, Deadline: time.Nanosecond, Sender: sender})
	c, _ := wecom.New(wcTokenA, wcKeyA, wcCorpA)
	msg := "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[lisi]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[重要价值客户有多少]]></Content><MsgId>42</MsgId><AgentID>218</AgentID></xml>"
	enc, _ := c.Encrypt([]byte(msg), nil)
	sig := c.Signature("1409659813", "7", enc)
	code, body := postXML(t, ts.URL+"/wecom/callback?msg_signature="+sig+"&timestamp=1409659813&nonce=7", "<xml><Encrypt><![CDATA["+enc+"]]></Encrypt></xml>")
	if _, content := openReply(t, c, body); code != 200 || !strings.Contains(content, "正在查询") {
		t.Fatalf("ack: %d %q", code, content)
	}
	select {
	case got := <-sender.got:
		if !strings.HasPrefix(got, "lisi: ") || !strings.Contains(got, "281") || !strings.Contains(got, "运营建议（重要价值客户）") {
			t.Fatalf("sent %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no message sent")
	}
}

// TestWeComAppSender speaks the app message API's wire format to a fake.
func TestWeComAppSender(t *testing.T) {
	var sent map[string]any
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cgi-bin/gettoken":
			if r.URL.Query().Get("corpsecret") != "s3" {
				w.Write([]byte(`{"errcode":40001,"errmsg":"invalid credential"}`))
				return
			}
			w.Write([]byte(`{"errcode":0,"errmsg":"ok","access_token":"TOKEN","expires_in":7200}`))
		case "/cgi-bin/message/send":
			if r.URL.Query().Get("access_token") != "TOKEN" {
				t.Errorf("token %q", r.URL.Query().Get("access_token"))
			}
			json.NewDecoder(r.Body).Decode(&sent)
			w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
		}
	}))
	defer api.Close()
	s := &WeComAppSender{BaseURL: api.URL, CorpID: "ww1", Secret: "s3", AgentID: 1000002}
	if err := s.SendText(context.Background(), "lisi", "共 78 位客户"); err != nil {
		t.Fatal(err)
	}
	if sent["touser"] != "lisi" || sent["msgtype"] != "text" || sent["agentid"] != float64(1000002) {
		t.Fatalf("sent %v", sent)
	}
	bad := &WeComAppSender{BaseURL: api.URL, CorpID: "ww1", Secret: "wrong"}
	if err := bad.SendText(context.Background(), "lisi", "x"); err == nil {
		t.Fatal("a bad secret sent")
	}
}

func TestBotsOffWithoutSecrets(t *testing.T) {
	ts := httptest.NewServer(New(MustOpenService(t), Config{}))
	defer ts.Close()
	for _, p := range []string{"/slack/command", "/slack/events", "/wecom/callback"} {
		if code, _ := postXML(t, ts.URL+p, "x"); code != 404 {
			t.Errorf("%s: %d", p, code)
		}
	}
}
