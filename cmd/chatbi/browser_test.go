package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// startServer runs the real `chatbi serve` on a loopback port over a
// warehouse imported from the public data, and returns its base URL.
func startServer(t *testing.T, keys ...string) string {
	t.Helper()
	return startServerWith(t, keys, nil)
}

// startServerWith is startServer with admin keys too.
func startServerWith(t *testing.T, keys, adminKeys []string) string {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "pub.db")
	if code, _, errs := chatbi(t, "import", "--db", db, "../../testdata/eval/public/data"); code != 0 {
		t.Fatalf("import: %s", errs)
	}
	// A second, earlier snapshot for "why did it change" questions.
	if code, _, errs := chatbi(t, "refresh", "--db", db, "--as-of", "2026-08-24"); code != 0 {
		t.Fatalf("refresh: %s", errs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan int, 1)
	var out bytes.Buffer
	go func() {
		e := env{ctx: ctx, stdin: strings.NewReader(""), stdout: &out, stderr: io.Discard}
		done <- serve(e, serveConfig{db: db, addr: "127.0.0.1:0", timeout: 5 * time.Second, maxRows: 10000, rate: 100, burst: 100, keys: keys, adminKeys: adminKeys},
			slog.New(slog.NewTextHandler(io.Discard, nil)), func(a string) { addrc <- a })
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d", code)
		}
	})
	select {
	case a := <-addrc:
		return "http://" + a
	case code := <-done:
		t.Fatalf("serve exited %d", code)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	return ""
}

func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CHATBI_SKIP_BROWSER") != "" {
		t.Skip("CHATBI_SKIP_BROWSER is set and no chromium is installed")
	}
	t.Fatal("chromium is not installed: run scripts/test-deps.sh (make test does), or set CHATBI_SKIP_BROWSER=1")
	return ""
}

// TestChatPageInBrowser drives the chat page in headless Chromium: it types
// the seed question, waits for the table, checks the count, downloads the
// whole list as CSV, and saves a screenshot.
func TestChatPageInBrowser(t *testing.T) {
	exe := chromiumPath(t)
	base := startServer(t)
	downloads := t.TempDir()
	ctx := newBrowser(t, exe)

	var total, explanation, rows string
	var shot []byte
	err := chromedp.Run(ctx,
		browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(downloads).WithEventsEnabled(true),
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`#rfm li`, chromedp.ByQuery), // the side panel loaded segment sizes
		chromedp.SendKeys(`#question`, "过去3个月买过口红没买过粉底液的重要价值客户", chromedp.ByQuery),
		chromedp.Click(`#send`, chromedp.ByQuery),
		chromedp.WaitVisible(`.answer[data-status="ok"] table tbody tr`, chromedp.ByQuery),
		chromedp.Text(`.answer .total`, &total, chromedp.ByQuery),
		chromedp.Text(`.answer .explain`, &explanation, chromedp.ByQuery),
		chromedp.Evaluate(`String(document.querySelectorAll('.answer table tbody tr').length)`, &rows),
		chromedp.FullScreenshot(&shot, 100),
	)
	if err != nil {
		t.Fatal(err)
	}
	saveShot(t, "chat.png", shot)
	if total != "78" || rows != "20" || !strings.Contains(explanation, "2026-08-23 至 2026-11-22") {
		t.Fatalf("total %q, rows on the page %q, explanation %q", total, rows, explanation)
	}
	// The CSV button downloads the whole list, not the page.
	if err := chromedp.Run(ctx, chromedp.Click(`.answer .downloads a.csv`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	// The file is named after the question and date, and holds a header
	// block (what was asked) and the whole list with Chinese headers.
	var recs [][]string
	var name string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		files, _ := filepath.Glob(filepath.Join(downloads, "*.csv"))
		if len(files) == 1 {
			b, _ := os.ReadFile(files[0])
			r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF"))))
			r.FieldsPerRecord = -1
			if recs, _ = r.ReadAll(); len(recs) == 6+1+78 {
				name = filepath.Base(files[0])
				break
			}
		}
	}
	if len(recs) != 6+1+78 || recs[0][1] != "过去3个月买过口红没买过粉底液的重要价值客户" || recs[6][0] != "客户编号" ||
		name != "过去3个月买过口红没买过粉底液的重要价值客户-2026-11-22.csv" {
		t.Fatalf("CSV download %q: %d records (want 6 header lines, the column names and 78 customers)", name, len(recs))
	}
	// A clarify shows its suggestions as chips; clicking one asks again.
	var chip string
	err = chromedp.Run(ctx,
		chromedp.SendKeys(`#question`, "近3个月买过粉底的客户", chromedp.ByQuery),
		chromedp.Click(`#send`, chromedp.ByQuery),
		chromedp.WaitVisible(`.answer[data-status="clarify"] .chip`, chromedp.ByQuery),
		chromedp.Text(`.answer[data-status="clarify"] .chip`, &chip, chromedp.ByQuery),
		chromedp.Click(`.answer[data-status="clarify"] .chip`, chromedp.ByQuery),
		chromedp.WaitVisible(`.answer[data-status="ok"] + .msg.user + .answer[data-status="clarify"] + .msg.user + .answer[data-status="ok"]`, chromedp.ByQuery),
	)
	if err != nil || chip != "粉底液" {
		t.Fatalf("clarify chip %q: %v", chip, err)
	}
	// A table answer draws its bar chart: one bar per RFM class.
	var bars string
	err = chromedp.Run(ctx,
		chromedp.SendKeys(`#question`, "各RFM分群的客户数", chromedp.ByQuery),
		chromedp.Click(`#send`, chromedp.ByQuery),
		chromedp.WaitVisible(`.answer[data-type="table"] svg.chart`, chromedp.ByQuery),
		chromedp.Evaluate(`String(document.querySelectorAll('.answer[data-type="table"] svg.chart rect.bar').length)`, &bars),
		chromedp.ScrollIntoView(`.answer[data-type="table"]`, chromedp.ByQuery),
		chromedp.CaptureScreenshot(&shot),
	)
	if err != nil || bars != "8" {
		t.Fatalf("chart bars %q: %v", bars, err)
	}
	saveShot(t, "chat-table.png", shot)
	// Behaviour tags as a table, then how to act on a segment: its
	// suggested action on a card of its own.
	var strategyCard string
	err = chromedp.Run(ctx,
		chromedp.SendKeys(`#question`, "各行为标签的人数", chromedp.ByQuery),
		chromedp.Click(`#send`, chromedp.ByQuery),
		chromedp.WaitVisible(`.answer[data-type="table"] + .msg.user + .answer[data-type="table"] svg.chart`, chromedp.ByQuery),
		chromedp.Evaluate(`String(document.querySelectorAll('.answer[data-type="table"]')[1].querySelectorAll('svg.chart rect.bar').length)`, &bars),
		chromedp.SendKeys(`#question`, "重要挽留客户应该怎么运营", chromedp.ByQuery),
		chromedp.Click(`#send`, chromedp.ByQuery),
		chromedp.WaitVisible(`.answer[data-type="count"] .strategy`, chromedp.ByQuery),
		chromedp.Text(`.answer[data-type="count"] .strategy`, &strategyCard, chromedp.ByQuery),
		chromedp.ScrollIntoView(`.answer[data-type="count"] .strategy`, chromedp.ByQuery),
		chromedp.CaptureScreenshot(&shot),
	)
	if err != nil || bars != "5" || !strings.Contains(strategyCard, "运营建议 · 重要挽留客户") || !strings.Contains(strategyCard, "召回") {
		t.Fatalf("tag chart bars %q, strategy card %q: %v", bars, strategyCard, err)
	}
	saveShot(t, "chat-strategy.png", shot)
	// Why did it change: the summary, the drivers table and its chart.
	var why, driverRows string
	err = chromedp.Run(ctx,
		chromedp.SendKeys(`#question`, "流失率为什么上升了", chromedp.ByQuery),
		chromedp.Click(`#send`, chromedp.ByQuery),
		chromedp.WaitVisible(`.answer[data-type="count"] + .msg.user + .answer[data-type="table"] .insight`, chromedp.ByQuery),
		chromedp.Text(`.answer[data-type="count"] + .msg.user + .answer[data-type="table"] .insight`, &why, chromedp.ByQuery),
		chromedp.Evaluate(`String(document.querySelectorAll('.answer[data-type="count"] + .msg.user + .answer[data-type="table"] svg.chart rect.bar').length)`, &driverRows),
		chromedp.ScrollIntoView(`.answer[data-type="count"] + .msg.user + .answer[data-type="table"] svg.chart`, chromedp.ByQuery),
		chromedp.CaptureScreenshot(&shot),
	)
	if err != nil || !strings.Contains(why, "流失率从 2026-08-24 的") || driverRows == "0" || driverRows == "" {
		t.Fatalf("why: %q, chart bars %q: %v", why, driverRows, err)
	}
	saveShot(t, "chat-why.png", shot)
	// A phone-width screen keeps the page usable.
	err = chromedp.Run(ctx, chromedp.EmulateViewport(390, 844),
		chromedp.ScrollIntoView(`.answer[data-status="clarify"]`, chromedp.ByQuery), chromedp.CaptureScreenshot(&shot),
		chromedp.Click(`#togglePanel`, chromedp.ByQuery), chromedp.WaitVisible(`#panel.open`, chromedp.ByQuery))
	if err != nil {
		t.Fatal(err)
	}
	saveShot(t, "chat-phone.png", shot)
}

// newBrowser starts headless Chromium for one test (closed with it).
func newBrowser(t *testing.T, exe string) context.Context {
	// Chromium's helper processes may still write its profile after the
	// browser exits; t.TempDir's cleanup would fail on that, so the
	// profile is removed best-effort instead.
	profile, err := os.MkdirTemp("", "chatbi-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i := 0; i < 20 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	return ctx
}

// saveShot keeps a screenshot in the test's temp dir, or in
// $CHATBI_SCREENSHOT_DIR to look at it after the run.
func saveShot(t *testing.T, name string, png []byte) {
	dir := os.Getenv("CHATBI_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Error(err)
	}
}
