package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/nlq/llm"
	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/server"
)

// serveConfig is what `chatbi serve` reads from flags and the environment.
type serveConfig struct {
	db, addr, appDB, engine string
	addrSet                 bool
	demoN                   int
	timeout                 time.Duration
	maxRows                 int
	rate                    float64
	burst                   int
	keys                    []string
	adminKeys               []string
	limits                  server.Limits
	concurrency             int
	queueWait               time.Duration
	keep                    server.AppRetention
}

func cmdServe(e env, args []string) int {
	fs := newFlags(e, "serve")
	var c serveConfig
	fs.StringVar(&c.db, "db", "data/warehouse.db", "仓库文件（不存在时自动生成演示仓库）")
	fs.StringVar(&c.engine, "engine", "", engineUsage)
	fs.StringVar(&c.addr, "addr", "", "监听地址（设了 API key 默认 :8080，否则 127.0.0.1:8080）")
	fs.StringVar(&c.appDB, "app-db", "", "应用数据库：对话、审计日志、反馈和教学（默认在仓库旁边）")
	fs.IntVar(&c.demoN, "demo-customers", 20000, "--db 不存在时生成的演示仓库的客户数")
	fs.DurationVar(&c.timeout, "timeout", 5*time.Second, "每个问题的时间上限")
	fs.IntVar(&c.maxRows, "max-rows", 10000, "一次请求最多返回的行数")
	fs.Float64Var(&c.rate, "rate", 10, "每个 API key 每秒的请求数")
	fs.IntVar(&c.burst, "burst", 20, "限流桶的大小")
	fs.IntVar(&c.concurrency, "concurrency", server.DefaultConcurrency, "同时执行的仓库语句数；更多的等待 --queue-wait，之后返回 503")
	fs.DurationVar(&c.queueWait, "queue-wait", server.DefaultQueueWait, "问题等待空闲执行位的时间上限")
	fs.IntVar(&c.limits.MaxConns, "max-conns", server.DefaultLimits.MaxConns, "最多打开的连接数；超过时关闭最久空闲的连接")
	fs.IntVar(&c.limits.MaxInFlight, "max-inflight", server.DefaultLimits.MaxInFlight, "每个 API key 同时进行的请求数")
	fs.IntVar(&c.limits.MaxExports, "max-exports", server.DefaultLimits.MaxExports, "同时进行的导出数")
	fs.DurationVar(&c.limits.ReadTimeout, "read-timeout", server.DefaultLimits.ReadTimeout, "客户端发完整个请求的时间上限")
	fs.DurationVar(&c.limits.IdleTimeout, "idle-timeout", server.DefaultLimits.IdleTimeout, "空闲的长连接多久后关闭")
	fs.DurationVar(&c.keep.Conversations, "keep-conversations", server.DefaultAppRetention.Conversations, "对话空闲多久后删除")
	fs.DurationVar(&c.keep.Answers, "keep-answers", server.DefaultAppRetention.Answers, "回答（翻页、导出链接）保留多久")
	fs.DurationVar(&c.keep.Audit, "keep-audit", server.DefaultAppRetention.Audit, "审计记录保留多久")
	if err := parseFlags(e, fs, args); err != nil {
		return flagExit(err)
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "addr" {
			c.addrSet = true
		}
	})
	for _, k := range strings.Split(os.Getenv("CHATBI_API_KEYS"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			c.keys = append(c.keys, k)
		}
	}
	for _, k := range strings.Split(os.Getenv("CHATBI_ADMIN_KEYS"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			c.adminKeys = append(c.adminKeys, k)
		}
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, nil))
	return serve(e, c, log, nil)
}

// serve runs the service until the context ends; ready, when set, gets the
// listening address (tests start it on port 0).
func serve(e env, c serveConfig, log *slog.Logger, ready func(addr string)) int {
	switch {
	case c.addr == "" && len(c.keys) > 0:
		c.addr = ":8080"
	case c.addr == "":
		c.addr = "127.0.0.1:8080"
	}
	if len(c.keys) == 0 && len(c.adminKeys) > 0 {
		c.keys = []string{} // admin keys alone still require a key of everyone
	}
	if len(c.keys) == 0 && len(c.adminKeys) == 0 && !loopback(c.addr) {
		log.Warn("CHATBI_API_KEYS is not set and the address is not loopback: anyone who can reach it can ask", "addr", c.addr)
	}
	if _, err := os.Stat(c.db); errors.Is(err, os.ErrNotExist) && c.engine == "" {
		log.Info("no warehouse: building the demo", "db", c.db, "customers", c.demoN)
		if _, err := schema.Demo(e.ctx, c.db, schema.DemoOptions{Customers: c.demoN, Seed: 1}, schema.ImportOptions{}); err != nil {
			fmt.Fprintln(e.stderr, "chatbi serve: build demo:", err)
			return 1
		}
	}
	svc, err := openService(e, c.db, c.engine, executor.Options{Timeout: c.timeout, MaxRows: c.maxRows})
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi serve:", err)
		return 1
	}
	defer svc.Close()
	svc.SetLogger(log)
	svc.SetAdmission(c.concurrency, c.queueWait)
	if c.appDB == "" {
		c.appDB = filepath.Join(filepath.Dir(c.db), "chatbi-app.db")
	}
	app, err := server.OpenAppDBWith(c.appDB, c.keep)
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi serve:", err)
		return 1
	}
	defer app.Close()
	svc.Convs, svc.Audit, svc.App = app, app, app
	if err := svc.LoadTeachings(e.ctx); err != nil {
		fmt.Fprintln(e.stderr, "chatbi serve: teachings:", err)
		return 1
	}

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi serve:", err)
		return 1
	}
	cfg := server.Config{Keys: c.keys, AdminKeys: c.adminKeys, Rate: c.rate, Burst: c.burst, Log: log,
		ExportSecret: []byte(os.Getenv("CHATBI_EXPORT_SECRET")), PublicURL: os.Getenv("CHATBI_PUBLIC_URL"), Limits: c.limits}
	botsFromEnv(&cfg, log)
	h, err := server.NewServer(svc, cfg)
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi serve:", err)
		return 1
	}
	if lc, ok := llm.FromEnv(); ok {
		svc.LLM = llm.New(lc, svc.Engine(), h.ObserveLLM).Follow(svc.Engine)
		log.Info("LLM planner on for questions the rules cannot place", "base_url", lc.BaseURL, "model", lc.Model)
	}
	srv := h.HTTPServer()
	log.Info("serving", "addr", ln.Addr().String(), "db", c.db, "as_of", svc.Engine().Catalog.AsOf.Format("2006-01-02"), "keys", len(c.keys))
	fmt.Fprintf(e.stdout, "chatbi 已启动：http://%s\n", ln.Addr())
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintln(e.stderr, "chatbi serve:", err)
		return 1
	case <-e.ctx.Done():
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Fprintln(e.stderr, "chatbi serve: shutdown:", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

// loopback reports whether a listen address only accepts local clients.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// botsFromEnv turns on the Slack and 企业微信 endpoints whose secrets are set.
func botsFromEnv(cfg *server.Config, log *slog.Logger) {
	if secret := os.Getenv("CHATBI_SLACK_SIGNING_SECRET"); secret != "" {
		cfg.Slack.SigningSecret = secret
		if tok := os.Getenv("CHATBI_SLACK_BOT_TOKEN"); tok != "" {
			cfg.Slack.Poster = server.SlackBotPoster{Client: slack.New(tok)}
		}
		log.Info("Slack endpoints on", "command", "/slack/command", "events", "/slack/events")
	}
	token, key, corp := os.Getenv("CHATBI_WECOM_TOKEN"), os.Getenv("CHATBI_WECOM_AES_KEY"), os.Getenv("CHATBI_WECOM_CORP_ID")
	if token != "" && key != "" && corp != "" {
		cfg.WeCom = server.WeComConfig{Token: token, AESKey: key, CorpID: corp}
		if secret := os.Getenv("CHATBI_WECOM_SECRET"); secret != "" {
			agent, _ := strconv.Atoi(os.Getenv("CHATBI_WECOM_AGENT_ID"))
			base := os.Getenv("CHATBI_WECOM_API_BASE")
			if base == "" {
				base = "https://qyapi.weixin.qq.com"
			}
			cfg.WeCom.Sender = &server.WeComAppSender{BaseURL: base, CorpID: corp, Secret: secret, AgentID: agent}
		}
		log.Info("企业微信 callback on", "path", "/wecom/callback")
	}
}
