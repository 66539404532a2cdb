package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "github.com/chatbi/chatbi/server/chdbtest/chdblib" // before chdb-go: finds libchdb.so
	_ "github.com/chdb-io/chdb-go/chdb/driver"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/schema"
	"github.com/chatbi/chatbi/schema/clickhouse"
	"github.com/chatbi/chatbi/server"
)

// useBitmaps: the --bitmaps flag.
var useBitmaps = true

// runClickHouse answers the mix on the same warehouse copied into chDB
// (the ClickHouse engine in this process; schema/clickhouse, plain SQL in
// the ClickHouse dialect) beside chatbi on SQLite, and checks the answers
// are the same. The copy is made once per warehouse file and reused.
func runClickHouse(ctx context.Context, svc *server.Service, importDB, dir string, n, rounds int) error {
	fi, err := os.Stat(importDB)
	if err != nil {
		return err
	}
	session := filepath.Join(dir, fmt.Sprintf("chdb-%d", n))
	marker := session + ".loaded"
	stamp := fi.ModTime().UTC().Format(time.RFC3339Nano)
	ch, err := sql.Open("chdb", "session="+session)
	if err != nil {
		return err
	}
	defer ch.Close()
	if b, _ := os.ReadFile(marker); string(b) != stamp {
		lite, err := schema.OpenRO(importDB)
		if err != nil {
			return err
		}
		start := time.Now()
		err = clickhouse.CopyFile(ctx, importDB, lite, ch)
		lite.Close()
		if err != nil {
			return err
		}
		fmt.Printf("warehouse copied into chDB in %.1f s (CopyFile: sqlite() table function)\n", time.Since(start).Seconds())
		if err := os.WriteFile(marker, []byte(stamp), 0o644); err != nil {
			return err
		}
	}
	// A refresh inside ClickHouse of the date the warehouse has: the same
	// snapshot again, so the answers compared below test it at this size.
	start := time.Now()
	if _, err := clickhouse.Refresh(ctx, clickhouse.Cluster{Shards: []*sql.DB{ch}}, schema.RefreshOptions{}); err != nil {
		return fmt.Errorf("refresh inside chDB: %w", err)
	}
	fmt.Printf("refresh inside chDB (segments, CLV, tags, window measures; publish): %.1f s\n", time.Since(start).Seconds())
	opt := executor.Options{Timeout: 2 * time.Minute, MaxRows: 2_000_000}
	chSvc, err := server.NewServiceOn(ctx, executor.OpenClickHouse(ch, opt), opt, nil)
	if err != nil {
		return err
	}
	chSvc.NoCache = true
	if !useBitmaps {
		chSvc.Engine().Catalog.PurchaseBitmaps = false
	}
	fmt.Printf("purchases read from bitmaps: %v\n", chSvc.Engine().Catalog.PurchaseBitmaps)
	fmt.Printf("chatbi on SQLite vs chatbi on ClickHouse (chDB 26.7 in process), %d customers; %d runs each, answer cache off\n\n", n, rounds)
	fmt.Printf("%-34s %10s %10s   %10s %10s   %7s  %s\n", "question", "SQLite p50", "p99", "chDB p50", "p99", "ratio", "answers")
	limit := 50
	var lt, ct []time.Duration
	for _, q := range mix {
		var a, b answer
		var ls, cs []time.Duration
		for r := 0; r < rounds; r++ {
			for _, side := range []struct {
				svc *server.Service
				d   *[]time.Duration
				ans *answer
			}{{svc, &ls, &a}, {chSvc, &cs, &b}} {
				s := time.Now()
				ans, err := side.svc.Ask(ctx, server.AskRequest{Question: q.question, Limit: &limit})
				if err != nil {
					return fmt.Errorf("%s: %w", q.question, err)
				}
				*side.d = append(*side.d, time.Since(s))
				if *side.ans, err = chatbiAnswer(ans, q.kind); err != nil {
					return fmt.Errorf("%s: %w", q.question, err)
				}
			}
		}
		lt, ct = append(lt, ls...), append(ct, cs...)
		verdict := "same (" + a.String() + ")"
		if !same(a, b) {
			verdict = fmt.Sprintf("DIFFERENT: SQLite %v %v, ClickHouse %v %v", a, head(a.ids), b, head(b.ids))
		}
		l50, c50 := pct(ls, 50), pct(cs, 50)
		fmt.Printf("%-34s %8.2f ms %7.2f ms   %8.2f ms %7.2f ms   %6.1f×  %s\n", q.question, ms(l50), ms(pct(ls, 99)), ms(c50), ms(pct(cs, 99)), float64(c50)/float64(l50), verdict)
	}
	fmt.Printf("\nwhole mix: SQLite p50 %.2f ms p99 %.2f ms; ClickHouse (chDB) p50 %.2f ms p99 %.2f ms\n\n",
		ms(pct(lt, 50)), ms(pct(lt, 99)), ms(pct(ct, 50)), ms(pct(ct, 99)))
	return nil
}
