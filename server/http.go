package server

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/chatbi/chatbi/nlq/llm"
	"github.com/chatbi/chatbi/server/wecom"
)

// MaxBodyBytes bounds a request body; a question is at most 500 characters.
const MaxBodyBytes = 64 << 10

// Config is the HTTP surface's settings.
type Config struct {
	Keys         []string      // API keys; empty: no auth (loopback only, see cmd)
	AdminKeys    []string      // keys that may also use the admin pages (CHATBI_ADMIN_KEYS); without any key the local user is admin
	Rate         float64       // requests per second per key (or client IP); 0: 10
	Burst        int           // bucket size; 0: 20
	ExportSecret []byte        // signs export links; empty: a random secret per process
	ExportTTL    time.Duration // export links live this long; 0: 1 hour
	Log          *slog.Logger  // nil: discard
	Now          func() time.Time
	PublicURL    string // the service's external base URL, for links in bot replies
	Slack        SlackConfig
	WeCom        WeComConfig
	Limits       Limits // zero fields: DefaultLimits
}

// Server is the HTTP surface over a Service.
type Server struct {
	svc     *Service
	cfg     Config
	log     *slog.Logger
	metrics *metrics
	engine  *gin.Engine

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
	inflight *inFlight
	exports  chan struct{} // a slot per export streaming now
	conns    *connGuard    // set by HTTPServer

	slackSeen   *seenSet
	wecomSeen   *seenSet
	wecomCrypto *wecom.Crypto
}

// New builds the HTTP surface: the ask API, catalog and segments, exports,
// the chat page, the bots, health and metrics, behind request ids, logging,
// metrics, keys and rate limits. Errors: a malformed bot setting.
func New(svc *Service, cfg Config) *Server {
	s, err := NewServer(svc, cfg)
	if err != nil {
		panic(err)
	}
	return s
}

// NewServer is New returning a configuration error instead of panicking.
func NewServer(svc *Service, cfg Config) (*Server, error) {
	if cfg.Rate <= 0 {
		cfg.Rate = 10
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 20
	}
	if len(cfg.ExportSecret) == 0 {
		cfg.ExportSecret = make([]byte, 32)
		rand.Read(cfg.ExportSecret)
	}
	if cfg.ExportTTL <= 0 {
		cfg.ExportTTL = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg.Limits = cfg.Limits.withDefaults()
	gin.SetMode(gin.ReleaseMode)
	s := &Server{svc: svc, cfg: cfg, log: cfg.Log, metrics: newMetrics(), limiters: map[string]*rate.Limiter{},
		inflight: &inFlight{max: cfg.Limits.MaxInFlight, n: map[string]int{}},
		exports:  make(chan struct{}, cfg.Limits.MaxExports)}
	r := gin.New()
	r.Use(gin.Recovery(), s.requestID, s.observe, s.sameOrigin)
	r.GET("/healthz", s.health)
	r.GET("/metrics", gin.WrapH(s.metrics.handler()))
	api := r.Group("/api/v1")
	api.GET("/export/:file", s.exportAuth, s.limit, s.capInFlight, s.export) // a signed link authorizes itself
	api.Use(s.auth, s.limit, s.capInFlight)
	api.POST("/ask", s.jsonOnly, s.ask)
	api.GET("/openapi.json", s.openapi)
	api.GET("/catalog", s.catalog)
	api.GET("/segments", s.segments)
	api.GET("/answers/:id", s.page)
	api.POST("/answers/:id/feedback", s.jsonOnly, s.feedback)
	api.GET("/conversations", s.conversations)
	api.GET("/cohorts", s.listCohorts)
	api.POST("/cohorts", s.jsonOnly, s.saveCohort)
	api.DELETE("/cohorts/:name", s.deleteCohort)
	api.GET("/conversations/:id", s.conversation)
	admin := api.Group("/admin", s.adminOnly)
	admin.GET("/queue", s.queue)
	admin.GET("/teachings", s.teachings)
	admin.POST("/teachings", s.jsonOnly, s.teach)
	admin.DELETE("/teachings/:id", s.undo)
	admin.POST("/examples", s.jsonOnly, s.saveExample)
	admin.GET("/usage", s.usage)
	s.chatPage(r)
	s.slackRoutes(r)
	if err := s.wecomRoutes(r); err != nil {
		return nil, err
	}
	r.NoRoute(func(c *gin.Context) { s.fail(c, newError(CodeNotFound, "没有这个地址 (no such endpoint)", nil)) })
	// A known path asked with the wrong method: 405, and Allow says which.
	r.HandleMethodNotAllowed = true
	r.NoMethod(func(c *gin.Context) {
		s.fail(c, newError(CodeMethod, "这个地址不支持 "+c.Request.Method+"，可用："+c.Writer.Header().Get("Allow")+" (method not allowed)", nil))
	})
	s.engine = r
	return s, nil
}

// ObserveLLM records an LLM planner call in the metrics (pass it to llm.New).
func (s *Server) ObserveLLM(c llm.Call) { s.metrics.llmCall(c) }

// Handler serves the API with default settings (tests and simple embeds).
func Handler(svc *Service, log *slog.Logger) http.Handler { return New(svc, Config{Log: log}) }

// ServeHTTP makes the Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

// requestID tags every request with X-Request-ID (the caller's, or new).
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if id == "" || len(id) > 64 {
		b := make([]byte, 8)
		rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set("request_id", id)
	c.Header("X-Request-ID", id)
	c.Next()
}

// observe logs each request and counts it in the metrics by route and status.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	s.metrics.request(route, c.Request.Method, status, time.Since(start))
	s.log.Info("request", "id", c.GetString("request_id"), "method", c.Request.Method, "route", route,
		"status", status, "ms", float64(time.Since(start).Microseconds())/1000, "key", c.GetString("caller"))
}

// auth requires a valid Bearer key when keys are configured and names the
// caller (the key's fingerprint; LocalPrincipal without keys).
func (s *Server) auth(c *gin.Context) {
	who, admin, ok := s.keyHolder(c)
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="chatbi"`)
		s.fail(c, newError(CodeUnauthorized, "需要有效的 API key：Authorization: Bearer <key> (missing or invalid API key)", nil))
		return
	}
	c.Set("caller", who)
	c.Set("admin", admin)
	c.Next()
}

// keyHolder is the principal of the request's Bearer key. Every key is
// compared in constant time, and all of them, so timing says nothing.
func (s *Server) keyHolder(c *gin.Context) (who string, admin, ok bool) {
	if len(s.cfg.Keys) == 0 && len(s.cfg.AdminKeys) == 0 {
		return LocalPrincipal, true, true // a loopback, single-user tool
	}
	got, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	user, adm := 0, 0
	for _, k := range s.cfg.Keys {
		user |= subtle.ConstantTimeCompare([]byte(got), []byte(k))
	}
	for _, k := range s.cfg.AdminKeys {
		adm |= subtle.ConstantTimeCompare([]byte(got), []byte(k))
	}
	if !ok || user|adm != 1 {
		return "", false, false
	}
	return Fingerprint(got), adm == 1, true
}

// limit applies a token bucket per API key. Without keys the service is a
// loopback, single-user tool and is not limited.
func (s *Server) limit(c *gin.Context) {
	who := c.GetString("caller")
	if who == "" || len(s.cfg.Keys) == 0 {
		c.Next()
		return
	}
	s.mu.Lock()
	l, ok := s.limiters[who]
	if !ok {
		l = rate.NewLimiter(rate.Limit(s.cfg.Rate), s.cfg.Burst)
		s.limiters[who] = l
	}
	s.mu.Unlock()
	r := l.ReserveN(s.cfg.Now(), 1)
	if d := r.DelayFrom(s.cfg.Now()); !r.OK() || d > 0 {
		r.CancelAt(s.cfg.Now())
		s.fail(c, retryError(CodeRateLimited, "请求过于频繁，请稍后再试 (rate limited)", int(math.Ceil(math.Max(d.Seconds(), 1))), nil))
		return
	}
	c.Next()
}

func (s *Server) health(c *gin.Context) {
	v := s.svc.wh.current()
	wh := gin.H{"engine": "clickhouse", "published": v.mark}
	if v.file != nil {
		wh = gin.H{"modified": v.file.ModTime().UTC().Format(time.RFC3339), "bytes": v.file.Size()}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok", "as_of": v.Engine.Catalog.AsOf.Format("2006-01-02"), "warehouse": wh})
}

// fail writes {"error": {"code", "message"}} with the code's status; only
// internal errors are logged (with their cause, never shown to the caller).
func (s *Server) fail(c *gin.Context, err error) {
	e := AsError(err)
	switch {
	case e.Code == CodeCanceled:
		s.log.Debug("client went away", "id", c.GetString("request_id"), "path", c.Request.URL.Path)
	case e.Status() >= 500:
		s.log.Error("request failed", "id", c.GetString("request_id"), "path", c.Request.URL.Path, "code", e.Code, "err", err)
	}
	if e.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	if hangUp[e.Status()] {
		// Refused before its body was read: close the connection instead
		// of letting net/http drain up to 256 KB of a body that a slow
		// client may trickle until the read timeout.
		c.Header("Connection", "close")
		http.NewResponseController(c.Writer).SetReadDeadline(time.Now())
	}
	c.AbortWithStatusJSON(e.Status(), gin.H{"error": e})
}

// hangUp are the statuses of requests refused without reading their body.
var hangUp = map[int]bool{http.StatusUnauthorized: true, http.StatusForbidden: true, http.StatusRequestEntityTooLarge: true,
	http.StatusUnsupportedMediaType: true, http.StatusTooManyRequests: true, http.StatusServiceUnavailable: true}

// decode reads a JSON body strictly: bounded size, UTF-8, known fields, one value.
func decode(c *gin.Context, dst any) error {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return newError(CodeTooLarge, "请求体过大 (request body too large)", err)
		}
		return newError(CodeInvalid, "无法读取请求体 (cannot read body)", err)
	}
	// encoding/json would quietly turn bad bytes into U+FFFD: refuse them.
	if !utf8.Valid(body) {
		return newError(CodeInvalid, "请求体不是合法的 UTF-8 文本 (body is not valid UTF-8)", nil)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return newError(CodeInvalid, "请求体只能包含一个 JSON 对象 (trailing data after JSON)", nil)
	}
	return nil
}

// jsonError says what is wrong with a request body in the API's own terms:
// the field by its JSON name and the JSON type it needs, never a Go type.
func jsonError(err error) *Error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		want, ok := map[string][2]string{"int": {"整数", "an integer"}, "int64": {"整数", "an integer"}, "float64": {"数字", "a number"},
			"string": {"字符串", "a string"}, "bool": {"true 或 false", "a boolean"}}[te.Type.Kind().String()]
		if !ok {
			want = [2]string{"对象或数组", "an object or array"}
		}
		field := te.Field
		if field == "" {
			field = "（整个请求）"
		}
		return newError(CodeInvalid, fmt.Sprintf("字段 %s 应为%s，收到的是 %s (field %q must be %s)", field, want[0], te.Value, te.Field, want[1]), err)
	case errors.As(err, &se):
		return newError(CodeInvalid, fmt.Sprintf("请求不是正确的 JSON，第 %d 个字节附近有误 (malformed JSON at byte %d)", se.Offset, se.Offset), err)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return newError(CodeInvalid, "不认识的字段 "+name+" (unknown field "+name+")", err)
	case errors.Is(err, io.EOF):
		return newError(CodeInvalid, "请求体是空的，需要一个 JSON 对象 (empty body)", err)
	}
	return newError(CodeInvalid, "请求不是正确的 JSON (malformed JSON)", err)
}

func (s *Server) ask(c *gin.Context) {
	var req AskRequest
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	req.Caller = c.GetString("caller")
	req.Channel = "api"
	if c.GetHeader("X-Chatbi-Client") == "page" {
		req.Channel = "page" // the chat page says so; anything else is the API
	}
	start := time.Now()
	ans, err := s.svc.Ask(c.Request.Context(), req)
	s.metrics.ask(ans, err, time.Since(start))
	if err != nil {
		s.fail(c, err)
		return
	}
	if ans.exportable {
		ans.Export = s.exportLinks(ans.AnswerID)
	}
	c.Render(http.StatusOK, jsonRender{ans})
}

// jsonRender writes JSON without HTML escaping (Chinese and < > stay readable).
type jsonRender struct{ v any }

func (j jsonRender) Render(w http.ResponseWriter) error {
	j.WriteContentType(w)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(j.v)
}

func (j jsonRender) WriteContentType(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
}

// page serves another page of an earlier answer: GET /api/v1/answers/:id?limit=&offset=.
func (s *Server) page(c *gin.Context) {
	limit, err1 := strconv.Atoi(c.DefaultQuery("limit", "50"))
	offset, err2 := strconv.Atoi(c.DefaultQuery("offset", "0"))
	if err1 != nil || err2 != nil {
		s.fail(c, newError(CodeInvalid, "limit 和 offset 必须是整数 (limit/offset must be integers)", nil))
		return
	}
	ans, err := s.svc.Page(c.Request.Context(), c.GetString("caller"), c.Param("id"), limit, offset)
	if err != nil {
		s.fail(c, err)
		return
	}
	ans.Export = s.exportLinks(ans.AnswerID)
	c.Render(http.StatusOK, jsonRender{ans})
}
