package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// MaxBodyBytes bounds a request body; a question is at most 500 characters.
const MaxBodyBytes = 64 << 10

// Handler serves the HTTP API over a Service.
func Handler(svc *Service, log *slog.Logger) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	h := &handlers{svc: svc, log: log}
	r.GET("/healthz", h.health)
	api := r.Group("/api/v1")
	api.POST("/ask", h.ask)
	r.NoRoute(func(c *gin.Context) { h.fail(c, newError(CodeNotFound, "没有这个地址 (no such endpoint)", nil)) })
	return r
}

type handlers struct {
	svc *Service
	log *slog.Logger
}

func (h *handlers) health(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok", "as_of": h.svc.Engine.Catalog.AsOf.Format("2006-01-02")})
}

// fail writes {"error": {"code", "message"}} with the code's status; only
// internal errors are logged (with their cause, never shown to the caller).
func (h *handlers) fail(c *gin.Context, err error) {
	e := AsError(err)
	if e.Status() >= 500 && h.log != nil {
		h.log.Error("request failed", "path", c.Request.URL.Path, "code", e.Code, "err", err)
	}
	c.AbortWithStatusJSON(e.Status(), gin.H{"error": e})
}

// decode reads a JSON body strictly: bounded size, known fields, one value.
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
		return newError(CodeInvalid, "请求不是正确的 JSON：需要 {\"question\": \"…\"} (malformed JSON: "+err.Error()+")", err)
	}
	if dec.More() {
		return newError(CodeInvalid, "请求体只能包含一个 JSON 对象 (trailing data after JSON)", nil)
	}
	return nil
}

func (h *handlers) ask(c *gin.Context) {
	var req AskRequest
	if err := decode(c, &req); err != nil {
		h.fail(c, err)
		return
	}
	start := time.Now()
	ans, err := h.svc.Ask(c.Request.Context(), req)
	if err != nil {
		h.fail(c, err)
		return
	}
	if h.log != nil {
		h.log.Info("ask", "question", req.Question, "status", ans.Status, "rows", len(ans.Rows), "total", ans.Total,
			"ms", time.Since(start).Milliseconds())
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
