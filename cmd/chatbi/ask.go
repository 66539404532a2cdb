package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/nlq/llm"
	"github.com/chatbi/chatbi/server"
)

func cmdAsk(e env, args []string) int {
	fs := newFlags(e, "ask")
	db := fs.String("db", "data/warehouse.db", "仓库文件")
	asOf := fs.String("as-of", "", "数据截至日期 YYYY-MM-DD（默认：仓库的日期）")
	asJSON := fs.Bool("json", false, "输出 API 格式的 JSON 回答（docs/spec/api.md）")
	limit := fs.Int("limit", 20, "显示多少行")
	timeout := fs.Duration("timeout", 5*time.Second, "查询的时间上限")
	engine := fs.String("engine", "", engineUsage)
	if err := parseFlags(e, fs, args); err != nil {
		return flagExit(err)
	}
	question := strings.Join(fs.Args(), " ")
	if question == "" {
		fmt.Fprintln(e.stderr, "用法: chatbi ask --db FILE [--as-of DATE] [--json] 问题")
		return 2
	}
	if _, err := os.Stat(*db); err != nil && *engine == "" {
		fmt.Fprintf(e.stderr, "chatbi ask: 找不到仓库 %s（先运行 chatbi demo 或 chatbi import）\n", *db)
		return 1
	}
	svc, err := openService(e, *db, *engine, executor.Options{Timeout: *timeout})
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi ask:", err)
		return 1
	}
	defer svc.Close()
	if lc, ok := llm.FromEnv(); ok {
		svc.LLM = llm.New(lc, svc.Engine(), nil).Follow(svc.Engine)
	}
	ans, err := svc.Ask(e.ctx, server.AskRequest{Question: question, AsOf: *asOf, Limit: limit})
	if err != nil {
		se := server.AsError(err)
		if *asJSON {
			json.NewEncoder(e.stdout).Encode(map[string]any{"error": se})
		}
		fmt.Fprintln(e.stderr, "chatbi ask:", se.Message)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		enc.Encode(ans)
		return 0
	}
	printAnswer(e.stdout, ans)
	if ans.Status != "ok" {
		return 3
	}
	return 0
}

// printAnswer writes an answer for a person at a terminal.
func printAnswer(w io.Writer, a *server.Answer) {
	if a.Status == "clarify" {
		fmt.Fprintln(w, "需要澄清：", a.Clarification.Message)
		if len(a.Clarification.Suggestions) > 0 {
			fmt.Fprintln(w, "建议：", strings.Join(a.Clarification.Suggestions, " / "))
		}
		return
	}
	fmt.Fprintln(w, a.Explanation)
	fmt.Fprint(w, a.StrategyText())
	fmt.Fprintln(w)
	switch a.AnswerType {
	case "count":
		fmt.Fprintf(w, "%s：%s\n", a.Columns[0], cell(a.Rows[0][0]))
	default:
		tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(a.Columns, "\t"))
		for _, r := range a.Rows {
			cells := make([]string, len(r))
			for i, v := range r {
				cells[i] = cell(v)
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		tw.Flush()
		if a.AnswerType == "customers" {
			fmt.Fprintf(w, "共 %d 位客户（显示 %d 位）\n", a.Total, len(a.Rows))
		}
	}
	fmt.Fprintf(w, "\nSQL：\n%s\n用时 %.1f ms\n", a.SQL, a.ElapsedMS)
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case float64:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.4f", x), "0"), ".")
	}
	return fmt.Sprint(v)
}
