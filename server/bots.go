package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chatbi/chatbi/nlq"
)

// The bots (Slack, 企业微信) share one mechanism: a conversation per user
// and channel, the same ask pipeline, an answer inline when it is ready
// within the platform's deadline and a later delivery when it is not, a
// de-duplication of platform retries, and one text rendering of an answer.

// botAsk answers a question of principal (slack:TEAM:USER, wecom:CORP:USER)
// in the conversation of place (the user in one channel), created on first
// use. The conversation's id is a keyed hash of the place, so nobody can
// name it through the API, and it belongs to the principal anyway.
func (s *Server) botAsk(ctx context.Context, place, question, principal string) (*Answer, error) {
	id := s.botConversationID(place)
	if _, err := s.svc.Convs.Get(id); errors.Is(err, ErrNoEntry) {
		if err := s.svc.Convs.Put(id, Entry{Owner: principal}); err != nil {
			return nil, storeError(err)
		}
	} else if err != nil {
		return nil, storeError(err)
	}
	limit := 10
	start := time.Now()
	channel, _, _ := strings.Cut(principal, ":") // slack, wecom
	ans, err := s.svc.Ask(ctx, AskRequest{Question: question, ConversationID: id, Limit: &limit, Caller: principal, Channel: channel})
	s.metrics.ask(ans, err, time.Since(start))
	return ans, err
}

func (s *Server) botConversationID(place string) string {
	m := hmac.New(sha256.New, s.cfg.ExportSecret)
	m.Write([]byte("conversation:" + place))
	return "bot-" + hex.EncodeToString(m.Sum(nil)[:16])
}

// withinDeadline runs ask; if it finishes within d, inline gets the
// result; otherwise ack runs at once and later gets the result when ready
// (on its own context, detached from the request's).
func withinDeadline(ctx context.Context, d time.Duration, ask func(context.Context) (*Answer, error),
	inline func(*Answer, error), ack func(), later func(*Answer, error)) {
	type result struct {
		a   *Answer
		err error
	}
	done := make(chan result, 1)
	bg := context.WithoutCancel(ctx)
	go func() {
		a, err := ask(bg)
		done <- result{a, err}
	}()
	select {
	case r := <-done:
		inline(r.a, r.err)
	case <-time.After(d):
		ack()
		go func() {
			r := <-done
			later(r.a, r.err)
		}()
	}
}

// botText renders an answer as plain text for a chat message: the count,
// the explanation, the first rows as a compact table, the export link, or
// for a clarify the message and suggestions.
func (s *Server) botText(a *Answer, err error, maxRows int) string {
	if err != nil {
		return "查询失败：" + AsError(err).Message
	}
	var b strings.Builder
	if a.Status == "clarify" {
		b.WriteString("需要确认：" + a.Clarification.Message)
		if len(a.Clarification.Suggestions) > 0 {
			b.WriteString("\n可以试试：" + strings.Join(a.Clarification.Suggestions, " / "))
		}
		return b.String()
	}
	switch a.AnswerType {
	case nlq.AnswerCustomers:
		fmt.Fprintf(&b, "共 %d 位客户\n", a.Total)
	case nlq.AnswerCount:
		fmt.Fprintf(&b, "%s：%s\n", a.Columns[0], shownText(a.Columns[0], a.Rows[0][0]))
	}
	b.WriteString(a.Explanation + "\n")
	if a.AnswerType != nlq.AnswerCount && len(a.Rows) > 0 {
		b.WriteString(compactTable(a, maxRows))
	}
	b.WriteString(a.StrategyText())
	if a.exportable {
		b.WriteString("完整名单（CSV，1 小时内有效）：" + s.absolute(s.ExportURL(a.AnswerID, "csv")) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// compactTable is the first rows of an answer, a few columns, one line each.
func compactTable(a *Answer, maxRows int) string {
	keep := []int{}
	want := map[string]bool{"customer_id": true, "姓名": true, "城市": true, "RFM分群": true, "消费金额": true}
	for i, c := range a.Columns {
		if a.AnswerType != nlq.AnswerCustomers || want[c] {
			keep = append(keep, i)
		}
	}
	var b strings.Builder
	row := func(cells []string) { b.WriteString(strings.Join(cells, " | ") + "\n") }
	var head []string
	for _, i := range keep {
		head = append(head, a.Columns[i])
	}
	row(head)
	for n, r := range a.Rows {
		if n >= maxRows {
			fmt.Fprintf(&b, "…（共 %d 行）\n", a.Total)
			break
		}
		var cells []string
		for _, i := range keep {
			cells = append(cells, shownText(a.Columns[i], r[i]))
		}
		row(cells)
	}
	return b.String()
}

// shownText is a cell as a person reads it: rates and shares (a column
// named …率 or …占比) are fractions in the API and percents in a message.
func shownText(col string, v any) string {
	if f, ok := v.(float64); ok && (strings.HasSuffix(col, "率") || strings.HasSuffix(col, "占比")) {
		return strconv.FormatFloat(f*100, 'f', 1, 64) + "%"
	}
	return cellText(v)
}

// absolute makes a link absolute with the public base URL.
func (s *Server) absolute(path string) string {
	return strings.TrimRight(s.cfg.PublicURL, "/") + path
}

// seenSet remembers the last n ids (platform retries of one message).
type seenSet struct {
	mu    sync.Mutex
	n     int
	ids   map[string]bool
	order []string
}

func newSeenSet(n int) *seenSet { return &seenSet{n: n, ids: map[string]bool{}} }

// firstTime reports whether id is new, and remembers it.
func (s *seenSet) firstTime(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids[id] {
		return false
	}
	s.ids[id] = true
	s.order = append(s.order, id)
	if len(s.order) > s.n {
		delete(s.ids, s.order[0])
		s.order = s.order[1:]
	}
	return true
}
