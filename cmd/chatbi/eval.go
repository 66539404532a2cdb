package main

import (
	"fmt"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/server"
)

func cmdEval(e env, args []string) int {
	fs := newFlags(e, "eval")
	db := fs.String("db", "data/warehouse.db", "仓库文件")
	questions := fs.String("questions", "testdata/eval/public/questions.jsonl", "带标准答案的问题集 questions.jsonl")
	if err := parseFlags(e, fs, args); err != nil {
		return flagExit(err)
	}
	qs, err := server.LoadEval(*questions)
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi eval:", err)
		return 1
	}
	svc, err := openService(e, *db, "", executor.Options{})
	if err != nil {
		fmt.Fprintln(e.stderr, "chatbi eval:", err)
		return 1
	}
	defer svc.Close()
	rep := svc.Evaluate(e.ctx, qs)
	rep.Print(e.stdout)
	if p, t := rep.Passed(""); p < t {
		return 1
	}
	return 0
}
