package server

import (
	"container/list"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// Limits bound what a client can hold of the service: connections, time
// to send a request, requests in flight, exports at once. Zero fields take
// the defaults below.
type Limits struct {
	MaxConns          int           // open connections; past it the oldest idle ones are closed
	MaxInFlight       int           // requests in flight per API key
	MaxExports        int           // exports streaming at once, for everyone
	ReadHeaderTimeout time.Duration // to send the request line and headers
	ReadTimeout       time.Duration // to send the whole request, body included
	IdleTimeout       time.Duration // a kept-alive connection with no request
	WriteTimeout      time.Duration // to write a response (exports are the longest)
}

// DefaultLimits fit a 2-core machine serving a marketing team.
var DefaultLimits = Limits{
	MaxConns:          2048,
	MaxInFlight:       16,
	MaxExports:        2,
	ReadHeaderTimeout: 5 * time.Second,
	ReadTimeout:       15 * time.Second,
	IdleTimeout:       60 * time.Second,
	WriteTimeout:      exportBudget + 30*time.Second,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	setD := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&l.MaxConns, d.MaxConns)
	set(&l.MaxInFlight, d.MaxInFlight)
	set(&l.MaxExports, d.MaxExports)
	setD(&l.ReadHeaderTimeout, d.ReadHeaderTimeout)
	setD(&l.ReadTimeout, d.ReadTimeout)
	setD(&l.IdleTimeout, d.IdleTimeout)
	setD(&l.WriteTimeout, d.WriteTimeout)
	return l
}

// HTTPServer is the http.Server to run s with: every read and write has a
// deadline, a slow or silent client loses its connection, and past
// MaxConns the connections doing nothing (idle keep-alives, new ones that
// have not sent a request) are closed, oldest first, so a flood of idle
// sockets cannot starve a real question of a file descriptor.
func (s *Server) HTTPServer() *http.Server {
	l := s.cfg.Limits
	g := newConnGuard(l.MaxConns)
	s.conns = g
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ConnState:         g.track,
	}
}

// connGuard keeps the open connections, and those doing nothing in the
// order they became so.
type connGuard struct {
	max int

	mu    sync.Mutex
	conns map[net.Conn]*list.Element // every open connection; nil element: active
	quiet *list.List                 // of net.Conn: new or idle, oldest first
}

func newConnGuard(max int) *connGuard {
	return &connGuard{max: max, quiet: list.New(), conns: map[net.Conn]*list.Element{}}
}

func (g *connGuard) track(c net.Conn, st http.ConnState) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch st {
	case http.StateNew, http.StateIdle:
		if e := g.conns[c]; e != nil {
			g.quiet.Remove(e)
		}
		g.conns[c] = g.quiet.PushBack(c)
		for len(g.conns) > g.max && g.quiet.Len() > 0 {
			oldest := g.quiet.Remove(g.quiet.Front()).(net.Conn)
			delete(g.conns, oldest)
			oldest.Close() // its server goroutine sees the close and reports StateClosed
		}
	case http.StateActive:
		if e := g.conns[c]; e != nil {
			g.quiet.Remove(e)
		}
		g.conns[c] = nil
	case http.StateClosed, http.StateHijacked:
		if e, ok := g.conns[c]; ok {
			if e != nil {
				g.quiet.Remove(e)
			}
			delete(g.conns, c)
		}
	}
}

// count is the number of open connections (tests).
func (g *connGuard) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns)
}

// inFlight caps the requests one API key has in flight, so a single key
// cannot hold every worker. Without keys the service is a loopback tool
// whose every client has one address: admission control bounds the work
// there, and read deadlines bound what a slow client holds.
type inFlight struct {
	max int
	mu  sync.Mutex
	n   map[string]int
}

func (f *inFlight) enter(who string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n[who] >= f.max {
		return false
	}
	f.n[who]++
	return true
}

func (f *inFlight) leave(who string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n[who]--; f.n[who] <= 0 {
		delete(f.n, who)
	}
}

// capInFlight is the middleware over inFlight.
func (s *Server) capInFlight(c *gin.Context) {
	who := c.GetString("caller")
	if len(s.cfg.Keys) == 0 {
		c.Next()
		return
	}
	if !s.inflight.enter(who) {
		s.fail(c, retryError(CodeRateLimited, "同时进行的请求过多，请等前面的回答返回后再问 (too many requests in flight)", 1, nil))
		return
	}
	defer s.inflight.leave(who)
	c.Next()
}

// sameOrigin guards the keyless service against DNS rebinding: a page on
// another site whose name now points at 127.0.0.1 sends its own Host and
// Origin, and neither is ours. Host must be a loopback name or the public
// URL's host; an Origin, when a browser sends one, must be too.
func (s *Server) sameOrigin(c *gin.Context) {
	if len(s.cfg.Keys) > 0 {
		c.Next()
		return
	}
	if !s.ourHost(c.Request.Host) {
		s.fail(c, newError(CodeForbidden, "请求的 Host 不是本服务的地址 (Host not allowed)", nil))
		return
	}
	if o := c.GetHeader("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || !s.ourHost(u.Host) {
			s.fail(c, newError(CodeForbidden, "跨站请求被拒绝 (Origin not allowed)", nil))
			return
		}
	}
	c.Next()
}

func (s *Server) ourHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(strings.ToLower(host), "[]")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return true
	}
	if s.cfg.PublicURL != "" {
		if u, err := url.Parse(s.cfg.PublicURL); err == nil && strings.EqualFold(u.Hostname(), host) {
			return true
		}
	}
	return false
}

// jsonOnly refuses a body that does not say it is JSON: a form post from
// another site (no preflight) is then never read as a question.
func (s *Server) jsonOnly(c *gin.Context) {
	ct := c.GetHeader("Content-Type")
	if mt, _, _ := strings.Cut(ct, ";"); !strings.EqualFold(strings.TrimSpace(mt), "application/json") {
		s.fail(c, newError(CodeMediaType, "请求体必须是 JSON：Content-Type: application/json (unsupported media type)", nil))
		return
	}
	c.Next()
}
