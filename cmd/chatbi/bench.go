package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/nlq"
	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/schema/clickhouse"
	"github.com/chatbi/chatbi/server"
)

// benchMix is twenty typical questions: purchases in windows, segments,
// demographics, thresholds, top lists, tables and counts.
var benchMix = []string{
	"过去3个月买过口红没买过粉底液的重要价值客户",
	"近30天买过香奈儿的客户",
	"近一周买过资生堂的客户",
	"最近90天购买过眼影的会员有哪些",
	"近1个月买过睫毛膏的女性客户有多少",
	"重要价值客户的数量是多少",
	"一般发展客户有哪些",
	"从未买过面霜的重要保持客户",
	"沉默客户中买过防晒霜的",
	"杭州的女性客户中近3个月买过洗发水的",
	"30岁以上的重要价值客户有多少",
	"近3个月在门店买过口红的客户",
	"近3个月线上买过香水的客户",
	"近一年消费超过3000块的客户",
	"近一年买了3次以上的客户",
	"近3个月消费金额前10的客户",
	"上个月买过口红的客户",
	"各RFM分群的客户数",
	"各城市的重要价值客户数量",
	"各会员等级的复购率",
}

// textbook is the SQL a text-to-SQL model typically writes for a question:
// joins over the raw orders and order_items, segments computed on the fly,
// no precomputed facts. Each returns the rows our answer counts as total.
var textbook = map[string]string{
	"过去3个月买过口红没买过粉底液的重要价值客户": `WITH rfm AS (
  SELECT o.customer_key, julianday('2026-11-22') - julianday(max(o.order_date)) AS r, count(*) AS f, sum(o.pay_amount) AS m
  FROM orders o WHERE o.status = 'completed' AND o.order_date <= '2026-11-22' GROUP BY o.customer_key),
avgs AS (SELECT avg(r) AS ar, avg(f) AS af, avg(m) AS am FROM rfm)
SELECT c.customer_id FROM customers c JOIN rfm ON rfm.customer_key = c.id CROSS JOIN avgs
WHERE rfm.r <= avgs.ar AND rfm.f >= avgs.af AND rfm.m >= avgs.am
  AND EXISTS (SELECT 1 FROM orders o JOIN order_items oi ON oi.order_key = o.id JOIN products p ON p.id = oi.product_key
              WHERE o.customer_key = c.id AND o.status = 'completed' AND p.category = '口红' AND o.order_date BETWEEN '2026-08-23' AND '2026-11-22')
  AND NOT EXISTS (SELECT 1 FROM orders o JOIN order_items oi ON oi.order_key = o.id JOIN products p ON p.id = oi.product_key
              WHERE o.customer_key = c.id AND o.status = 'completed' AND p.category = '粉底液' AND o.order_date BETWEEN '2026-08-23' AND '2026-11-22')`,
	"近30天买过香奈儿的客户": `SELECT DISTINCT c.customer_id FROM customers c JOIN orders o ON o.customer_key = c.id
  JOIN order_items oi ON oi.order_key = o.id JOIN products p ON p.id = oi.product_key
  WHERE o.status = 'completed' AND p.brand = '香奈儿' AND o.order_date BETWEEN '2026-10-24' AND '2026-11-22'`,
	"近1个月买过睫毛膏的女性客户有多少": `SELECT count(DISTINCT c.id) FROM customers c JOIN orders o ON o.customer_key = c.id
  JOIN order_items oi ON oi.order_key = o.id JOIN products p ON p.id = oi.product_key
  WHERE c.gender = '女' AND o.status = 'completed' AND p.category = '睫毛膏' AND o.order_date BETWEEN '2026-10-23' AND '2026-11-22'`,
	"近3个月在门店买过口红的客户": `SELECT DISTINCT c.customer_id FROM customers c JOIN orders o ON o.customer_key = c.id
  JOIN order_items oi ON oi.order_key = o.id JOIN products p ON p.id = oi.product_key
  WHERE o.status = 'completed' AND o.channel = '门店' AND p.category = '口红' AND o.order_date BETWEEN '2026-08-23' AND '2026-11-22'`,
	"近一年消费超过3000块的客户": `SELECT c.customer_id FROM customers c JOIN orders o ON o.customer_key = c.id
  WHERE o.status = 'completed' AND o.order_date BETWEEN '2025-11-23' AND '2026-11-22'
  GROUP BY c.id HAVING sum(o.pay_amount) > 3000`,
	"重要价值客户的数量是多少": `WITH rfm AS (
  SELECT o.customer_key, julianday('2026-11-22') - julianday(max(o.order_date)) AS r, count(*) AS f, sum(o.pay_amount) AS m
  FROM orders o WHERE o.status = 'completed' AND o.order_date <= '2026-11-22' GROUP BY o.customer_key),
avgs AS (SELECT avg(r) AS ar, avg(f) AS af, avg(m) AS am FROM rfm)
SELECT count(*) FROM rfm CROSS JOIN avgs WHERE rfm.r <= avgs.ar AND rfm.f >= avgs.af AND rfm.m >= avgs.am`,
	"近3个月消费金额前10的客户": `SELECT c.customer_id FROM customers c JOIN orders o ON o.customer_key = c.id
  WHERE o.status = 'completed' AND o.order_date BETWEEN '2026-08-23' AND '2026-11-22'
  GROUP BY c.id ORDER BY sum(o.pay_amount) DESC, c.customer_id LIMIT 10`,
}

func cmdBench(e env, args []string) int {
	fs := newFlags(e, "bench")
	n := fs.Int("customers", 1_000_000, "基准仓库的客户数")
	dir := fs.String("dir", filepath.Join(os.TempDir(), "chatbi-bench"), "工作目录（多次运行之间保留）")
	fresh := fs.Bool("fresh", false, "即使已有也重建仓库")
	rounds := fs.Int("rounds", 10, "20 个问题的混合跑几轮")
	load := fs.Duration("load", 15*time.Second, "每轮 HTTP 压测的时长（0：不压测）")
	to := copyFlags(fs) // the mix on ClickHouse too, beside SQLite
	if err := parseFlags(e, fs, args); err != nil {
		return flagExit(err)
	}
	out := e.stdout
	fail := func(err error) int { fmt.Fprintln(e.stderr, "chatbi bench:", err); return 1 }
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return fail(err)
	}
	tag := fmt.Sprintf("%d", *n)
	demoDB := filepath.Join(*dir, "demo-"+tag+".db")
	csvDir := filepath.Join(*dir, "csv-"+tag)
	importDB := filepath.Join(*dir, "import-"+tag+".db")
	d := schema.DemoOptions{Customers: *n, Seed: 1}
	fmt.Fprintf(out, "chatbi bench: %d customers, work dir %s\n\n", *n, *dir)

	if _, err := os.Stat(importDB); *fresh || err != nil {
		start := time.Now()
		st, err := schema.Demo(e.ctx, demoDB, d, schema.ImportOptions{})
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(out, "demo warehouse generated:  %8.1f s  (%d orders, %d order lines)\n", time.Since(start).Seconds(), st.Orders, st.Items)
		start = time.Now()
		if err := schema.DemoCSV(e.ctx, csvDir, d); err != nil {
			return fail(err)
		}
		fmt.Fprintf(out, "demo CSV written:          %8.1f s\n", time.Since(start).Seconds())
		st, err = schema.Import(e.ctx, importDB, csvDir, schema.ImportOptions{})
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(out, "import from CSV:           %8.1f s  (%d rows, %.0f rows/s)\n", st.Elapsed.Seconds(), st.Rows(), float64(st.Rows())/st.Elapsed.Seconds())
		os.Remove(demoDB)
	} else {
		fmt.Fprintln(out, "(reusing the warehouse built by an earlier run; --fresh rebuilds and times it)")
	}
	var rt schema.RefreshTimings
	asOfDay, err := schema.Refresh(e.ctx, importDB, schema.RefreshOptions{Timings: &rt})
	if err != nil {
		return fail(err)
	}
	sec := func(d time.Duration) float64 { return d.Seconds() }
	fmt.Fprintf(out, "refresh:                   %8.1f s  (copy %.1f, segments %.1f, CLV %.1f, customer sets %.1f, window measures %.1f, commit+publish %.1f; behaviour tags add %.1f: %.1f s of work beside the segments)\n",
		sec(rt.Total), sec(rt.Copy), sec(rt.Segments), sec(rt.Predict), sec(rt.Sets), sec(rt.Windows), sec(rt.Commit), sec(rt.Tags), sec(rt.TagsAside))
	// An earlier snapshot for the why-analysis to compare with.
	earlier := asOfDay.AddDate(0, 0, -90)
	if _, err := schema.Refresh(e.ctx, importDB, schema.RefreshOptions{AsOf: earlier}); err != nil {
		return fail(err)
	}
	if fi, err := os.Stat(importDB); err == nil {
		fmt.Fprintf(out, "warehouse file size:       %8.0f MB\n\n", float64(fi.Size())/1e6)
	}

	svc, err := server.NewService(e.ctx, importDB, executor.Options{Timeout: 2 * time.Minute, MaxRows: 2_000_000})
	if err != nil {
		return fail(err)
	}
	defer svc.Close()
	// The figures are the engine's: the answer cache would make every
	// repeat free (it is measured once, at the end of the question timings).
	svc.NoCache = true
	eng := svc.Engine()
	asOf := nlq.D(eng.Catalog.AsOf)

	// Parse + compile.
	var pc []time.Duration
	for r := 0; r < 200; r++ {
		for _, q := range benchMix {
			s := time.Now()
			p, err := eng.Parse(q, asOf, nil)
			if err != nil {
				return fail(fmt.Errorf("%s: %w", q, err))
			}
			if _, err := eng.Compile(p, nlq.Page{Limit: 50}); err != nil {
				return fail(err)
			}
			pc = append(pc, time.Since(s))
		}
	}
	fmt.Fprintf(out, "parse+compile:             p50 %7.3f ms  p99 %7.3f ms  (%d runs)\n", ms(pct(pc, 50)), ms(pct(pc, 99)), len(pc))

	limit := 50
	ask := func(q string) (*server.Answer, time.Duration, error) {
		s := time.Now()
		a, err := svc.Ask(e.ctx, server.AskRequest{Question: q, Limit: &limit})
		return a, time.Since(s), err
	}
	var seed []time.Duration
	var seedTotal int
	for r := 0; r < 30; r++ {
		a, dt, err := ask(benchMix[0])
		if err != nil {
			return fail(err)
		}
		seed, seedTotal = append(seed, dt), a.Total
	}
	fmt.Fprintf(out, "seed question (count + 50 rows): p50 %7.2f ms  p99 %7.2f ms  (total %d)\n", ms(pct(seed, 50)), ms(pct(seed, 99)), seedTotal)

	var mix []time.Duration
	perQ := map[string][]time.Duration{}
	totals := map[string]int{}
	for r := 0; r < *rounds; r++ {
		for _, q := range benchMix {
			a, dt, err := ask(q)
			if err != nil {
				return fail(fmt.Errorf("%s: %w", q, err))
			}
			if a.Status != "ok" {
				return fail(fmt.Errorf("%s: %s", q, a.Clarification.Message))
			}
			mix = append(mix, dt)
			perQ[q] = append(perQ[q], dt)
			totals[q] = answerSize(a)
		}
	}
	fmt.Fprintf(out, "20-question mix:           p50 %7.2f ms  p99 %7.2f ms  (%d asks)\n", ms(pct(mix, 50)), ms(pct(mix, 99)), len(mix))
	for _, q := range benchMix {
		fmt.Fprintf(out, "  %-30s p50 %8.2f ms  (%d)\n", q, ms(pct(perQ[q], 50)), totals[q])
	}
	if *to.engine != "" {
		if err := benchEngine(e, importDB, to, *rounds, perQ, totals); err != nil {
			return fail(err)
		}
	}
	// The same question again, answered from the cache.
	svc.NoCache = false
	var again []time.Duration
	for r := 0; r < 30; r++ {
		_, dt, err := ask(benchMix[0])
		if err != nil {
			return fail(err)
		}
		again = append(again, dt)
	}
	svc.NoCache = true
	fmt.Fprintf(out, "seed question again (answer cache): p50 %7.3f ms  p99 %7.3f ms\n", ms(pct(again, 50)), ms(pct(again, 99)))
	// The why-analysis: two snapshots' customer sets, decomposed.
	for _, q := range []string{"为什么流失客户变多了", "流失率为什么上升了", "和上个季度比重要价值客户为什么变少了"} {
		var ts []time.Duration
		var a *server.Answer
		for r := 0; r < 10; r++ {
			var dt time.Duration
			if a, dt, err = ask(q); err != nil {
				return fail(fmt.Errorf("%s: %w", q, err))
			}
			ts = append(ts, dt)
		}
		summary := "(asked back: " + a.Explanation + ")"
		if a.Insight != nil {
			summary = a.Insight.Summary
		}
		fmt.Fprintf(out, "why: %-24s p50 %7.1f ms  p99 %7.1f ms  %s\n", q, ms(pct(ts, 50)), ms(pct(ts, 99)), summary)
	}
	fmt.Fprintln(out)

	// The same questions without customer sets (as a warehouse from before
	// them answers): what the set path buys, with the answers compared.
	fmt.Fprintln(out, "customer sets vs the same plans as plain SQL (questions that use sets), same answers:")
	for _, q := range benchMix {
		a, _, err := ask(q)
		if err != nil {
			return fail(err)
		}
		if !strings.Contains(a.SQL, "set_") {
			continue
		}
		eng.PlainSQL = true
		var plain []time.Duration
		var pa *server.Answer
		for r := 0; r < *rounds; r++ {
			x, dt, err := ask(q)
			if err != nil {
				eng.PlainSQL = false
				return fail(err)
			}
			pa, plain = x, append(plain, dt)
		}
		eng.PlainSQL = false
		same := "same"
		if pa.Total != a.Total || fmt.Sprint(pa.Rows) != fmt.Sprint(a.Rows) {
			same = fmt.Sprintf("DIFFERENT (%d vs %d)", a.Total, pa.Total)
		}
		ours := pct(perQ[q], 50)
		fmt.Fprintf(out, "  %-28s sets %8.2f ms  plain SQL %8.2f ms  ×%5.1f  %s\n", q, ms(ours), ms(pct(plain, 50)), float64(pct(plain, 50))/float64(ours), same)
	}
	fmt.Fprintln(out)

	fmt.Fprintln(out, "ours vs textbook SQL (raw orders/order_items joins, segments on the fly), same answers:")
	for _, q := range benchMix {
		tb, ok := textbook[q]
		if !ok {
			continue
		}
		s := time.Now()
		res, err := svc.Exec().Run(e.ctx, executor.Statement{SQL: tb})
		if err != nil {
			return fail(fmt.Errorf("textbook %s: %w", q, err))
		}
		tt := time.Since(s)
		got := len(res.Rows)
		if len(res.Rows) == 1 && len(res.Columns) == 1 {
			if v, ok := res.Rows[0][0].(int64); ok {
				got = int(v)
			}
		}
		same := "same"
		if got != totals[q] {
			same = fmt.Sprintf("DIFFERENT (%d vs %d)", totals[q], got)
		}
		ours := pct(perQ[q], 50)
		fmt.Fprintf(out, "  %-28s ours %8.2f ms  textbook %9.1f ms  ×%6.0f  %s\n", q, ms(ours), ms(tt), float64(tt)/float64(ours), same)
	}
	if *load > 0 {
		// Served as chatbi serve serves: conversations, answers and the
		// audit in an app database (a new one each run).
		appPath := filepath.Join(*dir, "bench-app.db")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(appPath + suffix)
		}
		app, err := server.OpenAppDB(appPath)
		if err != nil {
			return fail(err)
		}
		defer app.Close()
		svc.Convs, svc.Audit, svc.App = app, app, app
		fmt.Fprintln(out)
		if err := loadTest(e, svc, "the 20-question mix, answer cache off", benchMix, []int{8, 64}, *load); err != nil {
			return fail(err)
		}
		// The seed alone, as the issue measures it: uncached (every answer
		// runs the statement), then from the answer cache.
		if err := loadTest(e, svc, "the seed question, answer cache off", benchMix[:1], []int{8}, *load); err != nil {
			return fail(err)
		}
		svc.NoCache = false
		if err := loadTest(e, svc, "the seed question, answer cache on", benchMix[:1], []int{8}, *load); err != nil {
			return fail(err)
		}
	}
	return 0
}

// answerSize is what the bench compares between engines: a list's or a
// table's total, a count's number.
func answerSize(a *server.Answer) int {
	if a.AnswerType == nlq.AnswerCount && len(a.Rows) == 1 && len(a.Rows[0]) > 0 {
		var n float64
		if _, err := fmt.Sscan(fmt.Sprint(a.Rows[0][0]), &n); err == nil {
			return int(n)
		}
	}
	return a.Total
}

// benchEngine copies the bench warehouse to the ClickHouse of --engine
// (a cluster with --cluster) and answers the mix there, beside SQLite's
// figures (sqlite: each question's times; totals: its answer's size).
// Different answers fail the bench.
func benchEngine(e env, importDB string, to copyTarget, rounds int, sqlite map[string][]time.Duration, totals map[string]int) error {
	out := e.stdout
	c, err := openTarget(e.ctx, *to.engine, *to.cluster)
	if err != nil {
		return err
	}
	defer c.close()
	start := time.Now()
	if err := c.copy(e.ctx, importDB); err != nil {
		return fmt.Errorf("copy to ClickHouse: %w", err)
	}
	first, _, _ := strings.Cut(*to.engine, ",")
	first, _, _ = strings.Cut(first, "|") // the first shard's first replica
	fmt.Fprintf(out, "\nwarehouse copied to ClickHouse: %.1f s\n", time.Since(start).Seconds())
	// A refresh inside ClickHouse of the date the warehouse has: the same
	// snapshot again, so the answers compared below test it too.
	start = time.Now()
	if _, err := clickhouse.Refresh(e.ctx, c.Cluster, schema.RefreshOptions{}); err != nil {
		return fmt.Errorf("refresh inside ClickHouse: %w", err)
	}
	fmt.Fprintf(out, "refresh inside ClickHouse: %.1f s (%d shards)\n", time.Since(start).Seconds(), len(c.Shards))
	opt := executor.Options{Timeout: 2 * time.Minute, MaxRows: 2_000_000}
	svc, err := openService(e, "", strings.TrimSpace(first), opt)
	if err != nil {
		return err
	}
	defer svc.Close()
	svc.NoCache = true
	fmt.Fprintf(out, "the mix on ClickHouse (%d runs each, answer cache off) beside SQLite:\n", rounds)
	limit := 50
	var all []time.Duration
	different := 0
	for _, q := range benchMix {
		var ts []time.Duration
		size := 0
		for r := 0; r < rounds; r++ {
			s := time.Now()
			a, err := svc.Ask(e.ctx, server.AskRequest{Question: q, Limit: &limit})
			if err != nil {
				return fmt.Errorf("%s on ClickHouse: %w", q, err)
			}
			ts, size = append(ts, time.Since(s)), answerSize(a)
		}
		all = append(all, ts...)
		same := "same"
		if size != totals[q] {
			same, different = fmt.Sprintf("DIFFERENT (SQLite %d, ClickHouse %d)", totals[q], size), different+1
		}
		fmt.Fprintf(out, "  %-30s SQLite p50 %8.2f ms  ClickHouse p50 %8.2f ms  p99 %8.2f ms  %s\n", q, ms(pct(sqlite[q], 50)), ms(pct(ts, 50)), ms(pct(ts, 99)), same)
	}
	fmt.Fprintf(out, "mix on ClickHouse:         p50 %7.2f ms  p99 %7.2f ms  (%d asks)\n\n", ms(pct(all, 50)), ms(pct(all, 99)), len(all))
	if different > 0 {
		return fmt.Errorf("%d questions answered differently on ClickHouse", different)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// pct is the p-th percentile (nearest rank).
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration{}, ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	if i < 1 {
		i = 1
	}
	return s[i-1]
}
