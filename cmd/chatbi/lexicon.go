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
	return server.NewServiceWith(e.ctx, db, opt, entries)
}
