package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// chatbi runs the command as a user would and returns exit code and output.
func chatbi(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestImportAskRefresh(t *testing.T) {
	db := filepath.Join(t.TempDir(), "w.db")
	if code, out, errs := chatbi(t, "import", "--db", db, "../../testdata/eval/public/data"); code != 0 || !strings.Contains(out, "客户 2000") {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	code, out, errs := chatbi(t, "ask", "--db", db, "--json", "过去3个月买过口红没买过粉底液的重要价值客户")
	if code != 0 {
		t.Fatalf("ask: %d %s", code, errs)
	}
	var ans struct {
		Status, SQL, Explanation string
		Total                    int
		Columns                  []string
		Rows                     [][]any
	}
	if err := json.Unmarshal([]byte(out), &ans); err != nil {
		t.Fatal(err)
	}
	if ans.Status != "ok" || ans.Total != 78 || ans.Columns[0] != "customer_id" || !strings.Contains(ans.Explanation, "2026-08-23 至 2026-11-22") {
		t.Fatalf("answer %+v", ans)
	}
	code, out, _ = chatbi(t, "ask", "--db", db, "各RFM分群的客户数")
	if code != 0 || !strings.Contains(out, "重要价值客户  281") {
		t.Fatalf("table: %d\n%s", code, out)
	}
	if code, out, _ = chatbi(t, "ask", "--db", db, "买过游艇的客户"); code != 3 || !strings.Contains(out, "游艇") {
		t.Fatalf("clarify: %d %s", code, out)
	}
	if code, out, errs = chatbi(t, "refresh", "--db", db, "--as-of", "2026-10-31"); code != 0 {
		t.Fatalf("refresh: %d %s %s", code, out, errs)
	}
	code, out, _ = chatbi(t, "ask", "--db", db, "--as-of", "2026-10-31", "--json", "重要价值客户有多少")
	if code != 0 || !strings.Contains(out, `"status": "ok"`) {
		t.Fatalf("ask on the new snapshot: %d %s", code, out)
	}
}

func TestDemoAndEval(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	if code, out, errs := chatbi(t, "demo", "--db", db, "--customers", "2000", "--seed", "3"); code != 0 {
		t.Fatalf("demo: %d %s %s", code, out, errs)
	}
	code, out, _ := chatbi(t, "ask", "--db", db, "过去3个月买过口红没买过粉底液的重要价值客户")
	if code != 0 || !strings.Contains(out, "位客户") {
		t.Fatalf("seed question on the demo: %d %s", code, out)
	}
	pub := filepath.Join(t.TempDir(), "pub.db")
	chatbi(t, "import", "--db", pub, "../../testdata/eval/public/data")
	code, out, _ = chatbi(t, "eval", "--db", pub, "--questions", "../../testdata/eval/public/questions.jsonl")
	if code != 0 || !strings.Contains(out, "105 passed, 0 failed") {
		t.Fatalf("eval: %d %s", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"import"}, {"import", "--db", "x.db", "--as-of", "yesterday", "dir"}, {"ask"}, {"demo", "--customers", "0"}} {
		if code, _, _ := chatbi(t, args...); code == 0 {
			t.Errorf("%v: exit 0", args)
		}
	}
	db := filepath.Join(t.TempDir(), "w.db")
	if code, _, errs := chatbi(t, "import", "--db", db, t.TempDir()); code != 1 || !strings.Contains(errs, "customers.csv") {
		t.Errorf("import of an empty dir: %d %s", code, errs)
	}
}

func TestCDNOWCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "csv")
	if code, _, errs := chatbi(t, "cdnow", "../../testdata/cdnow/CDNOW_sample.txt", out); code != 0 {
		t.Fatalf("cdnow: %s", errs)
	}
	db := filepath.Join(t.TempDir(), "cdnow.db")
	if code, _, errs := chatbi(t, "import", "--db", db, "--as-of", "1997-09-30", out); code != 0 {
		t.Fatalf("import: %s", errs)
	}
	code, stdout, _ := chatbi(t, "ask", "--db", db, "--limit", "3", "预测未来一年价值最高的10个客户")
	if code != 0 || !strings.Contains(stdout, "共 10 位客户") || !strings.Contains(stdout, "预测价值") {
		t.Fatalf("ask on CDNOW: %d\n%s", code, stdout)
	}
}

// A retailer's own words through CHATBI_LEXICON, as `chatbi ask` reads them;
// a bad file is refused with its name and line.
func TestRetailerLexicon(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "w.db")
	if code, _, errs := chatbi(t, "import", "--db", db, "../../testdata/eval/public/data"); code != 0 {
		t.Fatal(errs)
	}
	if code, _, _ := chatbi(t, "ask", "--db", db, "近3个月买过唇膏的客户有多少"); code == 0 {
		t.Fatal("唇膏 is read without the retailer's file: the test proves nothing")
	}
	shop := filepath.Join(dir, "shop.lex")
	os.WriteFile(shop, []byte("# our words\nalias=口红: 唇膏\n"), 0o644)
	t.Setenv("CHATBI_LEXICON", shop)
	code, out, errs := chatbi(t, "ask", "--db", db, "近3个月买过唇膏的客户有多少")
	if code != 0 || !strings.Contains(out, "口红") {
		t.Fatalf("with the retailer's file: %d %s %s", code, out, errs)
	}
	os.WriteFile(shop, []byte("alias=游艇: 快艇\n"), 0o644)
	if code, _, errs := chatbi(t, "ask", "--db", db, "重要价值客户有多少"); code == 0 || !strings.Contains(errs, "shop.lex:1") {
		t.Fatalf("a bad lexicon file: %d %s", code, errs)
	}
}

// Help is Chinese and asked-for help succeeds; import's help lists its
// files and columns; flags may come after the question.
func TestHelpAndFlagOrder(t *testing.T) {
	if code, out, _ := chatbi(t, "-h"); code != 0 || !strings.Contains(out, "用法") {
		t.Errorf("chatbi -h: %d %q", code, out)
	}
	code, out, _ := chatbi(t, "import", "-h")
	if code != 0 || !strings.Contains(out, "customers.csv") || !strings.Contains(out, "必需列：customer_id, register_date") ||
		!strings.Contains(out, "--db 文字") || strings.Contains(out, "default") {
		t.Errorf("import -h: %d %s", code, out)
	}
	for _, name := range []string{"ask", "serve", "refresh", "demo", "eval", "bench", "load", "cdnow"} {
		if code, out, _ := chatbi(t, name, "-h"); code != 0 || !strings.Contains(out, "用法：chatbi") {
			t.Errorf("%s -h: %d %q", name, code, out)
		}
	}
	pub := filepath.Join(t.TempDir(), "pub.db")
	chatbi(t, "import", "--db", pub, "../../testdata/eval/public/data")
	if code, out, errs := chatbi(t, "ask", "重要价值客户有多少", "--db", pub); code != 0 || !strings.Contains(out, "客户数：281") {
		t.Errorf("flags after the question: %d %s %s", code, out, errs)
	}
}
