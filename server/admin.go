package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// The loop that lets users teach it: feedback on every answer, each user's
// history, and for admins the correction queue (错题集), teaching and the
// usage console. All of it reads the audit log and the app database.

// FeedbackRequest is the body of POST /api/v1/answers/{id}/feedback.
type FeedbackRequest struct {
	Rating  string `json:"rating"` // up | down
	Comment string `json:"comment"`
}

func (s *Server) app(c *gin.Context) (*AppDB, bool) {
	if s.svc.App == nil {
		s.fail(c, ErrNoApp)
		return nil, false
	}
	return s.svc.App, true
}

func (s *Server) feedback(c *gin.Context) {
	app, ok := s.app(c)
	if !ok {
		return
	}
	var req FeedbackRequest
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if req.Rating != "up" && req.Rating != "down" {
		s.fail(c, newError(CodeInvalid, "rating 只能是 up 或 down (rating must be up or down)", nil))
		return
	}
	if len([]rune(req.Comment)) > 500 {
		s.fail(c, newError(CodeInvalid, "评论不能超过 500 个字 (comment longer than 500 characters)", nil))
		return
	}
	if err := app.PutFeedback(c.Request.Context(), c.Param("id"), c.GetString("caller"), req.Rating, req.Comment); err != nil {
		s.fail(c, err)
		return
	}
	c.Render(http.StatusOK, jsonRender{gin.H{"answer_id": c.Param("id"), "rating": req.Rating}})
}

// ConversationSummary is one of a user's conversations.
type ConversationSummary struct {
	ID    string `json:"id"`
	First string `json:"first_question"`
	Turns int    `json:"turns"`
	Last  string `json:"last_at"`
}

// Turn is one question of a conversation, as the audit log kept it.
type Turn struct {
	At       string          `json:"at"`
	Question string          `json:"question"`
	Status   string          `json:"status"`
	AnswerID string          `json:"answer_id"`
	Unknown  []string        `json:"unknown,omitempty"`
	Rating   string          `json:"rating,omitempty"`
	Caller   string          `json:"caller,omitempty"`
	Channel  string          `json:"channel,omitempty"`
	Message  string          `json:"message,omitempty"` // a clarify's
	Plan     json.RawMessage `json:"plan,omitempty"`
}

// conversations lists the caller's conversations, newest first.
func (s *Server) conversations(c *gin.Context) {
	app, ok := s.app(c)
	if !ok {
		return
	}
	rows, err := app.db.QueryContext(c.Request.Context(), `SELECT conversation_id, count(*), max(at),
			(SELECT b.question FROM audit b WHERE b.conversation_id = a.conversation_id ORDER BY b.at LIMIT 1)
		FROM audit a WHERE api_key = ? AND conversation_id IS NOT NULL
		GROUP BY conversation_id ORDER BY max(at) DESC LIMIT 50`, c.GetString("caller"))
	if err != nil {
		s.fail(c, storeError(err))
		return
	}
	renderRows(s, c, "conversations", rows, func(x *ConversationSummary) []any { return []any{&x.ID, &x.Turns, &x.Last, &x.First} })
}

// renderRows answers {key: [rows…]}, each row scanned into a T by the
// fields it names; an empty result is an empty list.
func renderRows[T any](s *Server, c *gin.Context, key string, rows *sql.Rows, fields func(*T) []any) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var x T
		if err := rows.Scan(fields(&x)...); err != nil {
			s.fail(c, storeError(err))
			return
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		s.fail(c, storeError(err))
		return
	}
	c.Render(http.StatusOK, jsonRender{gin.H{key: out}})
}

// conversation is one of the caller's conversations, turn by turn.
func (s *Server) conversation(c *gin.Context) {
	app, ok := s.app(c)
	if !ok {
		return
	}
	turns, err := app.turns(c.Request.Context(), `a.conversation_id = ? AND a.api_key = ?`, c.Param("id"), c.GetString("caller"))
	if err != nil {
		s.fail(c, storeError(err))
		return
	}
	if len(turns) == 0 {
		s.fail(c, errNoConversation)
		return
	}
	c.Render(http.StatusOK, jsonRender{gin.H{"id": c.Param("id"), "turns": turns}})
}

// turns reads audit rows (with their feedback) matching where, oldest first.
func (a *AppDB) turns(ctx context.Context, where string, args ...any) ([]Turn, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT a.at, a.question, a.status, coalesce(a.answer_id, ''), coalesce(a.unknown, ''),
			coalesce(f.rating, ''), coalesce(a.api_key, ''), coalesce(a.channel, ''), coalesce(a.message, ''), coalesce(a.plan_json, '')
		FROM audit a LEFT JOIN feedback f ON f.answer_id = a.answer_id
		WHERE `+where+` ORDER BY a.at LIMIT 5000`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Turn{}
	for rows.Next() {
		var t Turn
		var unknown, plan string
		if err := rows.Scan(&t.At, &t.Question, &t.Status, &t.AnswerID, &unknown, &t.Rating, &t.Caller, &t.Channel, &t.Message, &plan); err != nil {
			return nil, err
		}
		if plan != "" {
			t.Plan = json.RawMessage(plan)
		}
		if unknown != "" {
			json.Unmarshal([]byte(unknown), &t.Unknown)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// adminOnly refuses everyone but admins.
func (s *Server) adminOnly(c *gin.Context) {
	if !c.GetBool("admin") {
		s.fail(c, newError(CodeForbidden, "只有管理员可以使用 (admins only)", nil))
		return
	}
	c.Next()
}

// QueueGroup is the correction queue's entries for one span not
// understood (or, for answers rated 👎 that were understood, "").
type QueueGroup struct {
	Span    string `json:"span"`
	Count   int    `json:"count"`
	Taught  bool   `json:"taught"` // a teaching in force has this word
	Entries []Turn `json:"entries"`
}

// queue lists the last 30 days' asked-back questions and 👎 answers,
// grouped by the span not understood, most frequent first.
func (s *Server) queue(c *gin.Context) {
	app, ok := s.app(c)
	if !ok {
		return
	}
	since := time.Now().UTC().AddDate(0, 0, -30).Format(time.RFC3339Nano)
	turns, err := app.turns(c.Request.Context(), `a.at >= ? AND a.answer_id IS NOT NULL AND (a.status = 'clarify' OR f.rating = 'down')`, since)
	if err != nil {
		s.fail(c, storeError(err))
		return
	}
	taught := map[string]bool{}
	if ts, err := app.Teachings(c.Request.Context()); err == nil {
		for _, t := range ts {
			if t.UndoneAt == "" {
				taught[t.Word] = true
			}
		}
	}
	groups := map[string]*QueueGroup{}
	for i := len(turns) - 1; i >= 0; i-- { // newest first within a group
		t := turns[i]
		spans := t.Unknown
		if len(spans) == 0 {
			spans = []string{""}
		}
		for _, sp := range spans {
			g := groups[sp]
			if g == nil {
				g = &QueueGroup{Span: sp, Taught: taught[sp]}
				groups[sp] = g
			}
			g.Count++
			if len(g.Entries) < 20 {
				g.Entries = append(g.Entries, t)
			}
		}
	}
	out := []*QueueGroup{}
	for _, g := range groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Span < out[j].Span
	})
	c.Render(http.StatusOK, jsonRender{gin.H{"groups": out}})
}

func (s *Server) teachings(c *gin.Context) {
	app, ok := s.app(c)
	if !ok {
		return
	}
	ts, err := app.Teachings(c.Request.Context())
	if err != nil {
		s.fail(c, storeError(err))
		return
	}
	xs, err := app.Examples(c.Request.Context())
	if err != nil {
		s.fail(c, storeError(err))
		return
	}
	c.Render(http.StatusOK, jsonRender{gin.H{"teachings": ts, "examples": xs}})
}

// teach stores a teaching (201), or refuses one that would change an
// earlier verified answer (409, with those answers).
func (s *Server) teach(c *gin.Context) {
	var t Teaching
	if err := decode(c, &t); err != nil {
		s.fail(c, err)
		return
	}
	t.TaughtBy = c.GetString("caller")
	saved, conflicts, err := s.svc.Teach(c.Request.Context(), t)
	switch {
	case err != nil:
		s.fail(c, err)
	case len(conflicts) > 0:
		c.Render(http.StatusConflict, jsonRender{gin.H{"error": newError(CodeConflict, "这条教学会改变已验证的回答，没有保存", nil), "conflicts": conflicts}})
	default:
		c.Render(http.StatusCreated, jsonRender{saved})
	}
}

func (s *Server) undo(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.fail(c, newError(CodeNotFound, "没有这条教学 (no such teaching)", nil))
		return
	}
	if err := s.svc.Undo(c.Request.Context(), id, c.GetString("caller")); err != nil {
		s.fail(c, err)
		return
	}
	c.Render(http.StatusOK, jsonRender{gin.H{"id": id, "undone": true}})
}

func (s *Server) saveExample(c *gin.Context) {
	var req struct {
		Question string `json:"question"`
	}
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	x, err := s.svc.SaveExample(c.Request.Context(), strings.TrimSpace(req.Question), c.GetString("caller"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Render(http.StatusCreated, jsonRender{x})
}

// Usage is the usage console's figures (GET /api/v1/admin/usage).
type Usage struct {
	Days        []DayUsage `json:"days"`
	Channels    []Count    `json:"channels"`
	TopUnknown  []Count    `json:"top_unknown"`
	TopQuestion []Count    `json:"top_questions"`
}

// DayUsage is one day's questions.
type DayUsage struct {
	Day         string  `json:"day"`
	Questions   int     `json:"questions"`
	Users       int     `json:"users"`
	ClarifyRate float64 `json:"clarify_rate"`
	DownRate    float64 `json:"down_rate"` // 👎 ÷ questions
	P50MS       float64 `json:"p50_ms"`
	P99MS       float64 `json:"p99_ms"`
}

// Count is a label and how often it came.
type Count struct {
	Label string `json:"label"`
	Count int    `json:"count"`
}

// usage aggregates the last 30 days of the audit log.
func (s *Server) usage(c *gin.Context) {
	app, ok := s.app(c)
	if !ok {
		return
	}
	since := time.Now().UTC().AddDate(0, 0, -30).Format(time.RFC3339Nano)
	rows, err := app.db.QueryContext(c.Request.Context(), `SELECT substr(a.at, 1, 10), coalesce(a.api_key, ''), a.status, coalesce(a.duration_ms, 0),
			coalesce(a.unknown, ''), a.question, coalesce(a.channel, ''), coalesce(f.rating, '')
		FROM audit a LEFT JOIN feedback f ON f.answer_id = a.answer_id WHERE a.at >= ? ORDER BY a.at`, since)
	if err != nil {
		s.fail(c, storeError(err))
		return
	}
	defer rows.Close()
	type acc struct {
		n, clarify, down int
		users            map[string]bool
		ms               []float64
	}
	days := map[string]*acc{}
	var order []string
	channels, unknown, questions := map[string]int{}, map[string]int{}, map[string]int{}
	for rows.Next() {
		var day, who, status, unk, q, ch, rating string
		var ms float64
		if err := rows.Scan(&day, &who, &status, &ms, &unk, &q, &ch, &rating); err != nil {
			s.fail(c, storeError(err))
			return
		}
		d := days[day]
		if d == nil {
			d = &acc{users: map[string]bool{}}
			days[day] = d
			order = append(order, day)
		}
		d.n++
		d.users[who] = true
		d.ms = append(d.ms, ms)
		if status == "clarify" {
			d.clarify++
		}
		if rating == "down" {
			d.down++
		}
		channels[orDefault(ch, "api")]++
		questions[q]++
		var spans []string
		json.Unmarshal([]byte(unk), &spans)
		for _, sp := range spans {
			if sp != "" {
				unknown[sp]++
			}
		}
	}
	u := Usage{}
	for _, day := range order {
		d := days[day]
		sort.Float64s(d.ms)
		u.Days = append(u.Days, DayUsage{Day: day, Questions: d.n, Users: len(d.users), ClarifyRate: round4(float64(d.clarify) / float64(d.n)),
			DownRate: round4(float64(d.down) / float64(d.n)), P50MS: pctOf(d.ms, 50), P99MS: pctOf(d.ms, 99)})
	}
	u.Channels, u.TopUnknown, u.TopQuestion = topCounts(channels, 10), topCounts(unknown, 10), topCounts(questions, 10)
	c.Render(http.StatusOK, jsonRender{u})
}

func topCounts(m map[string]int, n int) []Count {
	out := []Count{}
	for k, v := range m {
		out = append(out, Count{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Label < out[j].Label
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// pctOf is the nearest-rank percentile of sorted values.
func pctOf(sorted []float64, k int) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := (k*len(sorted)+99)/100 - 1
	return sorted[max(i, 0)]
}

func round4(v float64) float64 { return float64(int64(v*10000+0.5)) / 10000 }

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
