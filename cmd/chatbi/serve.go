package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/server"
)

func cmdServe(e env, args []string) int {
	fs := newFlags(e, "serve")
	db := fs.String("db", "data/warehouse.db", "warehouse file (a demo warehouse is built if missing)")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	demoN := fs.Int("demo-customers", 20000, "customers in the demo warehouse built when --db is missing")
	timeout := fs.Duration("timeout", 5*time.Second, "time budget per question")
	maxRows := fs.Int("max-rows", 10000, "largest page a request may ask for")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, nil))
	if _, err := os.Stat(*db); errors.Is(err, os.ErrNotExist) {
		log.Info("no warehouse: building the demo", "db", *db, "customers", *demoN)
		if _, err := schema.Demo(e.ctx, *db, schema.DemoOptions{Customers: *demoN, Seed: 1}, schema.ImportOptions{}); err != nil {
			fmt.Fprintln(e.stderr, "chatbi serve: build demo:", err)
			return 1
		}
	}
	svc, err := server.NewService(e.ctx, *db, executor.Options{Timeout: *timeout, MaxRows: *maxRows})
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi serve:", err)
		return 1
	}
	defer svc.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi serve:", err)
		return 1
	}
	srv := &http.Server{Handler: server.Handler(svc, log), ReadHeaderTimeout: 10 * time.Second}
	log.Info("serving", "addr", ln.Addr().String(), "db", *db, "as_of", svc.Engine.Catalog.AsOf.Format("2006-01-02"))
	fmt.Fprintf(e.stdout, "chatbi 已启动：http://%s\n", ln.Addr())
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
