package server

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/chatbi/chatbi/server/wecom"
)

// WeComConfig turns the 企业微信 callback on (Token, AESKey and CorpID set).
type WeComConfig struct {
	Token, AESKey, CorpID string
	Deadline              time.Duration // reply passively within this; default 4s (the platform allows 5)
	Sender                WeComSender   // delivers late answers through the app message API
}

// WeComSender sends a text message to a user through the app message API.
type WeComSender interface {
	SendText(ctx context.Context, user, content string) error
}

func (s *Server) wecomRoutes(r *gin.Engine) error {
	c := &s.cfg.WeCom
	if c.Token == "" || c.AESKey == "" || c.CorpID == "" {
		return nil
	}
	cr, err := wecom.New(c.Token, c.AESKey, c.CorpID)
	if err != nil {
		return err
	}
	if c.Deadline <= 0 {
		c.Deadline = 4 * time.Second
	}
	s.wecomCrypto, s.wecomSeen = cr, newSeenSet(10000)
	r.GET("/wecom/callback", s.wecomVerifyURL)
	r.POST("/wecom/callback", s.wecomMessage)
	return nil
}

// wecomVerifyURL answers the URL verification with exactly the decrypted echostr.
func (s *Server) wecomVerifyURL(c *gin.Context) {
	q := c.Request.URL.Query()
	echo := q.Get("echostr")
	if !s.wecomFresh(c, q.Get("timestamp")) {
		return
	}
	if err := s.wecomCrypto.Verify(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), echo); err != nil {
		s.log.Warn("wecom: verify url refused", "err", err)
		s.fail(c, newError(CodeUnauthorized, "invalid signature", err))
		return
	}
	plain, err := s.wecomCrypto.Decrypt(echo)
	if err != nil {
		s.log.Warn("wecom: echostr", "err", err)
		s.fail(c, newError(CodeInvalid, "invalid echostr", err))
		return
	}
	c.Data(http.StatusOK, "text/plain; charset=utf-8", plain)
}

// wecomFresh refuses a callback whose timestamp is more than five minutes
// from now, like Slack's replay window: a captured callback cannot be
// replayed later (its MsgId is only remembered for a while).
func (s *Server) wecomFresh(c *gin.Context, ts string) bool {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err == nil {
		if d := s.cfg.Now().Sub(time.Unix(sec, 0)); d <= wecomWindow && d >= -wecomWindow {
			return true
		}
	}
	s.log.Warn("wecom: stale or missing timestamp", "timestamp", ts)
	s.fail(c, newError(CodeUnauthorized, "stale timestamp", nil))
	return false
}

// wecomWindow is how far a callback's timestamp may be from now.
const wecomWindow = 5 * time.Minute

// wecomEnvelope is the encrypted callback body; wecomMsg is what it holds.
type wecomEnvelope struct {
	ToUserName string `xml:"ToUserName"`
	Encrypt    string `xml:"Encrypt"`
	AgentID    string `xml:"AgentID"`
}

type wecomMsg struct {
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
	MsgType      string `xml:"MsgType"`
	Content      string `xml:"Content"`
	MsgID        string `xml:"MsgId"`
	AgentID      string `xml:"AgentID"`
}

func (s *Server) wecomMessage(c *gin.Context) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes))
	if err != nil {
		s.log.Warn("wecom: body", "err", err)
		s.fail(c, newError(CodeTooLarge, "request body too large", err))
		return
	}
	var env wecomEnvelope
	if err := xml.Unmarshal(body, &env); err != nil || env.Encrypt == "" {
		s.log.Warn("wecom: bad envelope", "err", err)
		s.fail(c, newError(CodeInvalid, "malformed XML", err))
		return
	}
	q := c.Request.URL.Query()
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	if !s.wecomFresh(c, ts) {
		return
	}
	if err := s.wecomCrypto.Verify(q.Get("msg_signature"), ts, nonce, env.Encrypt); err != nil {
		s.log.Warn("wecom: message refused", "err", err)
		s.fail(c, newError(CodeUnauthorized, "invalid signature", err))
		return
	}
	plain, err := s.wecomCrypto.Decrypt(env.Encrypt)
	if err != nil {
		s.log.Warn("wecom: decrypt", "err", err)
		s.fail(c, newError(CodeInvalid, "cannot decrypt", err))
		return
	}
	var msg wecomMsg
	if err := xml.Unmarshal(plain, &msg); err != nil {
		s.log.Warn("wecom: bad message XML", "err", err)
		s.fail(c, newError(CodeInvalid, "malformed message", err))
		return
	}
	// Only text is a question; WeCom retries a callback up to three times,
	// so each MsgId is answered once.
	if msg.MsgType != "text" || (msg.MsgID != "" && !s.wecomSeen.firstTime(msg.MsgID)) {
		c.String(http.StatusOK, "success")
		return
	}
	key := "wecom:" + s.cfg.WeCom.CorpID + ":" + msg.FromUserName
	question := strings.TrimSpace(msg.Content)
	if rating, comment, ok := wecomRating(question); ok {
		// 👍 / 👎 [原因]: feedback on the user's last answer (WeCom text
		// messages have no buttons).
		s.wecomReply(c, msg, ts, nonce, s.rateLast(c.Request.Context(), key, rating, comment))
		return
	}
	withinDeadline(c.Request.Context(), s.cfg.WeCom.Deadline,
		func(ctx context.Context) (*Answer, error) {
			return s.botAsk(ctx, key, question, key)
		},
		func(a *Answer, err error) { s.wecomReply(c, msg, ts, nonce, s.wecomText(a, err)) },
		func() { s.wecomReply(c, msg, ts, nonce, "正在查询「"+question+"」，结果稍后发给你。") },
		func(a *Answer, err error) {
			if s.cfg.WeCom.Sender == nil {
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := s.cfg.WeCom.Sender.SendText(ctx, msg.FromUserName, truncateBytes(s.wecomText(a, err), 2000)); err != nil {
				s.log.Error("wecom: send answer", "err", err)
			}
		})
}

// wecomText is an answer as a WeCom text, with how to rate it.
func (s *Server) wecomText(a *Answer, err error) string {
	t := s.botText(a, err, 10)
	if err == nil && a != nil && a.AnswerID != "" {
		t += "\n（回复 👍 或 👎 加一句原因，评价这个回答）"
	}
	return t
}

// wecomRating reads a reply that rates the last answer: 👍, 👎, 好评, 差评,
// optionally followed by why.
func wecomRating(text string) (rating, comment string, ok bool) {
	for word, r := range map[string]string{"👍": "up", "👎": "down", "好评": "up", "差评": "down"} {
		if rest, found := strings.CutPrefix(text, word); found {
			return r, strings.TrimSpace(rest), true
		}
	}
	return "", "", false
}

// rateLast records feedback on the principal's latest answer in their
// bot conversation, and says so.
func (s *Server) rateLast(ctx context.Context, principal, rating, comment string) string {
	if s.svc.App == nil {
		return "评价需要应用数据库，暂时无法记录。"
	}
	var id string
	err := s.svc.App.db.QueryRowContext(ctx, `SELECT answer_id FROM audit WHERE api_key = ? AND conversation_id = ? AND answer_id IS NOT NULL
		ORDER BY at DESC LIMIT 1`, principal, s.botConversationID(principal)).Scan(&id)
	if err != nil {
		return "还没有可以评价的回答。"
	}
	if err := s.svc.App.PutFeedback(ctx, id, principal, rating, comment); err != nil {
		return "评价没有记录成功，请稍后再试。"
	}
	return "已记录你的评价，谢谢！"
}

// wecomReply writes an encrypted passive text reply.
func (s *Server) wecomReply(c *gin.Context, to wecomMsg, ts, nonce, text string) {
	type cdata struct {
		Text string `xml:",cdata"`
	}
	reply, _ := xml.Marshal(struct {
		XMLName    xml.Name `xml:"xml"`
		ToUserName cdata
		FromUser   cdata `xml:"FromUserName"`
		CreateTime int64
		MsgType    cdata
		Content    cdata
	}{ToUserName: cdata{to.FromUserName}, FromUser: cdata{to.ToUserName}, CreateTime: s.cfg.Now().Unix(),
		MsgType: cdata{"text"}, Content: cdata{truncateBytes(text, 2000)}})
	enc, err := s.wecomCrypto.Encrypt(reply, nil)
	if err != nil {
		s.fail(c, newError(CodeInternal, "encrypt reply", err))
		return
	}
	if ts == "" {
		ts = strconv.FormatInt(s.cfg.Now().Unix(), 10)
	}
	out, _ := xml.Marshal(struct {
		XMLName      xml.Name `xml:"xml"`
		Encrypt      cdata
		MsgSignature cdata
		TimeStamp    string
		Nonce        cdata
	}{Encrypt: cdata{enc}, MsgSignature: cdata{s.wecomCrypto.Signature(ts, nonce, enc)}, TimeStamp: ts, Nonce: cdata{nonce}})
	c.Data(http.StatusOK, "application/xml; charset=utf-8", out)
}

// truncateBytes cuts text to at most n bytes on a rune boundary (WeCom's
// text messages are limited in bytes).
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// WeComAppSender is the real app message API client: it fetches and caches
// an access token, then posts text messages, at a configurable base URL.
type WeComAppSender struct {
	BaseURL, CorpID, Secret string
	AgentID                 int
	HTTP                    *http.Client

	mu      sync.Mutex
	token   string
	expires time.Time
}

func (w *WeComAppSender) client() *http.Client {
	if w.HTTP == nil {
		return &http.Client{Timeout: 10 * time.Second}
	}
	return w.HTTP
}

func (w *WeComAppSender) accessToken(ctx context.Context) (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.token != "" && time.Now().Before(w.expires) {
		return w.token, nil
	}
	u := strings.TrimRight(w.BaseURL, "/") + "/cgi-bin/gettoken?" + url.Values{"corpid": {w.CorpID}, "corpsecret": {w.Secret}}.Encode()
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	resp, err := w.client().Do(req)
	if err != nil {
		return "", fmt.Errorf("wecom gettoken: %w", err)
	}
	defer resp.Body.Close()
	var r struct {
		ErrCode     int    `json:"errcode"`
		ErrMsg      string `json:"errmsg"`
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.ErrCode != 0 || r.AccessToken == "" {
		return "", fmt.Errorf("wecom gettoken: errcode %d %s %v", r.ErrCode, r.ErrMsg, err)
	}
	w.token, w.expires = r.AccessToken, time.Now().Add(time.Duration(r.ExpiresIn-60)*time.Second)
	return w.token, nil
}

// SendText posts a text message to one user.
func (w *WeComAppSender) SendText(ctx context.Context, user, content string) error {
	tok, err := w.accessToken(ctx)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]any{"touser": user, "msgtype": "text", "agentid": w.AgentID, "text": map[string]string{"content": content}})
	u := strings.TrimRight(w.BaseURL, "/") + "/cgi-bin/message/send?access_token=" + url.QueryEscape(tok)
	req, _ := http.NewRequestWithContext(ctx, "POST", u, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client().Do(req)
	if err != nil {
		return fmt.Errorf("wecom message/send: %w", err)
	}
	defer resp.Body.Close()
	var r struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.ErrCode != 0 {
		return fmt.Errorf("wecom message/send: errcode %d %s %v", r.ErrCode, r.ErrMsg, err)
	}
	return nil
}
