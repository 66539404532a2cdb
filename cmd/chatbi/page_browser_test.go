package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TestPageDetailsInBrowser checks the everyday details of the chat page in
// Chromium, at desktop and phone widths (screenshots page-*.png): the
// answer scrolls into view with the input still visible; numbers read as
// people read them; Chinese headers; a count offers its list; an empty
// result is a message, not an error; the SQL with its values inlined; a
// monthly answer is a line chart with its partial month marked; a server
// with keys asks for one in plain words.
func TestPageDetailsInBrowser(t *testing.T) {
	exe := chromiumPath(t)
	for _, width := range []int64{1280, 390} {
		t.Run(map[int64]string{1280: "desktop", 390: "phone"}[width], func(t *testing.T) {
			base := startServer(t)
			ctx := newBrowser(t, exe)
			var jsErrors []string
			chromedp.ListenTarget(ctx, func(ev any) {
				if e, ok := ev.(*runtime.EventExceptionThrown); ok {
					jsErrors = append(jsErrors, e.ExceptionDetails.Text)
				}
			})
			ask := func(q, wait string) chromedp.Tasks {
				return chromedp.Tasks{chromedp.SendKeys(`#question`, q, chromedp.ByQuery), chromedp.Click(`#send`, chromedp.ByQuery),
					chromedp.WaitVisible(wait, chromedp.ByQuery)}
			}
			var shot []byte
			var inView, header, money, inlined, showList string
			err := chromedp.Run(ctx, chromedp.EmulateViewport(width, 860), chromedp.Navigate(base+"/"),
				chromedp.WaitVisible(`#question`, chromedp.ByQuery),
				ask("过去3个月买过口红没买过粉底液的重要价值客户", `.answer[data-type="customers"] table`),
				ask("重要价值客户有多少", `.answer[data-type="count"] button.showlist`),
				chromedp.Evaluate(`(() => { const q = document.getElementById("question").getBoundingClientRect();
					const a = [...document.querySelectorAll(".answer")].pop().getBoundingClientRect();
					return String(q.bottom <= window.innerHeight && q.top >= 0 && a.top < window.innerHeight); })()`, &inView),
				chromedp.Text(`.answer[data-type="customers"] thead th`, &header, chromedp.ByQuery),
				chromedp.Evaluate(`(() => { const t = document.querySelector('.answer[data-type="customers"] table');
					const i = [...t.querySelectorAll("th")].findIndex((th) => th.textContent.startsWith("消费金额"));
					return t.querySelector("tbody tr").children[i].textContent; })()`, &money),
				chromedp.Evaluate(`document.querySelector('.answer[data-type="customers"] pre.inlined').textContent`, &inlined),
				chromedp.CaptureScreenshot(&shot),
			)
			if err != nil {
				t.Fatal(err)
			}
			saveShot(t, "page-"+map[int64]string{1280: "desktop", 390: "phone"}[width]+"-answers.png", shot)
			if inView != "true" || header != "客户编号" || !strings.Contains(money, ",") || !strings.Contains(money, ".") ||
				!strings.Contains(inlined, "'口红'") || strings.Contains(inlined, "?") {
				t.Errorf("in view %s, header %q, money %q, inlined SQL %q", inView, header, money, inlined[:min(80, len(inlined))])
			}
			// The count's 查看名单 lists its customers.
			err = chromedp.Run(ctx, chromedp.Click(`.answer[data-type="count"] button.showlist`, chromedp.ByQuery),
				chromedp.WaitVisible(`.answer[data-type="count"] + .msg.user + .answer[data-type="customers"] .total`, chromedp.ByQuery),
				chromedp.Text(`.answer[data-type="count"] + .msg.user + .answer[data-type="customers"] .total`, &showList, chromedp.ByQuery))
			if err != nil || showList != "281" {
				t.Errorf("查看名单: %q %v", showList, err)
			}
			// An empty result, a monthly line chart with its partial month.
			var empty, note string
			err = chromedp.Run(ctx,
				ask("上海的促销敏感型重要价值客户", `.answer .empty`),
				chromedp.Text(`.answer .empty`, &empty, chromedp.ByQuery),
				ask("近6个月每月的消费金额", `svg.chart.line`),
				chromedp.Text(`.partialnote`, &note, chromedp.ByQuery),
				chromedp.ScrollIntoView(`svg.chart.line`, chromedp.ByQuery),
				chromedp.CaptureScreenshot(&shot))
			if err != nil || !strings.Contains(empty, "没有符合条件的客户") || !strings.Contains(note, "部分月份") {
				t.Errorf("empty %q, partial note %q: %v", empty, note, err)
			}
			saveShot(t, "page-"+map[int64]string{1280: "desktop", 390: "phone"}[width]+"-chart.png", shot)
			if len(jsErrors) > 0 {
				t.Errorf("JavaScript errors: %v", jsErrors)
			}
		})
	}
	// With keys set the page asks for one, in plain words, before anything.
	base := startServerWith(t, []string{"k"}, nil)
	ctx := newBrowser(t, exe)
	var prompt string
	err := chromedp.Run(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(`#keyBox`, chromedp.ByQuery),
		chromedp.Text(`#keyBox label`, &prompt, chromedp.ByQuery))
	if err != nil || !strings.Contains(prompt, "访问密钥") {
		t.Errorf("key prompt %q: %v", prompt, err)
	}
	_ = context.Background
}
