package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/nlq"
	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/server/strategy"
)

// AskRequest is the body of POST /api/v1/ask (spec api.md).
type AskRequest struct {
	Question       string `json:"question"`
	ConversationID string `json:"conversation_id,omitempty"`
	AsOf           string `json:"as_of,omitempty"`
	Limit          *int   `json:"limit,omitempty"`
	Offset         *int   `json:"offset,omitempty"`

	// Caller is the principal asking: an API key's fingerprint, "local"
	// without keys, slack:TEAM:USER or wecom:CORP:USER. It owns the
	// conversation and the answers, and is what the audit log records.
	Caller string `json:"-"`
	// Channel is where the question came from: page, api, slack, wecom,
	// cli (the usage console counts by it).
	Channel string `json:"-"`
}

// Answer is the ask answer (spec api.md).
type Answer struct {
	Status         string         `json:"status"` // ok | clarify
	ConversationID string         `json:"conversation_id"`
	AnswerType     nlq.AnswerType `json:"answer_type,omitempty"`
	Explanation    string         `json:"explanation"`
	SQL            string         `json:"sql,omitempty"`
	SQLInlined     string         `json:"sql_inlined,omitempty"` // the SQL with its values written in, to paste elsewhere (never run)
	Params         []any          `json:"params,omitempty"`
	Columns        []string       `json:"columns"`
	Rows           [][]any        `json:"rows"`
	Total          int            `json:"total"`
	Clarification  *Clarification `json:"clarification,omitempty"`
	ElapsedMS      float64        `json:"elapsed_ms"`
	Planner        string         `json:"planner"`
	AnswerID       string         `json:"answer_id,omitempty"` // names this answer for its export
	Export         *ExportLinks   `json:"export,omitempty"`    // signed download links (HTTP only)
	// Strategies: the suggested action for each segment the answer's
	// conditions name (server/strategy); empty when none is named.
	Strategies []strategy.Suggestion `json:"strategies,omitempty"`
	exportable bool                  // a list or table whose whole rows can be exported (AnswerID names the stored plan)
	// Insight: for a why question (为什么流失客户变多了), the metric then and
	// now and the summary; the drivers are the rows.
	Insight *Insight  `json:"insight,omitempty"`
	Plan    *nlq.Plan `json:"plan,omitempty"`
}

// ExportLinks are signed, expiring download links for a whole answer.
type ExportLinks struct {
	CSV     string `json:"csv"`
	XLSX    string `json:"xlsx"`
	Expires int64  `json:"expires"`
}

// Clarification says what was not understood.
type Clarification struct {
	Message     string         `json:"message"`
	Unknown     []nlq.Unplaced `json:"unknown"`
	Suggestions []string       `json:"suggestions"`
}

// Service answers questions over one warehouse.
type Service struct {
	wh       *warehouse
	admit    *admission
	budget   time.Duration
	Convs    Conversations
	Audit    Auditor    // nil: no audit log
	LLM      LLMPlanner // nil: rules only
	MaxLimit int        // largest page; default 10000
	// Strategies: the suggested action per segment; nil: the embedded
	// default table.
	Strategies *strategy.Table
	// App is the app database, for feedback, teachings, the correction
	// queue, usage and history (nil: those are unavailable).
	App *AppDB
	// NoCache runs every statement (the benchmark measures the engine).
	NoCache bool
}

var defaultStrategies = sync.OnceValue(strategy.Default)

func (s *Service) strategies() *strategy.Table {
	if s.Strategies != nil {
		return s.Strategies
	}
	return defaultStrategies()
}

// LLMPlanner proposes a validated Plan for a question the rules could not
// place (package nlq/llm); any error means "ask back".
type LLMPlanner interface {
	Plan(ctx context.Context, question string, asOf nlq.Date, prev *nlq.Plan) (*nlq.Plan, error)
}

// Engine is the engine of the warehouse being served now.
func (s *Service) Engine() *nlq.Engine { return s.wh.current().Engine }

// Exec is the executor of the warehouse being served now.
func (s *Service) Exec() *executor.Executor { return s.wh.current().Exec }

// NewService opens a warehouse read-only and builds its engine.
func NewService(ctx context.Context, path string, opt executor.Options) (*Service, error) {
	return NewServiceWith(ctx, path, opt, nil)
}

// NewServiceWith is NewService with a retailer's own words (nlq.ParseLexicon)
// on top of the core lexicon, for this warehouse and every one published
// after it.
func NewServiceWith(ctx context.Context, path string, opt executor.Options, lex []nlq.Entry) (*Service, error) {
	wh, err := openWarehouse(ctx, path, opt, lex)
	if err != nil {
		return nil, err
	}
	return newService(wh, opt), nil
}

func newService(wh *warehouse, opt executor.Options) *Service {
	budget := opt.Timeout
	if budget <= 0 {
		budget = 5 * time.Second
	}
	return &Service{wh: wh, admit: newAdmission(0, 0), budget: budget,
		Convs: NewMemoryConversations(10000), MaxLimit: opt.MaxRows}
}

// NewServiceOn serves an engine already opened — a ClickHouse pool through
// executor.OpenClickHouse: the catalog is read through it and questions
// compile to its dialect. A new import is published into the engine
// itself (schema/clickhouse) with a new mark in its meta table; the
// service looks at the mark at most once a second and serves the new copy
// (catalog and answer cache anew) when it changes. Closing the service
// closes x.
func NewServiceOn(ctx context.Context, x *executor.Executor, opt executor.Options, lex []nlq.Entry) (*Service, error) {
	v, err := newView(ctx, x, lex)
	if err != nil {
		return nil, err
	}
	v.shared = true // a view retired for a newer one leaves the pool open
	w := &warehouse{fixed: x, opt: opt, lex: lex, log: slog.New(slog.DiscardHandler)}
	w.cur.Store(v)
	w.lastCheck.Store(time.Now().UnixNano())
	return newService(w, opt), nil
}

// SetAdmission bounds the statements run at once (n) and how long a
// question waits for a slot before a 503; zero keeps a default.
func (s *Service) SetAdmission(n int, wait time.Duration) { s.admit = newAdmission(n, wait) }

// run runs a statement on a view once admitted.
func (s *Service) run(ctx context.Context, v *view, st executor.Statement) (*executor.Result, error) {
	key := cacheKey(st)
	if !s.NoCache {
		if r, ok := v.cache.get(key); ok {
			return r, nil
		}
	}
	leave, err := s.admit.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	var r *executor.Result
	err = s.wh.readOneCopy(ctx, v, func() (err error) {
		r, err = v.Exec.Run(ctx, st)
		return err
	})
	if err != nil {
		return nil, err
	}
	v.cache.put(key, r)
	return r, nil
}

// SetLogger logs the service's warehouse switches to log.
func (s *Service) SetLogger(log *slog.Logger) { s.wh.log = log }

// Close releases the warehouse.
func (s *Service) Close() error { return s.wh.close() }

// Ask answers one question. A question that is not fully understood is a
// clarify answer (status 200) and runs nothing; a bad request is an *Error
// with code invalid_request and runs nothing. The time budget covers the
// whole request (store, queue and statement). Every question is audited,
// and an answer whose audit record cannot be written is not given (503).
func (s *Service) Ask(ctx context.Context, req AskRequest) (*Answer, error) {
	start := time.Now()
	if req.Caller == "" {
		req.Caller = LocalPrincipal
	}
	bctx, cancel := context.WithTimeout(ctx, s.budget)
	defer cancel()
	ans, err := s.ask(bctx, req, start)
	// A ClickHouse copy being published (a second or two): wait for it
	// within the budget and answer from the new copy.
	for errors.Is(err, errRepublished) && pause(bctx, 100*time.Millisecond) {
		ans, err = s.ask(bctx, req, start)
	}
	if err != nil && ctx.Err() == context.Canceled {
		err = newError(CodeCanceled, "请求已取消 (client went away)", err)
	}
	if s.Audit != nil {
		r := AuditRecord{At: start, Key: req.Caller, Question: req.Question, Duration: time.Since(start), Planner: "rules", Channel: req.Channel}
		if err != nil {
			r.Status, r.Error = AsError(err).Code, err.Error()
		} else {
			r.Status, r.Planner, r.SQL, r.Rows, r.Total = ans.Status, ans.Planner, ans.SQL, len(ans.Rows), ans.Total
			r.AnswerID, r.ConversationID, r.Plan = ans.AnswerID, ans.ConversationID, ans.Plan
			if ans.Clarification != nil {
				r.Message = ans.Clarification.Message
				for _, u := range ans.Clarification.Unknown {
					r.Unknown = append(r.Unknown, u.Text)
				}
				if len(r.Unknown) == 0 {
					r.Unknown = []string{""} // asked back as a whole (a plan it cannot run)
				}
			}
		}
		if aerr := s.Audit.Audit(ctx, r); aerr != nil && err == nil {
			return nil, storeError(aerr)
		}
	}
	return ans, err
}

// pause waits d, or less if ctx ends first: then it reports false.
func pause(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// LocalPrincipal owns what is asked without API keys (a loopback service).
const LocalPrincipal = "local"

// storeError is the caller's error for a failed app-database read or write.
func storeError(err error) *Error {
	return retryError(CodeUnavailable, "服务暂时无法记录会话或审计，请稍后再试 (app database unavailable)", 2, err)
}

// owned returns a stored entry if it exists and belongs to owner; anyone
// else is told it does not exist.
func owned(get func(string) (Entry, error), id, owner string, missing *Error) (Entry, error) {
	e, err := get(id)
	switch {
	case errors.Is(err, ErrNoEntry):
		return e, missing
	case err != nil:
		return e, storeError(err)
	case e.Owner != owner:
		return e, missing
	}
	return e, nil
}

var (
	errNoConversation = newError(CodeNotFound, "会话不存在或已过期 (unknown conversation_id)", nil)
	errNoAnswer       = newError(CodeNotFound, "找不到这个回答，可能已过期 (unknown answer)", nil)
)

func (s *Service) ask(ctx context.Context, req AskRequest, start time.Time) (*Answer, error) {
	q := strings.TrimSpace(nlq.StripFormat(req.Question))
	maxLimit := s.MaxLimit
	if maxLimit <= 0 {
		maxLimit = 10000
	}
	page := nlq.Page{Limit: 50}
	switch {
	case !utf8.ValidString(req.Question):
		return nil, newError(CodeInvalid, "问题不是合法的 UTF-8 文本 (question is not valid UTF-8)", nil)
	case q == "":
		return nil, newError(CodeInvalid, "问题不能为空 (question is empty)", nil)
	case utf8.RuneCountInString(q) > nlq.MaxQuestionRunes:
		return nil, newError(CodeInvalid, fmt.Sprintf("问题不能超过 %d 个字 (question longer than %d characters)", nlq.MaxQuestionRunes, nlq.MaxQuestionRunes), nil)
	}
	if req.Limit != nil {
		if *req.Limit < 1 || *req.Limit > maxLimit {
			return nil, newError(CodeInvalid, fmt.Sprintf("limit 必须在 1 到 %d 之间 (limit must be 1..%d)", maxLimit, maxLimit), nil)
		}
		page.Limit = *req.Limit
	}
	if req.Offset != nil {
		if *req.Offset < 0 || *req.Offset > 100_000_000 {
			return nil, newError(CodeInvalid, "offset 必须是非负整数 (offset must be ≥ 0)", nil)
		}
		page.Offset = *req.Offset
	}
	v := s.wh.acquire(ctx)
	defer v.release()
	asOf := nlq.D(v.Engine.Catalog.AsOf)
	if req.AsOf != "" {
		t, err := schema.ParseDate(req.AsOf)
		if err != nil {
			return nil, newError(CodeInvalid, "as_of 必须是 YYYY-MM-DD 日期 (as_of must be YYYY-MM-DD)", nil)
		}
		asOf = nlq.D(t)
	}
	var prev *nlq.Plan
	convID := req.ConversationID
	if convID != "" {
		conv, err := owned(s.Convs.Get, convID, req.Caller, errNoConversation)
		if err != nil {
			return nil, err
		}
		prev = conv.Plan
		if req.AsOf != "" && prev != nil {
			prev = prev.Clone()
			prev.AsOf = asOf
		}
	} else {
		convID = newID() // stored with the answer below: one write, not two
	}
	// Every answer has an id, a clarify or a count too: feedback names it.
	ans := &Answer{ConversationID: convID, AnswerID: newID(), Planner: "rules", Columns: []string{}, Rows: [][]any{}}
	defer func() { ans.ElapsedMS = float64(time.Since(start).Microseconds()) / 1000 }()
	// askBack answers clarify and, for a new conversation, stores it (with
	// no plan) so that the next turn can name it.
	askBack := func(err error) (*Answer, error) {
		a, err := s.clarify(ans, err)
		if err == nil && req.ConversationID == "" {
			if err := s.Convs.Put(convID, Entry{Owner: req.Caller}); err != nil {
				return nil, storeError(err)
			}
		}
		return a, err
	}

	cohorts, err := s.cohortsIn(ctx, req.Caller, q)
	if err != nil {
		return nil, err
	}
	plan, err := v.Engine.ParseWith(q, asOf, prev, cohorts)
	var ue *nlq.UnplacedError
	if errors.As(err, &ue) && s.LLM != nil && !ue.Forbidden() {
		// Rules first; the model only for what they could not place. Its
		// plan is checked like any other; if it fails, the rules' clarify stands.
		if lp, lerr := s.LLM.Plan(ctx, q, asOf, prev); lerr == nil {
			plan, err, ans.Planner = lp, nil, "llm"
		}
	}
	if err != nil {
		return askBack(err)
	}
	if plan.Why != nil {
		convPlan, err := s.answerWhy(ctx, v, plan, ans)
		if err != nil {
			return nil, err
		}
		if err := s.Convs.Put(convID, Entry{Owner: req.Caller, Plan: convPlan}); err != nil {
			return nil, storeError(err)
		}
		ans.Plan = plan
		return ans, nil
	}
	query, err := v.Engine.Compile(plan, page)
	if err != nil {
		return askBack(err)
	}
	res, err := s.run(ctx, v, executor.Statement{SQL: query.SQL, Args: query.Args, PII: query.PII, TotalColumn: query.TotalColumn})
	if err != nil {
		return nil, mapRunError(err)
	}
	if plan.Answer == nlq.AnswerCustomers && len(res.Rows) == 0 && page.Offset > 0 {
		// Past the last page the window count has no row to ride on.
		res.Total = -1
	}
	if err := s.Convs.Put(convID, Entry{Owner: req.Caller, Plan: plan}); err != nil {
		return nil, storeError(err)
	}
	ans.Status = "ok"
	ans.AnswerType = plan.Answer
	ans.Explanation = v.Engine.Explain(plan)
	ans.SQL, ans.Params = query.SQL, query.Args
	ans.SQLInlined = InlineSQL(query.SQL, query.Args)
	ans.Columns, ans.Rows, ans.Total = res.Columns, res.Rows, res.Total
	if ans.Rows == nil {
		ans.Rows = [][]any{} // the spec's rows are an array, empty or not
	}
	if ans.Total < 0 {
		ans.Total, err = s.total(ctx, v, plan)
		if err != nil {
			return nil, mapRunError(err)
		}
	}
	ans.Plan = plan
	ans.Strategies = s.strategies().For(plan.Segments())
	if plan.Answer != nlq.AnswerCount {
		// Its pages and exports re-run the stored plan.
		ans.exportable = true
		if err := s.Convs.PutAnswer(ans.AnswerID, Entry{Owner: req.Caller, Plan: plan}); err != nil {
			return nil, storeError(err)
		}
	}
	return ans, nil
}

// StrategyText is a line per suggested action, for a text reply (a bot's,
// the terminal's).
func (a *Answer) StrategyText() string {
	var b strings.Builder
	for _, sg := range a.Strategies {
		b.WriteString("运营建议（" + sg.Segment + "）：" + sg.Action + "\n")
	}
	return b.String()
}

// total counts a customer plan's rows (for a page past the end).
func (s *Service) total(ctx context.Context, v *view, plan *nlq.Plan) (int, error) {
	cp := plan.Clone()
	cp.Answer = nlq.AnswerCount
	cp.Measures = nil
	if cp.Limit > 0 {
		return 0, nil
	}
	q, err := v.Engine.Compile(cp, nlq.Page{})
	if err != nil {
		return 0, err
	}
	res, err := s.run(ctx, v, executor.Statement{SQL: q.SQL, Args: q.Args})
	if err != nil || len(res.Rows) == 0 {
		return 0, err
	}
	n, _ := res.Rows[0][0].(int64)
	return int(n), nil
}

// clarify turns a parse or plan error into a clarify answer; other errors
// (not a question at all) stay errors.
func (s *Service) clarify(ans *Answer, err error) (*Answer, error) {
	var ue *nlq.UnplacedError
	var pe *nlq.PlanError
	switch {
	case errors.As(err, &ue):
		ans.Status = "clarify"
		ans.Clarification = &Clarification{Message: ue.Message(), Unknown: ue.List, Suggestions: ue.Suggestions()}
		if len(ans.Clarification.Suggestions) == 0 {
			ans.Clarification.Suggestions = nlq.ExampleQuestions
		}
		ans.Explanation = ue.Message()
		return ans, nil
	case errors.As(err, &pe):
		ans.Status = "clarify"
		ans.Clarification = &Clarification{Message: pe.Msg, Unknown: []nlq.Unplaced{}, Suggestions: pe.Suggestions}
		if ans.Clarification.Suggestions == nil {
			ans.Clarification.Suggestions = nlq.ExampleQuestions
		}
		ans.Explanation = pe.Msg
		return ans, nil
	case errors.Is(err, nlq.ErrEmpty), errors.Is(err, nlq.ErrTooLong), errors.Is(err, nlq.ErrNotUTF8):
		return nil, newError(CodeInvalid, err.Error(), err)
	}
	return nil, newError(CodeInternal, "服务内部错误", err)
}

func newID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// mapRunError turns an executor error into the caller's error.
func mapRunError(err error) *Error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, context.DeadlineExceeded):
		return newError(CodeTimeout, "查询超过时间预算，请缩小范围后再试 (query ran past its time budget)", err)
	case errors.Is(err, executor.ErrTimeout):
		return newError(CodeTimeout, "查询超过时间预算，请缩小范围后再试 (query ran past its time budget)", err)
	case errors.Is(err, executor.ErrTooMany):
		return newError(CodeTooMany, "结果行数超过上限，请缩小范围或使用导出 (too many rows)", err)
	case errors.Is(err, executor.ErrUnavailable):
		return newError(CodeUnavailable, "数据仓库的一部分（ClickHouse 分片）暂时连不上，没有给出可能不完整的名单，请稍后再试 (a warehouse shard is unreachable)", err)
	}
	return newError(CodeInternal, "查询执行失败", err)
}

// Page returns another page of an earlier answer, re-running its stored
// plan (a follow-up is never applied twice). Errors: not_found for an
// unknown answer or another principal's, invalid_request for a bad limit
// or offset.
func (s *Service) Page(ctx context.Context, caller, answerID string, limit, offset int) (*Answer, error) {
	start := time.Now()
	if caller == "" {
		caller = LocalPrincipal
	}
	ctx, cancel := context.WithTimeout(ctx, s.budget)
	defer cancel()
	stored, err := owned(s.Convs.GetAnswer, answerID, caller, errNoAnswer)
	if err != nil {
		return nil, err
	}
	plan := stored.Plan
	maxLimit := s.MaxLimit
	if maxLimit <= 0 {
		maxLimit = 10000
	}
	if limit < 1 || limit > maxLimit || offset < 0 {
		return nil, newError(CodeInvalid, fmt.Sprintf("limit 必须在 1 到 %d 之间，offset 不能为负 (bad limit/offset)", maxLimit), nil)
	}
	v := s.wh.acquire(ctx)
	defer v.release()
	q, err := v.Engine.Compile(plan, nlq.Page{Limit: limit, Offset: offset})
	if err != nil {
		return nil, newError(CodeInvalid, err.Error(), err)
	}
	res, err := s.run(ctx, v, executor.Statement{SQL: q.SQL, Args: q.Args, PII: q.PII, TotalColumn: q.TotalColumn})
	if err != nil {
		return nil, mapRunError(err)
	}
	ans := &Answer{Status: "ok", AnswerType: plan.Answer, AnswerID: answerID, Explanation: v.Engine.Explain(plan),
		SQL: q.SQL, Params: q.Args, Columns: res.Columns, Rows: res.Rows, Total: res.Total, Planner: "rules"}
	if len(res.Rows) == 0 && offset > 0 && plan.Answer == nlq.AnswerCustomers {
		if ans.Total, err = s.total(ctx, v, plan); err != nil {
			return nil, mapRunError(err)
		}
	}
	if ans.Rows == nil {
		ans.Rows = [][]any{}
	}
	ans.ElapsedMS = float64(time.Since(start).Microseconds()) / 1000
	return ans, nil
}
