package executor

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// OpenClickHouse guards statements run on a ClickHouse pool (chDB in
// process or a server through clickhouse-go). ClickHouse has no authorizer
// hook, so the guard is the server's own: every statement carries
// SETTINGS readonly = 2 (no writes, DDL or ATTACH; its own limits may be
// set), max_execution_time from the time budget, join_use_nulls = 1 (a
// LEFT JOIN's missing side is NULL, as in SQL, not a default value), max_result_rows with
// result_overflow_mode = 'throw' from the row cap and a max_memory_usage.
// distributed_product_mode = 'global' runs a subquery over a Distributed
// table once, on the server asked, and sends its result to the shards
// (GLOBAL IN): always right, whatever the subquery. 'local' would keep the
// customer subqueries on each shard — right too, the warehouse being
// sharded by customer — but 18.16 loses table aliases when it rewrites
// them (docs/scale-out.md). Without a cluster it changes nothing.
// A production deployment should connect as a read-only user as well
// (docs/scale-out.md). The one-statement and query-only checks of Each
// apply as on SQLite.
func OpenClickHouse(db *sql.DB, opt Options) *Executor {
	if opt.Timeout <= 0 {
		opt.Timeout = 5 * time.Second
	}
	if opt.MaxRows <= 0 {
		opt.MaxRows = 10000
	}
	return &Executor{db: db, opt: opt, clickhouse: true, ownConns: fmt.Sprintf("%T", db.Driver()) == "*clickhouse.stdDriver"}
}

// ClickHouseMajor is the server's major version (18 for 18.16.1), asked
// once when a service opens; the compiler picks its list shape by it.
func (x *Executor) ClickHouseMajor(ctx context.Context) (int, error) {
	var v string
	if err := x.db.QueryRowContext(ctx, "SELECT version()").Scan(&v); err != nil {
		return 0, fmt.Errorf("ClickHouse version: %w", err)
	}
	major, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(major)
	if err != nil {
		return 0, fmt.Errorf("ClickHouse version %q: %w", v, err)
	}
	return n, nil
}

// MaxMemoryBytes bounds one ClickHouse statement's memory.
var MaxMemoryBytes int64 = 4 << 30

// clickhouseSettings is the SETTINGS clause appended to every statement.
func (x *Executor) clickhouseSettings(maxRows int) string {
	secs := int(x.opt.Timeout.Seconds() + 0.999)
	return fmt.Sprintf("\nSETTINGS readonly = 2, max_execution_time = %d, max_result_rows = %d, result_overflow_mode = 'throw', max_memory_usage = %d, join_use_nulls = 1, distributed_product_mode = 'global'",
		max(secs, 1), maxRows+1, MaxMemoryBytes)
}

// classifyClickHouse maps ClickHouse's error codes to the executor's.
func classifyClickHouse(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "TIMEOUT_EXCEEDED"):
		return fmt.Errorf("%w: %v", ErrTimeout, err)
	case strings.Contains(msg, "TOO_MANY_ROWS_OR_BYTES"):
		return ErrTooMany
	case strings.Contains(msg, "READONLY"):
		return fmt.Errorf("%w: %v", ErrDenied, err)
	case strings.Contains(msg, "code: 279,"), strings.Contains(msg, "code: 210,"), strings.Contains(msg, "connection refused"):
		// ALL_CONNECTION_TRIES_FAILED, NETWORK_ERROR: a shard is down.
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return err
}

// sqliteTypes gives a ClickHouse value the Go type SQLite gives the same
// value (int64, float64, string), so everything after the executor —
// totals, formatting, charts, exports — sees one set of types whichever
// engine answered. count() is UInt64 and a comparison UInt8 on ClickHouse.
func sqliteTypes(v any) any {
	switch n := v.(type) {
	case int8:
		return int64(n)
	case int16:
		return int64(n)
	case int32:
		return int64(n)
	case int:
		return int64(n)
	case uint8:
		return int64(n)
	case uint16:
		return int64(n)
	case uint32:
		return int64(n)
	case uint64:
		return int64(n)
	case uint:
		return int64(n)
	case float32:
		return float64(n)
	}
	return v
}

// checkClickHouse is the guard SQLite's authorizer gives for free: every
// FROM or JOIN reads a subquery or one of the warehouse's tables — never a
// table function (file, url, remote, s3 …), which readonly = 2 still
// allows on ClickHouse — and nothing is written INTO OUTFILE. Quoted text
// is skipped (values are bound; the compiler's own literals are words).
func checkClickHouse(text string) error {
	words := sqlWords(text)
	for i, w := range words {
		if i+1 < len(words) && words[i+1] == "(" && isWord(w) && !clickhouseCallable[w] {
			return fmt.Errorf("%w: calls %s", ErrDenied, w)
		}
		if strings.HasPrefix(w, "SYSTEM.") || strings.HasPrefix(w, "INFORMATION_SCHEMA.") {
			return fmt.Errorf("%w: reads %s", ErrDenied, w)
		}
		switch w {
		case "INTO", "OUTFILE", "FORMAT":
			return fmt.Errorf("%w: %s", ErrDenied, w)
		case "FROM", "JOIN":
			if i+1 == len(words) {
				return fmt.Errorf("%w: %s at the end", ErrDenied, w)
			}
			next := words[i+1]
			if next == "(" {
				continue
			}
			if !allowedTables[strings.ToLower(strings.TrimPrefix(next, quotedMark))] || (i+2 < len(words) && words[i+2] == "(") {
				return fmt.Errorf("%w: reads %s", ErrDenied, next)
			}
		}
	}
	return nil
}

// clickhouseCallable are the words a statement may put before "(": the
// functions the compiler writes and the keywords that take a parenthesis.
// A table function (file, url, remote, s3, numbers …) is neither.
var clickhouseCallable = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`COUNT SUM MIN MAX AVG COALESCE NULLIF IFNULL SUBSTR SUBSTRING ROUND ABS LENGTH LOWER UPPER
		CAST IF TORELATIVEDAYNUM TODATE TOSTRING ARRAYSORT GROUPARRAY SUMIF COUNTIF NULLABLE USING
		ARRAYJOIN BITMAPTOARRAY GROUPBITMAPMERGESTATE
		IN AS OVER AND OR NOT ON WHEN THEN ELSE CASE SELECT FROM JOIN WHERE BETWEEN IS EXISTS ALL ANY DISTINCT BY HAVING`) {
		clickhouseCallable[w] = true
	}
}

// isWord: an identifier or keyword (not punctuation, not a quoted name).
func isWord(w string) bool {
	c := w[0]
	return c == '_' || c >= 'A' && c <= 'Z' || c >= 0x80 && !strings.HasPrefix(w, quotedMark)
}

// quotedMark starts a word that was a quoted identifier.
const quotedMark = "\x00"

// sqlWords splits SQL text into upper-cased words (identifiers, keywords)
// and single punctuation characters, dropping quoted strings and quoted
// identifiers' quotes (a quoted name is a word marked quotedMark).
func sqlWords(text string) []string {
	var out []string
	for i := 0; i < len(text); {
		ch := text[i]
		switch {
		case ch == '\'':
			j := i + 1
			for j < len(text) && !(text[j] == '\'' && (j+1 == len(text) || text[j+1] != '\'')) {
				if text[j] == '\'' {
					j++
				}
				j++
			}
			i = j + 1
		case ch == '"' || ch == '`':
			j := strings.IndexByte(text[i+1:], ch)
			if j < 0 {
				j = len(text) - i - 1
			}
			// Marked, so a quoted alias is never taken for a keyword.
			out = append(out, quotedMark+strings.ToUpper(text[i+1:i+1+j]))
			i += j + 2
		case ch == '_' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch >= 0x80:
			j := i
			for j < len(text) && (text[j] == '_' || text[j] == '.' || text[j] >= 'a' && text[j] <= 'z' || text[j] >= 'A' && text[j] <= 'Z' || text[j] >= '0' && text[j] <= '9' || text[j] >= 0x80) {
				j++
			}
			out = append(out, strings.ToUpper(text[i:j]))
			i = j
		case ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r':
			i++
		default:
			out = append(out, string(ch))
			i++
		}
	}
	return out
}

// queryClickHouse starts a statement. Through clickhouse-go, a statement
// the server refused takes its connection with it: an 18.x server that
// failed a statement before reading the whole request reads the rest as
// the next request on that connection, so the connection is dropped, not
// pooled. (chDB has one in-process session and no connection to drop.)
func (x *Executor) queryClickHouse(ctx context.Context, text string, args []any) (*sql.Rows, func(), error) {
	if !x.ownConns {
		rows, err := queryRecovering(ctx, x.db, text, args)
		return rows, func() {}, err
	}
	conn, err := x.db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	rows, err := conn.QueryContext(ctx, text, args...)
	if err != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
		return nil, nil, err
	}
	return rows, func() { conn.Close() }, nil // after the rows are closed
}

// errDriverPanic: the driver panicked starting a statement.
var errDriverPanic = errors.New("ClickHouse driver failed")

// queryRecovering starts a statement, turning a driver panic into
// errDriverPanic. chdb-go panics decoding the first result after a
// statement that failed mid-run (a timeout, the row cap): chDB leaves that
// statement's partial output in its buffer. The next result is clean, so
// the executor retries once on errDriverPanic — statements are read-only.
func queryRecovering(ctx context.Context, db *sql.DB, text string, args []any) (rows *sql.Rows, err error) {
	defer func() {
		if p := recover(); p != nil {
			rows, err = nil, fmt.Errorf("%w: %v", errDriverPanic, p)
		}
	}()
	return db.QueryContext(ctx, text, args...)
}
