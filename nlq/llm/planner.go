package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/chatbi/chatbi/nlq"
	"github.com/chatbi/chatbi/prompts"
	"github.com/chatbi/chatbi/schema"
)

// Errors. Every one of them means "no plan": the caller asks back.
var (
	ErrNotConfigured = errors.New("llm: no model configured")
	ErrCircuitOpen   = errors.New("llm: endpoint failing, circuit open")
	ErrNoToolCall    = errors.New("llm: the model answered without calling submit_plan")
	ErrBadPlan       = errors.New("llm: the model's plan is not valid")
	ErrRefused       = errors.New("llm: the model refused the question")
	// errRequestRefused: the endpoint answered this one request with a
	// non-retryable 4xx; not a sign the endpoint is down.
	errRequestRefused = errors.New("the endpoint refused this request")
)

// Config selects the model. Any OpenAI-compatible endpoint works (OpenAI,
// DeepSeek, Qwen's compatible mode, vLLM, Ollama).
type Config struct {
	BaseURL string        // e.g. https://api.openai.com/v1
	Model   string        // e.g. gpt-4o-mini
	APIKey  string        //
	Timeout time.Duration // per question, retries included; default 20s
	Retries int           // extra attempts on 429/5xx; default 2
	Budget  int           // prompt tokens allowed; default 6000
	// Breaker: after Failures consecutive failures, fail fast for Cooldown.
	Failures int           // default 3
	Cooldown time.Duration // default 30s
}

// FromEnv reads CHATBI_LLM_BASE_URL, CHATBI_LLM_MODEL, CHATBI_LLM_API_KEY,
// CHATBI_LLM_TIMEOUT (seconds) and CHATBI_LLM_CONTEXT (tokens). ok is false
// when no model is configured.
func FromEnv() (Config, bool) {
	c := Config{BaseURL: os.Getenv("CHATBI_LLM_BASE_URL"), Model: os.Getenv("CHATBI_LLM_MODEL"), APIKey: os.Getenv("CHATBI_LLM_API_KEY")}
	if s, err := strconv.Atoi(os.Getenv("CHATBI_LLM_TIMEOUT")); err == nil && s > 0 {
		c.Timeout = time.Duration(s) * time.Second
	}
	if n, err := strconv.Atoi(os.Getenv("CHATBI_LLM_CONTEXT")); err == nil && n > 0 {
		c.Budget = n
	}
	return c, c.BaseURL != "" && c.Model != ""
}

// Call is what one planning call cost, for metrics.
type Call struct {
	PromptTokens, CompletionTokens int
	Duration                       time.Duration
	Outcome                        string // ok, invalid, no_tool_call, error, circuit_open, refused
}

// Planner asks a model for Plans.
type Planner struct {
	cfg      Config
	client   *openai.Client
	engine   *nlq.Engine
	current  func() *nlq.Engine // nil: engine
	examples []prompts.Example
	observe  func(Call)

	mu       sync.Mutex
	failures int
	openTill time.Time
	now      func() time.Time
}

// exampleQuestions become worked examples: the rule parser plans them on the
// warehouse's own catalog, so examples always use its terms and are valid.
var exampleQuestions = []string{
	"过去3个月买过口红没买过粉底液的重要价值客户",
	"近30天在门店买过面膜的女性客户有多少",
	"从未买过面霜的重要保持客户",
	"近一年消费超过3000元的客户",
	"各城市的重要价值客户数量",
	"近3个月消费金额前10的客户",
}

// New makes a planner for an engine's catalog. observe (may be nil) gets
// every call's cost.
func New(cfg Config, engine *nlq.Engine, observe func(Call)) *Planner {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 20 * time.Second
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	} else if cfg.Retries == 0 {
		cfg.Retries = 2
	}
	if cfg.Budget <= 0 {
		cfg.Budget = 6000
	}
	if cfg.Failures <= 0 {
		cfg.Failures = 3
	}
	if cfg.Cooldown <= 0 {
		cfg.Cooldown = 30 * time.Second
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	oc.HTTPClient = &http.Client{Timeout: cfg.Timeout}
	p := &Planner{cfg: cfg, client: openai.NewClientWithConfig(oc), engine: engine, observe: observe, now: time.Now}
	asOf := nlq.D(engine.Catalog.AsOf)
	for _, q := range exampleQuestions {
		if plan, err := engine.Parse(q, asOf, nil); err == nil {
			b, _ := json.Marshal(plan)
			p.examples = append(p.examples, prompts.Example{Question: q, Plan: string(b)})
		}
	}
	return p
}

// Follow makes the planner use current()'s catalog for every call instead
// of the engine it was made with: a server that switches to a newly
// published warehouse passes its own accessor.
func (p *Planner) Follow(current func() *nlq.Engine) *Planner {
	p.current = current
	return p
}

func (p *Planner) eng() *nlq.Engine {
	if p.current != nil {
		return p.current()
	}
	return p.engine
}

// Prompt renders the prompt for a question (exported for golden tests).
func (p *Planner) Prompt(question string, asOf nlq.Date, prev *nlq.Plan) (*prompts.Prompt, error) {
	cat := p.eng().Catalog
	in := prompts.Input{Question: question, AsOf: asOf.String(), Examples: p.examples, Segments: segmentText(p.eng())}
	if prev != nil {
		b, _ := json.Marshal(prev)
		in.Previous = string(b)
	}
	var rfm, lc []string
	for _, c := range cat.Model.RFM {
		rfm = append(rfm, c.Name)
	}
	for _, st := range cat.Model.Lifecycle.Stages() {
		lc = append(lc, st.Name)
	}
	for _, s := range []prompts.Section{
		{Name: "RFM分群（kind=rfm）", Values: rfm}, {Name: "生命周期（kind=lifecycle）", Values: lc},
		{Name: "品类 category", Values: cat.Categories}, {Name: "大类 category_l1", Values: cat.CategoriesL1},
		{Name: "品牌 brand", Values: cat.Brands}, {Name: "城市 city", Values: cat.Cities}, {Name: "省份 province", Values: cat.Provinces},
		{Name: "会员等级 member_level", Values: cat.MemberLevels}, {Name: "购买渠道 channels", Values: cat.Channels},
		{Name: "注册渠道 register_channel", Values: cat.RegisterChannels}, {Name: "商品 product", Values: cat.Products},
	} {
		in.Catalog = append(in.Catalog, s)
	}
	return prompts.Render(in, p.cfg.Budget)
}

func segmentText(e *nlq.Engine) string {
	l := e.Catalog.Model.Lifecycle
	return fmt.Sprintf("RFM 八类按 R（距最近购买天数，≤均值为高）、F（订单数，≥均值为高）、M（消费金额，≥均值为高）划分；生命周期：%s=首购 %d 天内，%s=最近购买 %d 天内，%s=%d–%d 天，%s=%d 天及以上，%s=从未购买。"+
		"行为标签 kind=tag，values 取 %s（按近12个月的订单计算，一位客户可有多个或没有）；按行为标签分组用 group_by=tag。",
		l.New.Name, l.NewDays, l.Active.Name, l.ActiveDays, l.Silent.Name, l.ActiveDays, l.SilentDays-1, l.Lost.Name, l.SilentDays, l.NeverBuyer.Name,
		strings.Join(schema.BehaviourTags, "、"))
}

const toolName = "submit_plan"

// Plan asks the model for a plan and validates it. Errors (all mean "ask
// back"): ErrCircuitOpen, ErrNoToolCall, ErrBadPlan, ErrRefused, or the
// endpoint's error after retries.
func (p *Planner) Plan(ctx context.Context, question string, asOf nlq.Date, prev *nlq.Plan) (*nlq.Plan, error) {
	start := p.now()
	call := Call{Outcome: "error"}
	defer func() {
		call.Duration = p.now().Sub(start)
		if p.observe != nil {
			p.observe(call)
		}
	}()
	if !p.allow() {
		call.Outcome = "circuit_open"
		return nil, ErrCircuitOpen
	}
	prompt, err := p.Prompt(question, asOf, prev)
	if err != nil {
		return nil, err
	}
	req := openai.ChatCompletionRequest{
		Model: p.cfg.Model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: prompt.System},
			{Role: openai.ChatMessageRoleUser, Content: prompt.User},
		},
		Tools: []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: toolName, Description: "提交问题对应的查询 Plan", Parameters: nlq.PlanSchema()}}},
		ToolChoice:  openai.ToolChoice{Type: openai.ToolTypeFunction, Function: openai.ToolFunction{Name: toolName}},
		Temperature: 0,
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	resp, err := p.complete(ctx, req)
	if err != nil {
		if !errors.Is(err, errRequestRefused) {
			p.record(false)
		}
		return nil, err
	}
	p.record(true)
	call.PromptTokens, call.CompletionTokens = resp.Usage.PromptTokens, resp.Usage.CompletionTokens
	plan, err := p.decode(resp, asOf)
	switch {
	case errors.Is(err, ErrNoToolCall):
		call.Outcome = "no_tool_call"
	case errors.Is(err, ErrRefused):
		call.Outcome = "refused"
	case err != nil:
		call.Outcome = "invalid"
	default:
		call.Outcome = "ok"
	}
	return plan, err
}

// complete sends the request, retrying 429 and 5xx with backoff.
func (p *Planner) complete(ctx context.Context, req openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error) {
	backoff := 200 * time.Millisecond
	for attempt := 0; ; attempt++ {
		resp, err := p.client.CreateChatCompletion(ctx, req)
		if err == nil {
			return resp, nil
		}
		var apiErr *openai.APIError
		var reqErr *openai.RequestError
		code := 0
		switch {
		case errors.As(err, &apiErr):
			code = apiErr.HTTPStatusCode
		case errors.As(err, &reqErr):
			code = reqErr.HTTPStatusCode
		}
		retryable := code == http.StatusTooManyRequests || code >= 500
		if !retryable || attempt >= p.cfg.Retries || ctx.Err() != nil {
			if code >= 400 && code < 500 && !retryable && code != http.StatusRequestTimeout {
				// This request was refused (too long, malformed, a policy
				// word): the endpoint is up, so the breaker must not open
				// for everyone else.
				return resp, fmt.Errorf("llm: %w: %w", errRequestRefused, err)
			}
			return resp, fmt.Errorf("llm: %w", err)
		}
		select {
		case <-ctx.Done():
			return resp, fmt.Errorf("llm: %w", ctx.Err())
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}

// decode takes the plan from the tool call: strictly (no unknown field),
// as_of forced to the request's, then checked against the catalog.
func (p *Planner) decode(resp openai.ChatCompletionResponse, asOf nlq.Date) (*nlq.Plan, error) {
	if len(resp.Choices) == 0 {
		return nil, ErrNoToolCall
	}
	var args string
	for _, tc := range resp.Choices[0].Message.ToolCalls {
		if tc.Function.Name == toolName {
			args = tc.Function.Arguments
			break
		}
	}
	if args == "" {
		return nil, ErrNoToolCall
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(args)))
	dec.DisallowUnknownFields()
	plan := &nlq.Plan{}
	if err := dec.Decode(plan); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPlan, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the plan", ErrBadPlan)
	}
	for _, n := range plan.Notes {
		if n == "refuse" {
			return nil, ErrRefused
		}
	}
	if err := bounded(plan); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPlan, err)
	}
	plan.AsOf = asOf
	plan.Notes = modelNotes(plan.Notes)
	if err := p.eng().Check(plan); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPlan, err)
	}
	if err := sane(plan); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPlan, err)
	}
	return plan, nil
}

// Bounds on what a model's plan may carry: no list a question could need is
// longer, and a longer one is a model run away (or steered).
const (
	maxListLen  = 20  // values, items, kinds, channels, measures
	maxNotes    = 3   // model notes kept
	maxNoteRune = 120 // runes of one model note
)

// bounded rejects a plan with a list longer than maxListLen anywhere.
func bounded(p *nlq.Plan) error {
	long := func(what string, n int) error {
		if n > maxListLen {
			return fmt.Errorf("%s has %d entries (at most %d)", what, n, maxListLen)
		}
		return nil
	}
	if err := long("measures", len(p.Measures)); err != nil {
		return err
	}
	if err := long("notes", len(p.Notes)); err != nil {
		return err
	}
	var err error
	nlq.Walk(p.Filter, func(n *nlq.Node) {
		if err == nil {
			err = long("an and/or", len(n.Kids))
		}
		if n.Cond == nil || err != nil {
			return
		}
		c := n.Cond
		for _, l := range []struct {
			what string
			n    int
		}{{"values", len(c.Values)}, {"items", len(c.Items)}, {"channels", len(c.Channels)}} {
			if err == nil {
				err = long(l.what, l.n)
			}
		}
		for _, it := range c.Items {
			if err == nil {
				err = long("item kinds", len(it.Kinds))
			}
		}
	})
	return err
}

// modelNotes turns the model's own notes into plainly marked model text,
// few and short, after the line saying the plan was checked: the
// explanation's trusted part is what the rules render from the plan, never
// the model's prose.
func modelNotes(notes []string) []string {
	out := []string{"此问题由大模型规划，已按目录和规则校验"}
	for _, n := range notes {
		n = strings.TrimSpace(nlq.StripFormat(n))
		if n == "" || len(out) > maxNotes {
			continue
		}
		if r := []rune(n); len(r) > maxNoteRune {
			n = string(r[:maxNoteRune]) + "…"
		}
		out = append(out, "〔大模型附注，未经核实〕"+n)
	}
	return out
}

// sane rejects plans that pass the catalog but not common sense: a window
// past the as-of date or absurdly old, or a bare "every customer" list (a
// question the rule parser could not read is never that).
func sane(p *nlq.Plan) error {
	check := func(w *nlq.Window) error {
		if w == nil {
			return nil
		}
		if w.To.After(p.AsOf.Time) || w.From.Year() < 1990 {
			return fmt.Errorf("time window %s..%s outside the data", w.From, w.To)
		}
		return nil
	}
	if err := check(p.Window); err != nil {
		return err
	}
	var err error
	nlq.Walk(p.Filter, func(n *nlq.Node) {
		if n.Cond != nil && err == nil {
			err = check(n.Cond.Window)
		}
	})
	if err != nil {
		return err
	}
	if p.Filter == nil && p.GroupBy == "" && len(p.Measures) == 0 && p.Sort == nil {
		return errors.New("a plan with no condition lists every customer")
	}
	return nil
}

// allow reports whether a call may go out (closed, or half-open after the cooldown).
func (p *Planner) allow() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failures < p.cfg.Failures || p.now().After(p.openTill)
}

// record counts a call's success or failure for the breaker.
func (p *Planner) record(ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ok {
		p.failures = 0
		return
	}
	p.failures++
	if p.failures >= p.cfg.Failures {
		p.openTill = p.now().Add(p.cfg.Cooldown)
	}
}
