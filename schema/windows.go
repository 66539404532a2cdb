package schema

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Window measures: at a refresh of the newest as-of date, each buyer of the
// last year gets their spend and order count in the windows marketers say
// most (近30天, 近3个月, 近半年, 近一年, 今年) in customer_windows; the compiler
// reads them for thresholds and rankings over exactly those windows
// instead of summing orders. Only the newest snapshot has them (older
// dates, and other windows, read the orders as before).

// WindowKeys name the standard windows, as customer_windows' column suffixes.
var WindowKeys = []string{"30d", "3m", "6m", "1y", "ytd"}

// Windows records which as-of date customer_windows holds and the first
// day of each window (the last is that date).
type Windows struct {
	AsOf string            `json:"as_of"`
	From map[string]string `json:"from"` // window key → first date (YYYY-MM-DD)
}

const metaWindows = "windows"

// windowStarts are the standard windows' first days at asOf, by the spec's
// rules (as_of − N < date ≤ as_of; 今年 from 1 January).
func windowStarts(asOf time.Time) map[string]string {
	return map[string]string{
		"30d": FormatDate(asOf.AddDate(0, 0, -29)),
		"3m":  FormatDate(addMonths(asOf, -3).AddDate(0, 0, 1)),
		"6m":  FormatDate(addMonths(asOf, -6).AddDate(0, 0, 1)),
		"1y":  FormatDate(addMonths(asOf, -12).AddDate(0, 0, 1)),
		"ytd": FormatDate(time.Date(asOf.Year(), 1, 1, 0, 0, 0, 0, time.UTC)),
	}
}

// buildWindows replaces customer_windows with asOf's measures.
func buildWindows(ctx context.Context, tx *sql.Tx, asOf time.Time) error {
	day, from := FormatDate(asOf), windowStarts(asOf)
	if _, err := tx.ExecContext(ctx, `DELETE FROM customer_windows`); err != nil {
		return fmt.Errorf("clear window measures: %w", err)
	}
	q := `INSERT INTO customer_windows SELECT customer_key`
	var args []any
	for _, k := range WindowKeys {
		q += `, sum(CASE WHEN date >= ? THEN pay_cents ELSE 0 END), sum(CASE WHEN date >= ? THEN 1 ELSE 0 END)`
		args = append(args, from[k], from[k])
	}
	first := from["1y"]
	if from["ytd"] < first {
		first = from["ytd"]
	}
	q += ` FROM purchase_orders WHERE date BETWEEN ? AND ? GROUP BY customer_key`
	args = append(args, first, day)
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("window measures: %w", err)
	}
	js, _ := json.Marshal(Windows{AsOf: day, From: from})
	return setMeta(ctx, tx, metaWindows, string(js))
}

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
