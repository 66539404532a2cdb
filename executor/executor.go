package executor

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/chatbi/chatbi/schema/custset"
	sqlite3 "github.com/mattn/go-sqlite3"
)

// Errors.
var (
	ErrTimeout = errors.New("查询超过时间预算")
	ErrDenied  = errors.New("语句被只读防护拒绝")
	ErrTooMany = errors.New("结果行数超过上限")
	// ErrUnavailable: the engine (or a shard of a cluster) cannot be
	// reached. A question is refused rather than answered from the shards
	// that are left.
	ErrUnavailable = errors.New("数据仓库的一部分暂时连不上")
)

// Options bound what one statement may cost.
type Options struct {
	Timeout time.Duration // default 5s
	MaxRows int           // rows one statement may return; default 10000
}

// Statement is what to run: SQL text, bound arguments and, per column,
// whether it holds personal data. TotalColumn: the last column carries the
// total row count and is returned separately.
type Statement struct {
	SQL         string
	Args        []any
	PII         []bool
	TotalColumn bool
}

// Result is a statement's rows.
type Result struct {
	Columns []string
	Rows    [][]any
	Total   int // with TotalColumn: the total; else len(Rows)
}

// Executor runs statements on a read-only, guarded connection pool.
type Executor struct {
	db  *sql.DB
	opt Options
	// clickhouse: the pool speaks ClickHouse (clickhouse.go), guarded by
	// per-statement settings instead of SQLite's authorizer.
	clickhouse bool
	// ownConns: the pool is clickhouse-go's (network connections, each
	// dropped after a failed statement: queryClickHouse), not chDB's one
	// in-process session. Known when the pool is opened.
	ownConns bool
}

// ClickHouse reports whether statements run on ClickHouse.
func (x *Executor) ClickHouse() bool { return x.clickhouse }

// The tables a question may read, and the functions it may call.
var (
	allowedTables = map[string]bool{
		"customers": true, "products": true, "orders": true, "order_items": true,
		"purchase_orders": true, "purchase_lines": true, "customer_measures": true, "snapshots": true, "meta": true,
		"purchase_sets": true, "customer_sets": true, "customer_tags": true, "customer_windows": true, "window_sets": true, "window_ranks": true, "product_days": true, "order_days": true,
		// ClickHouse only: each product's buyers per day as bitmaps (schema/clickhouse).
		"purchase_bitmaps": true,
		// json_each turns a customer set's members (custset's set_keys) into rows.
		"json_each": true,
	}
	allowedFunctions = map[string]bool{
		"count": true, "sum": true, "total": true, "min": true, "max": true, "avg": true,
		"coalesce": true, "ifnull": true, "nullif": true, "substr": true, "substring": true, "length": true,
		"round": true, "abs": true, "lower": true, "upper": true, "strftime": true, "date": true, "julianday": true,
		"cast": true, "iif": true, "row_number": true, "rank": true, "dense_rank": true, "instr": true,
	}
)

const (
	authSelect    = 21 // SQLITE_SELECT
	authRead      = 20 // SQLITE_READ
	authFunction  = 31 // SQLITE_FUNCTION
	authRecursive = 33 // SQLITE_RECURSIVE (a WITH RECURSIVE query)
)

// authorize is the guard: anything not a plain read of our tables is denied.
func authorize(op int, arg1, arg2, dbName string) int {
	switch op {
	case authSelect:
		return sqlite3.SQLITE_OK
	case authRead:
		// arg1 is the table; reads of a subquery's or CTE's columns have none.
		if (dbName == "main" || dbName == "") && (arg1 == "" || allowedTables[arg1]) {
			return sqlite3.SQLITE_OK
		}
	case authFunction:
		if allowedFunctions[strings.ToLower(arg2)] {
			return sqlite3.SQLITE_OK
		}
	}
	return sqlite3.SQLITE_DENY
}

func init() {
	for _, f := range custset.Functions {
		allowedFunctions[f] = true
	}
}

var registerOnce sync.Once

const driverName = "sqlite3_chatbi_guarded"

func register() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			c.SetLimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, 200_000)
			c.SetLimit(sqlite3.SQLITE_LIMIT_EXPR_DEPTH, 200)
			c.SetLimit(sqlite3.SQLITE_LIMIT_COMPOUND_SELECT, 8)
			c.SetLimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
			c.SetLimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 2000)
			// A customer set rendered for json_each is ~8 bytes a member.
			c.SetLimit(sqlite3.SQLITE_LIMIT_LENGTH, 64_000_000)
			c.RegisterAuthorizer(authorize)
			return custset.Register(c)
		},
	})
}

// Open opens a warehouse for guarded reads. The file must exist.
func Open(path string, opt Options) (*Executor, error) {
	registerOnce.Do(register)
	if opt.Timeout <= 0 {
		opt.Timeout = 5 * time.Second
	}
	if opt.MaxRows <= 0 {
		opt.MaxRows = 10000
	}
	db, err := sql.Open(driverName, "file:"+path+"?mode=ro&_query_only=1&_busy_timeout=2000&cache=private")
	if err != nil {
		return nil, fmt.Errorf("open warehouse %s: %w", path, err)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open warehouse %s: %w", path, err)
	}
	return &Executor{db: db, opt: opt}, nil
}

// DB exposes the guarded pool (the catalog loader reads through it too).
func (x *Executor) DB() *sql.DB { return x.db }

// Close closes the pool.
func (x *Executor) Close() error { return x.db.Close() }

// Run prepares and runs one statement within the time budget and returns
// its rows. Errors: ErrDenied when the guard refuses the statement,
// ErrTimeout when it ran past the budget, ErrTooMany when it returned more
// than MaxRows rows.
func (x *Executor) Run(ctx context.Context, st Statement) (*Result, error) {
	res := &Result{}
	err := x.Each(ctx, st, x.opt.Timeout, x.opt.MaxRows,
		func(cols []string) { res.Columns = cols },
		func(total int, row []any) error {
			res.Total = total
			res.Rows = append(res.Rows, row)
			return nil
		})
	if err != nil {
		return nil, err
	}
	if !st.TotalColumn {
		res.Total = len(res.Rows)
	}
	return res, nil
}

// Each streams a statement's rows to fn (masked, the total column split off)
// under its own time budget and row cap, so an export of a whole list
// never holds it in memory. head gets the column names first. It returns
// fn's first error.
func (x *Executor) Each(ctx context.Context, st Statement, budget time.Duration, maxRows int,
	head func(cols []string), fn func(total int, row []any) error) error {
	// One statement per call: the driver would silently drop a tail after
	// ';', so refuse it. Compiled SQL never has one (values are parameters).
	if strings.Contains(st.SQL, ";") {
		return fmt.Errorf("%w: more than one statement", ErrDenied)
	}
	// An empty or comment-only statement compiles to nothing, which the
	// driver does not survive stepping; a question is always a query.
	if head := strings.ToUpper(strings.TrimSpace(st.SQL)); !strings.HasPrefix(head, "SELECT") && !strings.HasPrefix(head, "WITH") {
		return fmt.Errorf("%w: not a query", ErrDenied)
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	rows, done, err := x.query(ctx, st, maxRows)
	if err != nil {
		return err
	}
	defer done()
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	if st.TotalColumn {
		head(cols[:len(cols)-1])
	} else {
		head(cols)
	}
	n := 0
	for rows.Next() {
		if n >= maxRows {
			return ErrTooMany
		}
		n++
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if x.clickhouse {
			for i, v := range vals {
				vals[i] = sqliteTypes(v)
			}
		}
		total := 0
		if st.TotalColumn {
			total = int(toInt(vals[len(vals)-1]))
			vals = vals[:len(vals)-1]
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
				vals[i] = v
			}
			if s, ok := v.(string); ok && (i < len(st.PII) && st.PII[i] || phoneLike.MatchString(s)) {
				vals[i] = MaskPhone(s)
			}
		}
		if err := fn(total, vals); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return x.classify(ctx, err)
	}
	return nil
}

// query starts the statement: on SQLite prepared on a connection of the
// guarded pool, on ClickHouse with the guard's settings appended. done
// releases what the rows need, after they are closed.
func (x *Executor) query(ctx context.Context, st Statement, maxRows int) (rows *sql.Rows, done func(), err error) {
	if x.clickhouse {
		if err := checkClickHouse(st.SQL); err != nil {
			return nil, nil, err
		}
		text := st.SQL + x.clickhouseSettings(maxRows)
		rows, done, err := x.queryClickHouse(ctx, text, st.Args)
		if errors.Is(err, errDriverPanic) {
			rows, done, err = x.queryClickHouse(ctx, text, st.Args)
		}
		if err != nil {
			return nil, nil, x.classify(ctx, fmt.Errorf("query: %w", err))
		}
		return rows, done, nil
	}
	conn, err := x.db.Conn(ctx)
	if err != nil {
		return nil, nil, x.classify(ctx, fmt.Errorf("connect: %w", err))
	}
	stmt, err := conn.PrepareContext(ctx, st.SQL)
	if err != nil {
		conn.Close()
		return nil, nil, x.classify(ctx, fmt.Errorf("prepare: %w", err))
	}
	done = func() { stmt.Close(); conn.Close() }
	if rows, err = stmt.QueryContext(ctx, st.Args...); err != nil {
		done()
		return nil, nil, x.classify(ctx, fmt.Errorf("query: %w", err))
	}
	return rows, done, nil
}

func (x *Executor) classify(ctx context.Context, err error) error {
	if x.clickhouse {
		if ctx.Err() == context.DeadlineExceeded {
			return fmt.Errorf("%w (%s): %v", ErrTimeout, x.opt.Timeout, err)
		}
		return classifyClickHouse(err)
	}
	if ctx.Err() == context.DeadlineExceeded || strings.Contains(err.Error(), "interrupted") {
		return fmt.Errorf("%w (%s): %v", ErrTimeout, x.opt.Timeout, err)
	}
	if strings.Contains(err.Error(), "not authorized") || strings.Contains(err.Error(), "readonly") ||
		strings.Contains(err.Error(), "attempt to write") || strings.Contains(err.Error(), "prohibited") {
		return fmt.Errorf("%w: %v", ErrDenied, err)
	}
	return err
}

func toInt(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	}
	return 0
}

var phoneLike = regexp.MustCompile(`^\+?(86)?1\d{10}$`)

// MaskPhone keeps the first three and last four digits: 13812341234 → 138****1234.
func MaskPhone(s string) string {
	r := []rune(s)
	if len(r) < 7 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}
