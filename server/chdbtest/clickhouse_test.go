package chdbtest

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/chatbi/chatbi/server/chdbtest/chdblib" // before chdb-go: finds libchdb.so
	_ "github.com/chdb-io/chdb-go/chdb/driver"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/nlq"
	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/schema/clickhouse"
	"github.com/chatbi/chatbi/schema/schematest"
	"github.com/chatbi/chatbi/server"
)

// chDB is one engine per process: a second session with another path is
// the first one. So the tests share one session, made once, and each test
// copies the warehouse it needs into it (Copy replaces the tables).
var (
	chOnce sync.Once
	chDir  string
	chDB   *sql.DB
	chErr  error
)

func TestMain(m *testing.M) {
	schematest.Main(m, func() {
		if chDB != nil {
			chDB.Close()
		}
		if chDir != "" {
			os.RemoveAll(chDir)
		}
	})
}

func session(t *testing.T) *sql.DB {
	t.Helper()
	chOnce.Do(func() {
		if chDir, chErr = os.MkdirTemp("", "chatbi-chdb"); chErr != nil {
			return
		}
		chDB, chErr = sql.Open("chdb", "session="+filepath.Join(chDir, "chdb"))
	})
	if chErr != nil {
		t.Fatal(chErr)
	}
	return chDB
}

var opt = executor.Options{Timeout: 30 * time.Second, MaxRows: 100000}

// warehouse is the public warehouse with two earlier segment snapshots
// (2026-09-30, 2026-10-31), so migrations and dated segments have
// something to compare.
func warehouse(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(schematest.PublicWarehouse(t))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "snap.db")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"2026-09-30", "2026-10-31"} {
		day, _ := schema.ParseDate(d)
		if _, err := schema.Refresh(context.Background(), path, schema.RefreshOptions{AsOf: day}); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// openChDB copies the warehouse at path into the shared chDB session.
func openChDB(t *testing.T, path string) (lite, ch *sql.DB) {
	t.Helper()
	var err error
	if lite, err = schema.OpenRO(path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	ch = session(t)
	if err := clickhouse.Copy(context.Background(), lite, ch); err != nil {
		t.Fatal(err)
	}
	return lite, ch
}

// services answers the same questions on SQLite (customer sets and all)
// and on chDB (plain SQL in the ClickHouse dialect), caches off.
func services(t *testing.T) (onSQLite, onCH *server.Service, ch *sql.DB) {
	t.Helper()
	path := warehouse(t)
	_, ch = openChDB(t, path)
	ctx := context.Background()
	a, err := server.NewService(ctx, path, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	// The service closes its pool when it closes: give it its own on the
	// shared session.
	pool, err := sql.Open("chdb", "session="+filepath.Join(chDir, "chdb"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := server.NewServiceOn(ctx, executor.OpenClickHouse(pool, opt), opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	a.NoCache, b.NoCache = true, true
	if b.Engine().Dialect != nlq.ClickHouse {
		t.Fatal("the service on chDB does not compile ClickHouse SQL")
	}
	return a, b, ch
}

// conversation is one evaluation item's turns.
type conversation struct {
	ID    string
	Turns []string
}

// questionSets reads every conversation of the public set and the
// paraphrase sets.
func questionSets(t *testing.T) []conversation {
	t.Helper()
	files, err := filepath.Glob("../../testdata/paraphrase/*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no paraphrase sets: %v", err)
	}
	files = append([]string{"../../testdata/eval/public/questions.jsonl"}, files...)
	// Beyond the sets: migrations, CLV rankings, dated segments, lifecycle
	// rates and the golden questions.
	out := []conversation{{"extra", extraQuestions}}
	golden, err := os.ReadFile("../../nlq/testdata/golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(golden), "\n") {
		if name, q, ok := strings.Cut(line, " | "); ok && !strings.HasPrefix(line, "#") {
			out = append(out, conversation{"golden:" + name, []string{q}})
		}
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var c conversation
			if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			c.ID = filepath.Base(name) + ":" + c.ID
			out = append(out, c)
		}
		f.Close()
	}
	return out
}

// extraQuestions are asked one by one (not as a conversation).
var extraQuestions = []string{
	"从2026-09-30到2026-11-22的分群迁移", "上个季度和现在的RFM分群迁移", "行为标签迁移", "上个季度和现在的行为标签迁移",
	"上个季度的重要价值客户现在有多少变成了流失客户", "上个季度是重要价值客户现在变成一般价值客户的",
	"上个季度的重要价值客户中近3个月买过口红的", "生命周期迁移",
	"预测价值最高的前50名重要价值客户", "重要价值客户中预测价值最高的前50名", "预测价值超过5000元的流失客户",
	"近3个月买过口红的客户中预测价值最高的10个", "各RFM分群的预测价值", "各城市的流失率", "各会员等级的活跃率",
	"各会员等级的复购间隔", "重要价值客户的复购间隔", "各会员等级的复购率", "近一年各城市的消费金额", "各渠道的销售额",
	"各月的销售额", "各品类近3个月的销售额", "近3个月口红的购买人数", "各城市的新客数", "每个月的新客数",
}

// TestClickHouseSameAnswers asks every public and paraphrase question —
// with its follow-up turns — on SQLite and on chDB and requires the same
// answer: status, type, columns, total and every row on the first page of
// 100. It also requires that every answer type was compared.
func TestClickHouseSameAnswers(t *testing.T) {
	a, b, _ := services(t)
	ctx := context.Background()
	limit := 100
	seen := map[string]int{}
	compared := 0
	for _, c := range questionSets(t) {
		var convA, convB string
		for _, q := range c.Turns {
			if c.ID == "extra" {
				convA, convB = "", ""
			}
			x, errA := a.Ask(ctx, server.AskRequest{Question: q, ConversationID: convA, Limit: &limit})
			y, errB := b.Ask(ctx, server.AskRequest{Question: q, ConversationID: convB, Limit: &limit})
			if (errA == nil) != (errB == nil) {
				t.Errorf("%s %q: SQLite error %v, ClickHouse error %v", c.ID, q, errA, errB)
				break
			}
			if errA != nil {
				if code(errA) != code(errB) {
					t.Errorf("%s %q: SQLite refuses with %s, ClickHouse with %s", c.ID, q, code(errA), code(errB))
				}
				break
			}
			convA, convB = x.ConversationID, y.ConversationID
			if d := diff(x, y); d != "" {
				t.Errorf("%s %q: %s\nClickHouse SQL:\n%s", c.ID, q, d, y.SQL)
				continue
			}
			compared++
			if x.Status == "ok" {
				seen[kind(x)]++
			}
		}
	}
	t.Logf("compared %d answers: %v", compared, seen)
	for _, k := range []string{"customers", "count", "table", "migration", "clv ranking"} {
		if seen[k] == 0 {
			t.Errorf("no %s answer was compared", k)
		}
	}
}

// kind names an answer's type, with migrations and CLV rankings apart.
func kind(a *server.Answer) string {
	switch p := a.Plan; {
	case p != nil && p.Migration != nil:
		return "migration"
	case p != nil && p.Sort != nil && p.Sort.By == "clv":
		return "clv ranking"
	}
	return string(a.AnswerType)
}

func code(err error) string {
	var e *server.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return err.Error()
}

// diff compares two answers as a user sees them.
func diff(x, y *server.Answer) string {
	switch {
	case x.Status != y.Status:
		return fmt.Sprintf("status %s vs %s", x.Status, y.Status)
	case x.AnswerType != y.AnswerType:
		return fmt.Sprintf("type %s vs %s", x.AnswerType, y.AnswerType)
	case strings.Join(x.Columns, ",") != strings.Join(y.Columns, ","):
		return fmt.Sprintf("columns %v vs %v", x.Columns, y.Columns)
	case x.Total != y.Total:
		return fmt.Sprintf("total %d vs %d", x.Total, y.Total)
	case len(x.Rows) != len(y.Rows):
		return fmt.Sprintf("%d rows vs %d", len(x.Rows), len(y.Rows))
	}
	for i := range x.Rows {
		if len(x.Rows[i]) != len(y.Rows[i]) {
			return fmt.Sprintf("row %d: %d values vs %d", i, len(x.Rows[i]), len(y.Rows[i]))
		}
		for j := range x.Rows[i] {
			if u, v := norm(x.Rows[i][j]), norm(y.Rows[i][j]); u != v {
				return fmt.Sprintf("row %d column %s: SQLite %s, ClickHouse %s", i, x.Columns[j], u, v)
			}
		}
	}
	return ""
}

// norm renders a value the same whichever engine's Go type carries it:
// numbers as numbers (Int64 and INTEGER, Float64 and REAL alike).
func norm(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return x
	case []byte:
		return string(x)
	case float64:
		return fmt.Sprintf("%.6g", x)
	case float32:
		return fmt.Sprintf("%.6g", float64(x))
	case int64, int32, int16, int8, int, uint64, uint32, uint16, uint8, uint:
		var f float64
		fmt.Sscan(fmt.Sprint(x), &f)
		return fmt.Sprintf("%.6g", f)
	}
	return fmt.Sprint(v)
}
