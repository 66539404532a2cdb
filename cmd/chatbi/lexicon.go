package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/nlq"
	"github.com/chatbi/chatbi/server"
	"github.com/chatbi/chatbi/server/strategy"
)

// openService opens the warehouse for questions with the retailer's own
// words from CHATBI_LEXICON (comma-separated lexicon files, README) and its
// own suggested actions from CHATBI_STRATEGY (comma-separated files of
// "分群名: 建议" lines over the embedded table).
func openService(e env, db, engine string, opt executor.Options) (*server.Service, error) {
	var entries []nlq.Entry
	for _, path := range strings.Split(os.Getenv("CHATBI_LEXICON"), ",") {
		if path = strings.TrimSpace(path); path == "" {
			continue
		}
		data, err := os.ReadFile(path)
		if err == nil {
			var es []nlq.Entry
			es, err = nlq.ParseLexicon(path, data)
			entries = append(entries, es...)
		}
		if err != nil {
			return nil, fmt.Errorf("CHATBI_LEXICON: %w", err)
		}
	}
	var files []string
	for _, path := range strings.Split(os.Getenv("CHATBI_STRATEGY"), ",") {
		if path = strings.TrimSpace(path); path != "" {
			files = append(files, path)
		}
	}
	table, err := strategy.Load(files...)
	if err != nil {
		return nil, fmt.Errorf("CHATBI_STRATEGY: %w", err)
	}
	var svc *server.Service
	if engine != "" {
		pool, err := openClickHouse(e.ctx, engine)
		if err != nil {
			return nil, err
		}
		if svc, err = server.NewServiceOn(e.ctx, executor.OpenClickHouse(pool, opt), opt, entries); err != nil {
			pool.Close()
			return nil, err
		}
	} else if svc, err = server.NewServiceWith(e.ctx, db, opt, entries); err != nil {
		return nil, err
	}
	svc.Strategies = table
	return svc, nil
}
