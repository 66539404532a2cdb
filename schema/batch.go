package schema

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// batch inserts rows into one table many rows per statement: one cgo call
// per batch instead of per row is what makes a 10M-line import take seconds.
type batch struct {
	ctx     context.Context
	tx      *sql.Tx
	table   string
	cols    []string
	ncols   int
	perStmt int
	full    *sql.Stmt
	args    []any
}

func newBatch(ctx context.Context, tx *sql.Tx, table string, cols []string) (*batch, error) {
	b := &batch{ctx: ctx, tx: tx, table: table, cols: cols, ncols: len(cols), perStmt: 200}
	stmt, err := tx.PrepareContext(ctx, insertSQL(table, cols, b.perStmt))
	if err != nil {
		return nil, fmt.Errorf("prepare insert into %s: %w", table, err)
	}
	b.full = stmt
	b.args = make([]any, 0, b.ncols*b.perStmt)
	return b, nil
}

func insertSQL(table string, cols []string, rows int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	var sb strings.Builder
	sb.WriteString("INSERT INTO " + table + "(" + strings.Join(cols, ",") + ") VALUES ")
	for i := 0; i < rows; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(one)
	}
	return sb.String()
}

// add queues one row; values must be in column order.
func (b *batch) add(vals ...any) error {
	b.args = append(b.args, vals...)
	if len(b.args) == cap(b.args) {
		if _, err := b.full.ExecContext(b.ctx, b.args...); err != nil {
			return fmt.Errorf("insert into %s: %w", b.table, err)
		}
		b.args = b.args[:0]
	}
	return nil
}

// flush writes the queued remainder and closes the statement.
func (b *batch) flush() error {
	defer b.full.Close()
	if len(b.args) == 0 {
		return nil
	}
	n := len(b.args) / b.ncols
	if _, err := b.tx.ExecContext(b.ctx, insertSQL(b.table, b.cols, n), b.args...); err != nil {
		return fmt.Errorf("insert into %s: %w", b.table, err)
	}
	b.args = b.args[:0]
	return nil
}
