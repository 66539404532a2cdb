package schema

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/chatbi/chatbi/schema/custset"
)

// Window measures: at a refresh of the newest as-of date, each buyer of the
// last year gets their spend and order count in the windows marketers say
// most (近7天, 近30天, 近90天, 近3个月, 近半年, 近一年, 今年) in customer_windows; the compiler
// reads them for thresholds and rankings over exactly those windows
// instead of summing orders. Only the newest snapshot has them (older
// dates, and other windows, read the orders as before). The whole history
// (spend_all) is there too, for lists sorted by total spend.

// WindowKeys name the standard windows, as customer_windows' column suffixes.
var WindowKeys = []string{"7d", "30d", "90d", "3m", "6m", "1y", "ytd"}

// WalkKeys are the columns a customer list may be walked by: the standard
// windows and "all", the whole history up to the as-of date.
var WalkKeys = append(append([]string{}, WindowKeys...), "all")

// Windows records which as-of date customer_windows holds and the first
// day of each window (the last is that date). Walk is set when the table
// also has the whole-history columns, an index on each spend column in
// ranking order and the window_sets of each column's buyers, so a sorted
// list's first page is a walk down an index (WalkIndex), not a sort.
type Windows struct {
	AsOf string            `json:"as_of"`
	From map[string]string `json:"from"` // window key → first date (YYYY-MM-DD)
	Walk bool              `json:"walk,omitempty"`
	// Ranks: window_ranks holds each spend column's ranking in buckets, so
	// a set's best-ranked members are found by set_head (RankBucketSizes).
	Ranks bool `json:"ranks,omitempty"`
	// Repeat: window_sets holds each window's buyers and repeat buyers
	// (WindowBuyers, WindowRepeat).
	Repeat bool `json:"repeat,omitempty"`
}

// WalkIndex is the index of customer_windows over spend_<key> in ranking
// order (spend descending, then customer key).
func WalkIndex(key string) string { return "customer_windows_spend_" + key }

const metaWindows = "windows"

// windowsDDL is customer_windows' shape, recreated at each build so a
// warehouse from before the whole-history columns gets them.
const windowsDDL = `CREATE TABLE customer_windows (
  customer_key INTEGER PRIMARY KEY,
  spend_7d  INTEGER NOT NULL, orders_7d  INTEGER NOT NULL,
  spend_30d INTEGER NOT NULL, orders_30d INTEGER NOT NULL,
  spend_90d INTEGER NOT NULL, orders_90d INTEGER NOT NULL,
  spend_3m  INTEGER NOT NULL, orders_3m  INTEGER NOT NULL,
  spend_6m  INTEGER NOT NULL, orders_6m  INTEGER NOT NULL,
  spend_1y  INTEGER NOT NULL, orders_1y  INTEGER NOT NULL,
  spend_ytd INTEGER NOT NULL, orders_ytd INTEGER NOT NULL,
  spend_all INTEGER NOT NULL, orders_all INTEGER NOT NULL
)`

// WindowStarts are the standard windows' first days at asOf, by the spec's
// rules (as_of − N < date ≤ as_of; 今年 from 1 January).
func WindowStarts(asOf time.Time) map[string]string {
	return map[string]string{
		"7d":  FormatDate(asOf.AddDate(0, 0, -6)),
		"30d": FormatDate(asOf.AddDate(0, 0, -29)),
		"90d": FormatDate(asOf.AddDate(0, 0, -89)),
		"3m":  FormatDate(addMonths(asOf, -3).AddDate(0, 0, 1)),
		"6m":  FormatDate(addMonths(asOf, -6).AddDate(0, 0, 1)),
		"1y":  FormatDate(addMonths(asOf, -12).AddDate(0, 0, 1)),
		"ytd": FormatDate(time.Date(asOf.Year(), 1, 1, 0, 0, 0, 0, time.UTC)),
	}
}

// buildWindows replaces customer_windows with asOf's measures for every
// buyer up to asOf, then its walk indexes and window_sets. The indexes are
// made after the rows: kept during the insert, each row would be a random
// write into six B-trees.
func buildWindows(ctx context.Context, tx *sql.Tx, asOf time.Time) error {
	day, from := FormatDate(asOf), WindowStarts(asOf)
	if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS customer_windows; `+windowsDDL); err != nil {
		return fmt.Errorf("clear window measures: %w", err)
	}
	q := `INSERT INTO customer_windows SELECT customer_key`
	var args []any
	for _, k := range WindowKeys {
		q += `, sum(CASE WHEN date >= ? THEN pay_cents ELSE 0 END), sum(CASE WHEN date >= ? THEN 1 ELSE 0 END)`
		args = append(args, from[k], from[k])
	}
	q += `, sum(pay_cents), count(*) FROM purchase_orders WHERE date <= ? GROUP BY customer_key`
	args = append(args, day)
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("window measures: %w", err)
	}
	for _, k := range WalkKeys {
		if _, err := tx.ExecContext(ctx, `CREATE INDEX `+WalkIndex(k)+` ON customer_windows(spend_`+k+` DESC, customer_key)`); err != nil {
			return fmt.Errorf("window index %s: %w", k, err)
		}
		// An order-count threshold's total (近一年买了3次以上) is a range of
		// this index, not a scan of every buyer.
		if _, err := tx.ExecContext(ctx, `CREATE INDEX customer_windows_orders_`+k+` ON customer_windows(orders_`+k+`)`); err != nil {
			return fmt.Errorf("window index %s: %w", k, err)
		}
	}
	if err := buildWindowSets(ctx, tx); err != nil {
		return err
	}
	js, _ := json.Marshal(Windows{AsOf: day, From: from, Walk: true, Ranks: true, Repeat: true})
	return setMeta(ctx, tx, metaWindows, string(js))
}

// RankBucket is the size of the i-th bucket of a ranking in window_ranks:
// small at the top, where most first pages are found (1,024, 2,048, …),
// then at most 16 × the first, 16,384, which bounds the members a page
// ever sorts.
func RankBucket(i int) int { return RankBucketBase << min(i, 4) }

// RankBucketBase is the first bucket's size (tests make it small, to rank
// a small warehouse into many buckets).
var RankBucketBase = 1024

// buildWindowSets stores, for each walk column, the set of customers with a
// positive value, and their ranking (spend descending, then key) in
// buckets of RankBucket sizes (window_ranks). A page of a set's list takes
// its members from the first buckets holding enough of them; the rest of
// a list (spend 0, or no row) follows in key order, as the set minus the
// positive set.
func buildWindowSets(ctx context.Context, tx *sql.Tx) error {
	for _, t := range []string{"window_sets", "window_ranks"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
			return fmt.Errorf("clear %s: %w", t, err)
		}
	}
	q := `SELECT customer_key`
	for _, k := range WalkKeys {
		q += `, spend_` + k
	}
	for _, k := range WalkKeys {
		q += `, orders_` + k
	}
	rows, err := tx.QueryContext(ctx, q+` FROM customer_windows`)
	if err != nil {
		return fmt.Errorf("window sets: %w", err)
	}
	var keys []uint32
	spends := make([][]int64, len(WalkKeys))
	// The buyers and the repeat buyers (≥ 1 and ≥ 2 orders) of each window:
	// 复购率 by group over a window is two intersections per group.
	buyers, repeat := make([]*custset.Set, len(WalkKeys)), make([]*custset.Set, len(WalkKeys))
	for i := range WalkKeys {
		buyers[i], repeat[i] = custset.New(), custset.New()
	}
	vals := make([]any, 2*len(WalkKeys)+1)
	var key int64
	cur := make([]int64, 2*len(WalkKeys))
	vals[0] = &key
	for i := range cur {
		vals[i+1] = &cur[i]
	}
	for rows.Next() {
		if err := rows.Scan(vals...); err != nil {
			rows.Close()
			return fmt.Errorf("window sets: %w", err)
		}
		keys = append(keys, uint32(key))
		for i := range WalkKeys {
			spends[i] = append(spends[i], cur[i])
			if n := cur[len(WalkKeys)+i]; n >= 1 {
				buyers[i].Add(uint32(key))
				if n >= 2 {
					repeat[i].Add(uint32(key))
				}
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("window sets: %w", err)
	}
	for i, k := range WalkKeys {
		col, spend := "spend_"+k, spends[i]
		order := make([]int32, 0, len(keys))
		for j, v := range spend {
			if v > 0 {
				order = append(order, int32(j))
			}
		}
		slices.SortFunc(order, func(a, b int32) int {
			if spend[a] != spend[b] {
				return cmp.Compare(spend[b], spend[a])
			}
			return cmp.Compare(keys[a], keys[b])
		})
		all := custset.New()
		for b, at := 0, 0; at < len(order); b++ {
			end := min(at+RankBucket(b), len(order))
			bucket := custset.New()
			for _, j := range order[at:end] {
				bucket.Add(keys[j])
			}
			all.Or(bucket)
			blob, err := custset.Encode(bucket)
			if err != nil {
				return fmt.Errorf("encode window rank %s: %w", col, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO window_ranks(col, bucket, customers) VALUES (?, ?, ?)`, col, b, blob); err != nil {
				return fmt.Errorf("window rank %s: %w", col, err)
			}
			at = end
		}
		blob, err := custset.Encode(all)
		if err != nil {
			return fmt.Errorf("encode window set %s: %w", col, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO window_sets(col, customers) VALUES (?, ?)`, col, blob); err != nil {
			return fmt.Errorf("window set %s: %w", col, err)
		}
		for _, ws := range []struct {
			col string
			set *custset.Set
		}{{WindowBuyers(k), buyers[i]}, {WindowRepeat(k), repeat[i]}} {
			blob, err := custset.Encode(ws.set)
			if err != nil {
				return fmt.Errorf("encode window set %s: %w", ws.col, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO window_sets(col, customers) VALUES (?, ?)`, ws.col, blob); err != nil {
				return fmt.Errorf("window set %s: %w", ws.col, err)
			}
		}
	}
	return nil
}

// WindowBuyers and WindowRepeat name the window_sets of a window's
// customers with at least one, and at least two, completed orders.
func WindowBuyers(key string) string { return "buyers_" + key }
func WindowRepeat(key string) string { return "repeat_" + key }

// loadWindows reads which date customer_windows holds (nil: none).
func loadWindows(ctx context.Context, db queryer) *Windows {
	rows, err := db.QueryContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaWindows)
	if err != nil {
		return nil
	}
	defer rows.Close()
	if !rows.Next() {
		return nil
	}
	var js string
	if rows.Scan(&js) != nil {
		return nil
	}
	w := &Windows{}
	if json.Unmarshal([]byte(js), w) != nil {
		return nil
	}
	return w
}
