package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/chatbi/chatbi/schema"
)

// newFlags makes a flag set that reports to stderr and never exits.
func newFlags(e env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("chatbi "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
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
	db := fs.String("db", "data/warehouse.db", "warehouse file to create or replace")
	asOf := fs.String("as-of", "", "as-of date YYYY-MM-DD (default: latest order date)")
	skip := fs.Bool("skip-bad-rows", false, "import good rows, write rejected rows to a report")
	report := fs.String("report", "", "rejected-rows report (default: DB.rejected.csv)")
	modelPath := fs.String("segment-model", "", "segment model JSON (default: spec semantics)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, "用法: chatbi import --db FILE DIR")
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
	return 0
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
	db := fs.String("db", "data/warehouse.db", "warehouse file")
	asOf := fs.String("as-of", "", "as-of date YYYY-MM-DD (default: the warehouse's)")
	modelPath := fs.String("segment-model", "", "segment model JSON (default: spec semantics)")
	keep := fs.Int("keep", schema.DefaultRetention.Latest, "keep this many newest snapshots")
	keepQ := fs.Int("keep-quarters", schema.DefaultRetention.Quarters, "also keep the newest snapshot of each of this many last quarters")
	if err := fs.Parse(args); err != nil {
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
	if _, err := os.Stat(*db); err != nil {
		fmt.Fprintln(e.stderr, "chatbi refresh:", err)
		return 1
	}
	start := time.Now()
	if *keep < 1 || *keepQ < 0 {
		fmt.Fprintln(e.stderr, "chatbi refresh: --keep 至少为 1，--keep-quarters 不能为负")
		return 2
	}
	day, err := schema.Refresh(e.ctx, *db, schema.RefreshOptions{AsOf: t, Model: model,
		Keep: schema.Retention{Latest: *keep, Quarters: *keepQ}})
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi refresh:", err)
		return 1
	}
	fmt.Fprintf(e.stdout, "已按 %s 重新计算分群（用时 %s）\n", schema.FormatDate(day), time.Since(start).Round(time.Millisecond))
	return 0
}

func cmdDemo(e env, args []string) int {
	fs := newFlags(e, "demo")
	db := fs.String("db", "data/warehouse.db", "warehouse file to create or replace")
	n := fs.Int("customers", 20000, "number of customers")
	seed := fs.Uint64("seed", 1, "random seed (same seed, same warehouse)")
	end := fs.String("end", "2026-11-22", "last order date")
	if err := fs.Parse(args); err != nil {
		return 2
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
	return 0
}

func cmdCDNOW(e env, args []string) int {
	fs := newFlags(e, "cdnow")
	if err := fs.Parse(args); err != nil {
		return 2
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
