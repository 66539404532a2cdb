package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/schema/clickhouse"
)

// newFlags makes a flag set that reports to stderr and never exits; its
// help (-h) is in Chinese: the command's use, what it reads, its flags.
func newFlags(e env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("chatbi "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "用法：chatbi %s\n", commands[name].summary)
		if more := commandHelp(name); more != "" {
			fmt.Fprintln(w, more)
		}
		fmt.Fprintln(w, "参数（放在其他内容前后都可以）：")
		fs.VisitAll(func(f *flag.Flag) {
			kind, _ := flag.UnquoteUsage(f)
			kind = map[string]string{"string": "文字", "int": "整数", "uint": "整数", "float": "数字", "duration": "时长(如 5s)", "value": "值"}[kind]
			def := ""
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
				def = "（默认 " + f.DefValue + "）"
			}
			fmt.Fprintf(w, "  --%s %s\n      %s%s\n", f.Name, kind, f.Usage, def)
		})
	}
	return fs
}

// parseFlags parses args with flags anywhere (chatbi ask 问题 --db x), so
// fs.Args() are the other words in order. -h prints the help to stdout.
func parseFlags(e env, fs *flag.FlagSet, args []string) error {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(e.stdout) // asked for: on stdout
		}
	}
	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if rest[0] == "--" { // everything after -- is a word
			words = append(words, rest[1:]...)
			break
		}
		words, args = append(words, rest[0]), rest[1:]
	}
	return fs.Parse(append([]string{"--"}, words...))
}

// flagExit is the exit code of a parse error: 0 for -h (asked for help).
func flagExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}

// commandHelp says what a command reads, beyond its flags.
func commandHelp(name string) string {
	switch name {
	case "import":
		var b strings.Builder
		b.WriteString("DIR 里要有四个 UTF-8 的 CSV 文件（第一行是列名，格式见 docs/spec/data-format.md）：\n")
		for _, f := range schema.ImportFiles() {
			fmt.Fprintf(&b, "  %-16s 必需列：%s\n", f.Name, strings.Join(f.Required, ", "))
			if len(f.Optional) > 0 {
				fmt.Fprintf(&b, "  %-16s 可选列：%s\n", "", strings.Join(f.Optional, ", "))
			}
		}
		return strings.TrimRight(b.String(), "\n")
	case "ask":
		return "问题：一句中文，如 过去3个月买过口红没买过粉底液的重要价值客户（可以不加引号）。"
	case "eval":
		return "问题集：每行一个 JSON：id, turns（一问或多轮追问）, expect（customers / count / table / clarify）。"
	case "cdnow":
		return "FILE：CDNOW 交易日志（CDNOW_master.txt 的格式）；OUTDIR：写出四个导入用的 CSV。"
	}
	return ""
}

// dateFlag parses an optional YYYY-MM-DD flag value.
func dateFlag(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return schema.ParseDate(s)
}

// isTerminal reports whether f is a character device (progress goes there).
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	st, err := file.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func loadModel(path string) (*schema.SegmentModel, error) {
	if path == "" {
		return schema.DefaultModel(), nil
	}
	return schema.LoadModel(path)
}

func cmdImport(e env, args []string) int {
	fs := newFlags(e, "import")
	db := fs.String("db", "data/warehouse.db", "要创建或替换的仓库文件")
	asOf := fs.String("as-of", "", "数据截至日期 YYYY-MM-DD（默认：最新订单的日期）")
	skip := fs.Bool("skip-bad-rows", false, "导入正确的行，错误的行写入报告")
	report := fs.String("report", "", "错误行报告（默认：仓库文件名.rejected.csv）")
	modelPath := fs.String("segment-model", "", "分群模型 JSON（默认：docs/spec/semantics.md 的定义）")
	to := copyFlags(fs)
	if err := parseFlags(e, fs, args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, "用法: chatbi import --db FILE DIR [--engine clickhouse://… [--cluster NAME]]")
		return 2
	}
	t, err := dateFlag(*asOf)
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi import:", err)
		return 2
	}
	model, err := loadModel(*modelPath)
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi import:", err)
		return 2
	}
	opt := schema.ImportOptions{AsOf: t, SkipBadRows: *skip, ReportPath: *report, Model: model}
	if isTerminal(e.stderr) {
		opt.Progress = e.stderr
	}
	st, err := schema.Import(e.ctx, *db, fs.Arg(0), opt)
	for _, w := range st.Warnings {
		fmt.Fprintln(e.stderr, "警告:", w)
	}
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi import:", err)
		fmt.Fprintln(e.stderr, "导入失败，原仓库未改动。")
		return 1
	}
	printStats(e, *db, st)
	return to.copy(e, "import", *db)
}

func printStats(e env, db string, st schema.ImportStats) {
	fmt.Fprintf(e.stdout, "已写入 %s：客户 %d，商品 %d，订单 %d，订单明细 %d（%.0f 行/秒，用时 %s），as-of %s\n",
		db, st.Customers, st.Products, st.Orders, st.Items,
		float64(st.Rows())/st.Elapsed.Seconds(), st.Elapsed.Round(time.Millisecond), schema.FormatDate(st.AsOf))
	if st.Rejected > 0 {
		fmt.Fprintf(e.stdout, "跳过 %d 行坏数据，详见 %s\n", st.Rejected, st.ReportPath)
	}
}

func cmdRefresh(e env, args []string) int {
	fs := newFlags(e, "refresh")
	db := fs.String("db", "data/warehouse.db", "仓库文件")
	asOf := fs.String("as-of", "", "数据截至日期 YYYY-MM-DD（默认：仓库的日期）")
	modelPath := fs.String("segment-model", "", "分群模型 JSON（默认：docs/spec/semantics.md 的定义）")
	keep := fs.Int("keep", schema.DefaultRetention.Latest, "保留最新的几个快照")
	keepQ := fs.Int("keep-quarters", schema.DefaultRetention.Quarters, "另外保留最近几个季度各自最新的快照")
	engine := fs.String("engine", "", "在 ClickHouse 里重新计算（不读 --db）：一个地址，或分片集群每个分片一个（逗号分隔；同一分片的副本用 | 连接）")
	cluster := fs.String("cluster", "", "ClickHouse 集群名（remote_servers 里的）")
	if err := parseFlags(e, fs, args); err != nil {
		return flagExit(err)
	}
	if *cluster != "" && *engine == "" {
		fmt.Fprintln(e.stderr, "chatbi refresh: --cluster 要和 --engine 一起用")
		return 2
	}
	t, err := dateFlag(*asOf)
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi refresh:", err)
		return 2
	}
	model, err := loadModel(*modelPath)
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi refresh:", err)
		return 2
	}
	if *keep < 1 || *keepQ < 0 {
		fmt.Fprintln(e.stderr, "chatbi refresh: --keep 至少为 1，--keep-quarters 不能为负")
		return 2
	}
	opt := schema.RefreshOptions{AsOf: t, Model: model, Keep: schema.Retention{Latest: *keep, Quarters: *keepQ}}
	if *engine != "" {
		dbSet := false
		fs.Visit(func(f *flag.Flag) { dbSet = dbSet || f.Name == "db" })
		if dbSet {
			fmt.Fprintln(e.stderr, "chatbi refresh: 有 --engine 时直接在 ClickHouse 里重新计算，不读 --db 文件；要重算 SQLite 仓库请去掉 --engine")
			return 2
		}
		return refreshClickHouse(e, opt, *engine, *cluster)
	}
	if _, err := os.Stat(*db); err != nil {
		fmt.Fprintln(e.stderr, "chatbi refresh:", err)
		return 1
	}
	start := time.Now()
	var rt schema.RefreshTimings
	opt.Timings = &rt
	day, err := schema.Refresh(e.ctx, *db, opt)
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi refresh:", err)
		return 1
	}
	sec := func(d time.Duration) float64 { return d.Seconds() }
	fmt.Fprintf(e.stdout, "已按 %s 重新计算分群（用时 %s：复制 %.1f 秒，分群 %.1f，CLV %.1f，客户集合 %.1f，时间窗指标 %.1f，提交发布 %.1f）\n",
		schema.FormatDate(day), time.Since(start).Round(time.Millisecond),
		sec(rt.Copy), sec(rt.Segments), sec(rt.Predict), sec(rt.Sets), sec(rt.Windows), sec(rt.Commit))
	return 0
}

// refreshClickHouse refreshes the warehouse in ClickHouse where it is
// (clickhouse.Refresh): every shard computes its own customers' rows, and
// running services take the new snapshot within a second.
func refreshClickHouse(e env, opt schema.RefreshOptions, engines, cluster string) int {
	start := time.Now()
	c, err := openTarget(e.ctx, engines, cluster)
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi refresh:", err)
		return 1
	}
	defer c.close()
	day, err := clickhouse.Refresh(e.ctx, c.Cluster, opt)
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi refresh:", err)
		fmt.Fprintln(e.stderr, "ClickHouse 里的表未改动。")
		return 1
	}
	fmt.Fprintf(e.stdout, "已在 ClickHouse 里按 %s 重新计算分群（%d 个分片，用时 %s）\n",
		schema.FormatDate(day), len(c.Shards), time.Since(start).Round(time.Millisecond))
	return 0
}

func cmdDemo(e env, args []string) int {
	fs := newFlags(e, "demo")
	db := fs.String("db", "data/warehouse.db", "要创建或替换的仓库文件")
	n := fs.Int("customers", 20000, "客户数")
	seed := fs.Uint64("seed", 1, "随机种子（同一种子生成同一仓库）")
	end := fs.String("end", "2026-11-22", "最后的订单日期")
	to := copyFlags(fs)
	if err := parseFlags(e, fs, args); err != nil {
		return flagExit(err)
	}
	t, err := dateFlag(*end)
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi demo:", err)
		return 2
	}
	opt := schema.ImportOptions{}
	if isTerminal(e.stderr) {
		opt.Progress = e.stderr
	}
	st, err := schema.Demo(e.ctx, *db, schema.DemoOptions{Customers: *n, Seed: *seed, End: t}, opt)
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi demo:", err)
		return 1
	}
	printStats(e, *db, st)
	return to.copy(e, "demo", *db)
}

func cmdCDNOW(e env, args []string) int {
	fs := newFlags(e, "cdnow")
	if err := parseFlags(e, fs, args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(e.stderr, "用法: chatbi cdnow CDNOW_master.txt OUTDIR   （然后 chatbi import --db FILE OUTDIR）")
		return 2
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi cdnow:", err)
		return 1
	}
	defer f.Close()
	n, err := schema.ConvertCDNOW(f, fs.Arg(1))
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi cdnow:", err)
		return 1
	}
	fmt.Fprintf(e.stdout, "已把 %d 笔 CDNOW 交易写成导入格式：%s\n", n, fs.Arg(1))
	return 0
}
