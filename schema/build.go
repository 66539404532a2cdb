package schema

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// ImportOptions controls Import and Demo.
type ImportOptions struct {
	AsOf        time.Time // zero: the latest order date in the data
	SkipBadRows bool      // import the good rows, report the rest
	ReportPath  string    // where rejected rows go; default FILE.rejected.csv
	Progress    io.Writer // nil: quiet (set it when stderr is a terminal)
	Model       *SegmentModel
	Today       time.Time // the import day (zero: now); without AsOf no order may be later
}

// ImportStats says what an import did.
type ImportStats struct {
	Customers, Products, Orders, Items int
	Rejected                           int
	ReportPath                         string
	AsOf                               time.Time
	Warnings                           []string
	Elapsed                            time.Duration
}

// Rows is the number of rows loaded.
func (s ImportStats) Rows() int { return s.Customers + s.Products + s.Orders + s.Items }

// Import loads the four CSV files of dir into a new warehouse at path.
// It builds into a temporary file beside path and renames it into place only
// when complete, so a failed import leaves the previous file byte-for-byte
// unchanged. Errors name file and line (RowError) or file and column.
func Import(ctx context.Context, path, dir string, opt ImportOptions) (ImportStats, error) {
	return build(ctx, path, opt, func(l *loader, st *ImportStats, reject func(*RowError, []string) error) error {
		if opt.AsOf.IsZero() {
			// An order dated after the import day is a typo (9999-12-31)
			// that would silently become the as-of date. A day of slack
			// for time zones ahead of this machine's.
			today := opt.Today
			if today.IsZero() {
				today = time.Now()
			}
			l.notAfter = FormatDate(today.AddDate(0, 0, 1))
		}
		for _, f := range importFiles {
			if err := readCSV(dir, f, l, reject, func(w string) { st.Warnings = append(st.Warnings, w) }); err != nil {
				return err
			}
		}
		return nil
	})
}

// fillFunc puts rows into the loader.
type fillFunc func(l *loader, st *ImportStats, reject func(*RowError, []string) error) error

func build(ctx context.Context, path string, opt ImportOptions, fill fillFunc) (st ImportStats, err error) {
	start := time.Now()
	model := opt.Model
	if model == nil {
		model = DefaultModel()
	}
	wr, err := startWrite(ctx, path, buildingSuffix)
	if err != nil {
		return st, err
	}
	defer func() { wr.end(err) }()
	tmp := wr.tmp

	db, err := openBuild(tmp)
	if err != nil {
		return st, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, ddlSQL); err != nil {
		return st, fmt.Errorf("create tables: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return st, fmt.Errorf("begin import: %w", err)
	}
	defer tx.Rollback()
	l, err := newLoader(ctx, tx)
	if err != nil {
		return st, err
	}

	// Rejected rows: abort on the first by default, else collect into a report.
	var report *csv.Writer
	var reportFile *os.File
	reject := func(re *RowError, rec []string) error {
		if !opt.SkipBadRows {
			return re
		}
		st.Rejected++
		if report == nil {
			st.ReportPath = opt.ReportPath
			if st.ReportPath == "" {
				st.ReportPath = path + ".rejected.csv"
			}
			if reportFile, err = os.Create(st.ReportPath); err != nil {
				return fmt.Errorf("create report: %w", err)
			}
			reportFile.WriteString("\uFEFF")
			report = csv.NewWriter(reportFile)
			report.Write([]string{"file", "line", "reason", "row"})
		}
		return report.Write([]string{re.File, fmt.Sprint(re.Line), re.Reason, strings.Join(rec, ",")})
	}
	stopProgress := progress(opt.Progress, &l.rows, start)
	err = fill(l, &st, reject)
	stopProgress()
	if report != nil {
		report.Flush()
		reportFile.Close()
	}
	if err != nil {
		return st, err
	}
	if err := l.flush(); err != nil {
		return st, err
	}
	st.Customers, st.Products, st.Orders = len(l.customers), len(l.products), len(l.orders)
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM order_items`).Scan(&st.Items); err != nil {
		return st, err
	}
	if len(l.orders) == 0 && opt.AsOf.IsZero() {
		return st, errors.New("orders.csv 没有任何订单，无法确定 as-of 日期（请用 --as-of 指定）")
	}
	st.Warnings = append(st.Warnings, dateOutliers(ctx, tx)...)
	if err := deriveFacts(ctx, tx); err != nil {
		return st, err
	}
	if err := buildPurchaseSets(ctx, tx); err != nil {
		return st, err
	}
	asOf := opt.AsOf
	if asOf.IsZero() {
		asOf, _ = ParseDate(l.latest)
	}
	st.AsOf = asOf
	for k, v := range map[string]string{metaAsOf: FormatDate(asOf), metaLatest: l.latest,
		metaImportAt: time.Now().UTC().Format(time.RFC3339)} {
		if err := setMeta(ctx, tx, k, v); err != nil {
			return st, err
		}
	}
	if err := storeCatalogLists(ctx, tx); err != nil {
		return st, err
	}
	if err := buildWindows(ctx, tx, asOf); err != nil {
		return st, err
	}
	// The facts are not committed yet: the tags are read in this tx.
	if err := refreshTx(ctx, tx, asOf, model, nil, ""); err != nil {
		return st, err
	}
	if err := tx.Commit(); err != nil {
		return st, fmt.Errorf("commit import: %w", err)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
		return st, fmt.Errorf("analyze: %w", err)
	}
	if _, err := db.ExecContext(ctx, `PRAGMA journal_mode=DELETE`); err != nil {
		return st, fmt.Errorf("finish warehouse: %w", err)
	}
	if err := db.Close(); err != nil {
		return st, fmt.Errorf("close warehouse: %w", err)
	}
	if err := publish(tmp, path); err != nil {
		return st, err
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

// dateOutliers warns about order dates that look wrong though valid: very
// old ones, and a latest date far past where almost all orders end (one
// mistyped year moves the default as-of date and every "近N天" with it).
func dateOutliers(ctx context.Context, tx *sql.Tx) []string {
	var warns []string
	var old int
	tx.QueryRowContext(ctx, `SELECT count(*) FROM orders WHERE order_date < '2000-01-01'`).Scan(&old)
	if old > 0 {
		warns = append(warns, fmt.Sprintf("orders.csv: %d 笔订单早于 2000-01-01，请检查日期", old))
	}
	var n int
	tx.QueryRowContext(ctx, `SELECT count(*) FROM orders`).Scan(&n)
	if n < 1000 {
		return warns
	}
	var latest, p999 string
	tx.QueryRowContext(ctx, `SELECT max(order_date) FROM orders`).Scan(&latest)
	tx.QueryRowContext(ctx, `SELECT order_date FROM orders ORDER BY order_date DESC LIMIT 1 OFFSET ?`, n/1000).Scan(&p999)
	a, err1 := ParseDate(latest)
	b, err2 := ParseDate(p999)
	if err1 == nil && err2 == nil && a.Sub(b) > 31*24*time.Hour {
		var late int
		tx.QueryRowContext(ctx, `SELECT count(*) FROM orders WHERE order_date > ?`, FormatDate(b.AddDate(0, 0, 31))).Scan(&late)
		warns = append(warns, fmt.Sprintf("orders.csv: 最晚订单日期 %s 比 99.9%% 的订单晚一个月以上（%d 笔晚于 %s），as-of 日期将是 %s；如有误请修正或用 --as-of 指定",
			latest, late, FormatDate(b.AddDate(0, 0, 31)), latest))
	}
	return warns
}

// deriveFacts fills the fact tables from the imported rows in SQL (no row
// crosses into Go) and then builds every index in one sort each.
func deriveFacts(ctx context.Context, tx execer) error {
	steps := []string{
		`INSERT INTO purchase_orders(order_key, customer_key, date, channel, pay_cents)
		 SELECT id, customer_key, order_date, channel, CAST(round(pay_amount * 100) AS INTEGER)
		 FROM orders WHERE status = 'completed'`,
		`INSERT INTO purchase_lines(product_key, date, channel, customer_key, order_key, amount_cents, quantity)
		 SELECT oi.product_key, o.order_date, o.channel, o.customer_key, o.id, oi.amount_cents, oi.quantity
		 FROM order_items oi JOIN orders o ON o.id = oi.order_key
		 WHERE o.status = 'completed'`,
		indexesSQL,
	}
	for _, s := range steps {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("derive facts: %w", err)
		}
	}
	return nil
}

// progress prints rows and rows/s every second to w until stopped.
func progress(w io.Writer, rows *int64, start time.Time) (stop func()) {
	if w == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				n := atomic.LoadInt64(rows)
				fmt.Fprintf(w, "\r已导入 %d 行，%.0f 行/秒   ", n, float64(n)/time.Since(start).Seconds())
			}
		}
	}()
	return func() { close(done); fmt.Fprintln(w) }
}
