package nlq

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/schema/schematest"
)

// setPathQuestions exercise the set path's corners beyond the golden and
// evaluation questions: negated attributes (NULL must stay excluded), OR,
// product-level and channel sets, residual conditions, other sort keys.
var setPathQuestions = []string{
	// Ages from the one-per-year age sets (a missing birth date is in none).
	"30岁以上的重要价值客户有多少", "25到35岁的女性客户", "近3个月买过口红的40岁以下客户", "年龄在20到30岁之间的沉默客户有多少",
	"不是30岁以上的重要价值客户有多少", "90后的重要价值客户", "45岁及以上买过面霜的客户",
	"双十一买过口红没买过粉底液的客户", "去年双十一买过口红的重要价值客户", "近3个月买过口红 眼影的客户", "近半年买过2次以上香水的重要价值客户", "近3个月用券买过口红的重要价值客户", "近一年参加过促销但没买过面霜的客户", "不是重要价值客户的武汉客户", "买过口红但不是流失客户的女性",
	"近3个月买过口红的非女性客户",
	"近3个月买过口红但不是重要价值客户的",
	"不在北京的近3个月买过面霜的客户",
	"近3个月买过口红或者粉底液的重要价值客户",
	"近3个月买过口红或者是重要价值客户的金卡会员",
	"近30天在天猫买过香奈儿口红的客户",
	"近3个月线上买过香水的女性客户",
	"近3个月没在门店买过口红但在线上买过口红的客户",
	"近一年买过面霜的30岁以上客户",
	"近一年买过面霜且近一年消费超过3000元的客户",
	"近3个月买过口红的客户中预测价值最高的10个",
	"近3个月买过口红的客户按最近购买时间排序",
	"买过口红没买过粉底液的客户",
	"买过口红的沉默客户有多少",
	"近3个月买过口红没买过粉底液的90后女性客户有多少",
	"近3个月买过口红的一线城市客户",
	"近3个月买过口红的高潜力客户",
	"近半年买过眼影的金卡或银卡会员",
	"从未买过面霜的客户中近3个月买过口红的",
	"近3个月买过口红但不是北京和上海的客户",
	"近3个月买过口红但不是重要价值客户或金卡会员的",
	"近3个月买过口红，排除金卡女性",
	"近3个月买过口红的客户，排除北京的和买过粉底液的",
	"近3个月在天猫以外的渠道买过口红的重要价值客户",
	"以前买过口红但近3个月没买过的女性客户",
	// Segments at the earlier snapshot (the holey warehouse has one).
	"上个季度的重要价值客户中近3个月买过口红的",
	"上个季度的重要价值客户中近3个月没买过口红的有多少",
	"上个季度是重要价值客户现在变成一般价值客户的",
}

// TestSetPathSameAnswers answers every question both ways — with the
// customer sets and as plain SQL — on the public warehouse and requires
// the same rows in the same order, and that the set path was taken often.
func TestSetPathSameAnswers(t *testing.T) {
	e, db := publicEngineDB(t)
	compareSetPath(t, e, db, 40)
	// The public customers all have a gender, city and level; NULLs are
	// where set algebra and SQL's three-valued logic could part.
	e, db = holeyWarehouse(t)
	compareSetPath(t, e, db, 40)
}

// holeyWarehouse imports the public data with some customers' gender,
// city, province and member level left empty.
func holeyWarehouse(t *testing.T) (*Engine, *sql.DB) {
	t.Helper()
	dir := t.TempDir()
	src := schematest.PublicDataDir()
	for _, name := range []string{"products.csv", "orders.csv", "order_items.csv"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	in, err := os.Open(filepath.Join(src, "customers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	recs, err := csv.NewReader(in).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.TrimPrefix(h, "\uFEFF")] = i
	}
	for i, r := range recs[1:] {
		for every, name := range map[int]string{3: "gender", 5: "city", 7: "member_level"} {
			if i%every == 0 {
				r[col[name]] = ""
			}
		}
		if i%5 == 0 {
			r[col["province"]] = ""
		}
	}
	out, err := os.Create(filepath.Join(dir, "customers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(out)
	w.WriteAll(recs)
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "holey.db")
	if _, err := schema.Import(context.Background(), path, dir, schema.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	// A second, earlier snapshot, for segments read at a past date.
	if _, err := schema.Refresh(context.Background(), path, schema.RefreshOptions{AsOf: time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	x, err := executor.Open(path, executor.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	cat, err := schema.LoadCatalog(context.Background(), x.DB())
	if err != nil {
		t.Fatal(err)
	}
	return NewEngine(cat), x.DB()
}

func compareSetPath(t *testing.T, e *Engine, db *sql.DB, atLeast int) {
	t.Helper()
	plain := *e
	plain.PlainSQL = true
	qs := append([]string{}, setPathQuestions...)
	src, err := os.ReadFile("testdata/golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(src), "\n") {
		if _, q, ok := strings.Cut(line, " | "); ok && !strings.HasPrefix(line, "#") {
			qs = append(qs, q)
		}
	}
	f, err := os.Open("../testdata/eval/public/questions.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var ev struct{ Turns []string }
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		qs = append(qs, ev.Turns[0])
	}

	viaSets := 0
	for _, q := range qs {
		p, err := e.Parse(q, asOf, nil)
		if err != nil || (p.Answer != AnswerCustomers && p.Answer != AnswerCount) {
			continue
		}
		page := Page{Limit: 100000}
		withSets, err := e.Compile(p, page)
		if err != nil {
			continue
		}
		asSQL, err := plain.Compile(p, page)
		if err != nil {
			t.Fatalf("%s: plain compile: %v", q, err)
		}
		if strings.Contains(asSQL.SQL, "set_") {
			t.Fatalf("%s: PlainSQL still uses sets:\n%s", q, asSQL.SQL)
		}
		if !strings.Contains(withSets.SQL, "set_") {
			continue
		}
		viaSets++
		got, want := queryAll(t, db, withSets), queryAll(t, db, asSQL)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the set path answers %d rows, plain SQL %d; first difference at %s\n%s",
				q, len(got), len(want), firstDiff(got, want), withSets.SQL)
		}
	}
	if viaSets < atLeast {
		t.Errorf("only %d questions took the set path; the comparison proves little", viaSets)
	}
	t.Logf("%d of %d questions compared via the set path", viaSets, len(qs))
}

func queryAll(t *testing.T, db *sql.DB, q *Query) []string {
	t.Helper()
	rows, err := db.Query(q.SQL, q.Args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, q.SQL)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		v := make([]any, len(cols))
		ptr := make([]any, len(cols))
		for i := range v {
			ptr[i] = &v[i]
		}
		if err := rows.Scan(ptr...); err != nil {
			t.Fatal(err)
		}
		for i, x := range v {
			if b, ok := x.([]byte); ok {
				v[i] = string(b)
			}
		}
		out = append(out, fmt.Sprint(v...))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func firstDiff(a, b []string) string {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return fmt.Sprintf("row %d: %s vs %s", i, a[i], b[i])
		}
	}
	return fmt.Sprintf("row %d (one list ends)", min(len(a), len(b)))
}

// TestSetAttrsAreStored: every attribute the compiler reads from
// customer_sets is one refresh writes; a missing one would read as empty.
func TestSetAttrsAreStored(t *testing.T) {
	stored := map[string]bool{}
	for _, a := range schema.SetAttrs {
		stored[a] = true
	}
	for k := range attrColumn {
		if a := setAttr(k); a != "" && !stored[a] {
			t.Errorf("condition %s reads customer_sets attr %q, which refresh does not write", k, a)
		}
	}
}

// A list walked down a spend index (compile_list.go walkPage) pages exactly
// as the sorted plain SQL does: the first page, pages inside the walk,
// pages across its end into the members with nothing spent, past the end,
// and a top N inside a set.
func TestWalkedPagesSameAnswers(t *testing.T) {
	e, db := publicEngineDB(t)
	comparePages(t, e, db)
	// Rankings in buckets of 8, 16, … 128: a page's members come from
	// several buckets, or from deep ones (一般发展客户 spend little).
	defer func(b int) { schema.RankBucketBase = b }(schema.RankBucketBase)
	schema.RankBucketBase = 8
	path := filepath.Join(t.TempDir(), "ranks.db")
	if _, err := schema.Import(context.Background(), path, schematest.PublicDataDir(), schema.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	x, err := executor.Open(path, executor.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	var buckets int
	x.DB().QueryRow(`SELECT count(*) FROM window_ranks WHERE col = 'spend_all'`).Scan(&buckets)
	if buckets < 10 {
		t.Fatalf("%d buckets", buckets)
	}
	cat, err := schema.LoadCatalog(context.Background(), x.DB())
	if err != nil {
		t.Fatal(err)
	}
	comparePages(t, NewEngine(cat), x.DB())
}

func comparePages(t *testing.T, e *Engine, db *sql.DB) {
	t.Helper()
	plain := *e
	plain.PlainSQL = true
	walked, tails := 0, 0
	for _, q := range []string{
		"过去3个月买过口红没买过粉底液的重要价值客户", "近3个月没买过口红的重要价值客户", "今年没买过面霜的重要保持客户",
		"沉默客户中买过防晒霜的", "近30天买过香水的客户", "近一年买过口红的女性客户", "近半年买过面膜的金卡会员",
		"重要价值客户中近3个月消费最高的5个", "近3个月买过口红的客户中消费最多的3位", "买过口红的重要价值客户",
		"近一年没买过香水的流失客户", "上海的近3个月买过面霜的客户",
		// Set conditions only, and everyone: walked without a purchase.
		"一般发展客户有哪些", "近3个月消费金额前10的客户", "消费金额最高的20个客户", "杭州的女性客户",
		"最近90天买过眼影的会员有哪些", "近一周买过面膜的客户",
		// Thresholds on the walked window only: one index walk, one range count.
		"近一年消费超过3000块的客户", "近一年买了3次以上的客户", "近3个月消费超过500元且买了2次以上的客户", "累计消费超过5000元的客户",
		"近一年消费超过1000元的客户中消费最高的3个", "近半年至少买过2次的客户",
	} {
		p, err := e.Parse(q, asOf, nil)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		all, err := plain.Compile(p, Page{Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(all.SQL, "set_") {
			t.Fatalf("%s: PlainSQL walks:\n%s", q, all.SQL)
		}
		want := queryAll(t, db, all)
		spent := 0 // rows with spend (column 消费金额) above zero
		rows, err := db.Query(all.SQL, all.Args...)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			v := make([]any, len(all.Columns)+1)
			ptr := make([]any, len(v))
			for i := range v {
				ptr[i] = &v[i]
			}
			if err := rows.Scan(ptr...); err != nil {
				t.Fatal(err)
			}
			if f, _ := v[8].(float64); f > 0 {
				spent++
			}
		}
		rows.Close()
		if spent < len(want) {
			tails++
		}
		for _, pg := range []Page{{Limit: 7}, {Limit: 7, Offset: 7}, {Limit: 50}, {Limit: 5, Offset: max(0, spent-2)}, {Limit: 10, Offset: len(want) - 3}, {Limit: 10, Offset: len(want) + 5}} {
			got, err := e.Compile(p, pg)
			if err != nil {
				t.Fatal(err)
			}
			if pg.Offset == 0 && pg.Limit == 7 {
				if !strings.Contains(got.SQL, "INDEXED BY customer_windows_spend_") && !strings.Contains(got.SQL, "set_head(") {
					t.Errorf("%s: not walked\n%s", q, got.SQL)
					break
				}
				walked++
			}
			exp, err := plain.Compile(p, pg)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := queryAll(t, db, got), queryAll(t, db, exp); !reflect.DeepEqual(g, w) {
				t.Errorf("%s, page %+v: walked %d rows, sorted %d; first difference at %s", q, pg, len(g), len(w), firstDiff(g, w))
			}
		}
	}
	if walked < 10 || tails < 2 {
		t.Errorf("%d questions walked, %d with members who spent nothing: too few to prove the walk", walked, tails)
	}
}

// An age range is a union of the snapshot's one-per-year age sets, so a
// count of ages in a segment reads no customer row.
func TestAgeFromSets(t *testing.T) {
	e, _ := publicEngineDB(t)
	for _, q := range []string{"30岁以上的重要价值客户有多少", "年龄在20到30岁之间的沉默客户有多少", "45岁及以上的女性客户有多少"} {
		p, err := e.Parse(q, asOf, nil)
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.Compile(p, Page{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(c.SQL, "SELECT set_count(") || !strings.Contains(c.SQL, "cs.value BETWEEN ? AND ?") || strings.Contains(c.SQL, "birth_date") {
			t.Errorf("%s: not answered from the age sets:\n%s", q, c.SQL)
		}
	}
}

// Grouped counts and rates from the sets (setTable) give the plain SQL's
// rows: counts, 流失率 / 活跃率, and 复购率 over the whole history or a
// standard window, on the public data and with attributes left empty.
func TestSetTablesSameAnswers(t *testing.T) {
	qs := []string{"各RFM分群的客户数", "各城市的重要价值客户数量", "各会员等级的流失率", "各城市的活跃率", "各会员等级的复购率",
		"各会员等级近一年的复购率", "近3个月各城市的复购率", "今年各性别的复购率", "近30天各行为标签的复购率", "近半年买过口红的客户各会员等级的复购率"}
	e, db := publicEngineDB(t)
	compareTables(t, e, db, qs)
	e, db = holeyWarehouse(t)
	compareTables(t, e, db, qs)
}

func compareTables(t *testing.T, e *Engine, db *sql.DB, qs []string) {
	t.Helper()
	plain := *e
	plain.PlainSQL = true
	viaSets := 0
	for _, q := range qs {
		p, err := e.Parse(q, asOf, nil)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		got, err := e.Compile(p, Page{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		want, err := plain.Compile(p, Page{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(got.SQL, "set_count(") {
			viaSets++
		} else {
			t.Logf("%s: plain SQL", q)
		}
		if g, w := queryAll(t, db, got), queryAll(t, db, want); !reflect.DeepEqual(g, w) {
			t.Errorf("%s: sets %v, plain %v\n%s", q, g, w, got.SQL)
		}
	}
	if viaSets < len(qs)-2 {
		t.Errorf("only %d of %d grouped questions used the sets", viaSets, len(qs))
	}
}

// Item-level sums from product_days give the order lines' answers: by
// category, brand, L1 and product, for one item or a combination, over
// windows, festivals and the whole history.
func TestProductDaysSameAnswers(t *testing.T) {
	e, db := publicEngineDB(t)
	plain := *e
	plain.PlainSQL = true
	rolled := 0
	for _, q := range []string{"各品类近3个月的销售额", "近3个月各品牌的销量", "口红近一年的销售额", "香奈儿口红今年的销量", "各大类的销售额",
		"双十一期间口红的销售额", "香水近一年卖了多少件", "各商品近30天的销量", "近一年销售额最高的5个品牌", "去年各品类的销售额和销量"} {
		p, err := e.Parse(q, asOf, nil)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		got, err := e.Compile(p, Page{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		want, err := plain.Compile(p, Page{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(got.SQL, "product_days") {
			rolled++
		} else {
			t.Logf("%s: lines", q)
		}
		if g, w := queryAll(t, db, got), queryAll(t, db, want); !reflect.DeepEqual(g, w) || len(w) == 0 {
			t.Errorf("%s: product_days %v, lines %v\n%s", q, g, w, got.SQL)
		}
	}
	if rolled < 9 {
		t.Errorf("only %d questions read product_days", rolled)
	}
}

// Tables of orders by channel or month from order_days and the day sets
// give the order rows' answers.
func TestOrderDaysSameAnswers(t *testing.T) {
	e, db := publicEngineDB(t)
	plain := *e
	plain.PlainSQL = true
	rolled := 0
	for _, q := range []string{"各月的销售额", "近3个月各渠道的订单数", "各渠道的客单价", "近半年每个月的消费金额和订单数", "各渠道的平均订单金额",
		"今年各月的客户数", "近一年订单数最多的渠道", "各渠道的客户数", "去年每个月的客单价", "近30天各渠道的消费金额"} {
		p, err := e.Parse(q, asOf, nil)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		got, err := e.Compile(p, Page{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		want, err := plain.Compile(p, Page{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(got.SQL, "order_days") {
			rolled++
		} else {
			t.Logf("%s: orders", q)
		}
		if g, w := queryAll(t, db, got), queryAll(t, db, want); !reflect.DeepEqual(g, w) || len(w) == 0 {
			t.Errorf("%s: order_days %v, orders %v\n%s", q, g, w, got.SQL)
		}
	}
	if rolled < 9 {
		t.Errorf("only %d questions read order_days", rolled)
	}
}
