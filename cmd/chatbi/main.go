// Command chatbi wires the stages together: import, demo, refresh, ask,
// serve, eval and bench. Each subcommand is a function of (args, stdin,
// stdout, stderr) returning an exit code, so tests drive exactly what users run.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// env is what every subcommand gets.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	summary string
	run     func(e env, args []string) int
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"import":  {"导入四个 CSV 文件到仓库：import --db FILE DIR", cmdImport},
		"demo":    {"生成确定性的演示仓库：demo --db FILE --customers N --seed S", cmdDemo},
		"refresh": {"重新计算分群快照：refresh --db FILE [--as-of DATE]，或 refresh --engine clickhouse://… [--cluster NAME] 在 ClickHouse 里算", cmdRefresh},
		"ask":     {"提问：ask --db FILE [--as-of DATE] [--json] 问题", cmdAsk},
		"serve":   {"启动服务：serve [--db FILE] [--addr HOST:PORT]", cmdServe},
		"eval":    {"用问题集评测：eval --db FILE --questions FILE", cmdEval},
		"bench":   {"性能基准：bench --customers N", cmdBench},
		"load":    {"负载测试：load --customers N --clients 8,50 --duration 15s", cmdLoad},
		"cdnow":   {"把 CDNOW 交易日志转成导入格式：cdnow FILE OUTDIR", cmdCDNOW},
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{ctx, stdin, stdout, stderr}
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout) // asked for: on stdout, success
		fmt.Fprintln(stdout, "每个命令的参数和输入：chatbi <命令> -h")
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "chatbi: 未知命令 %q\n", args[0])
		usage(stderr)
		return 2
	}
	return c.run(e, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "用法: chatbi <命令> [参数]")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
}
