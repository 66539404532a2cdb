package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/nlq"
	"github.com/chatbi/chatbi/server"
)

// openService opens the warehouse for questions with the retailer's own
// words from CHATBI_LEXICON (comma-separated lexicon files, README).
func openService(e env, db string, opt executor.Options) (*server.Service, error) {
	svc, err := server.NewService(e.ctx, db, opt)
	if err != nil {
		return nil, err
	}
	var entries []nlq.Entry
	for _, path := range strings.Split(os.Getenv("CHATBI_LEXICON"), ",") {
		if path = strings.TrimSpace(path); path == "" {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			svc.Close()
			return nil, fmt.Errorf("CHATBI_LEXICON: %w", err)
		}
		es, err := nlq.ParseLexicon(path, data)
		if err != nil {
			svc.Close()
			return nil, fmt.Errorf("CHATBI_LEXICON: %w", err)
		}
		entries = append(entries, es...)
	}
	if len(entries) > 0 {
		if err := svc.UseLexicon(e.ctx, entries); err != nil {
			svc.Close()
			return nil, fmt.Errorf("CHATBI_LEXICON: %w", err)
		}
	}
	return svc, nil
}
