package clickhouse

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// batchRows is how many rows one INSERT carries.
const batchRows = 5000

// insertRows fills tmp from src's rows in batches of INSERT … VALUES: on
// every server of the one shard given, or, given several shards, each row
// on every server of the shard of its customer (t.Shard % len(shards)).
func insertRows(ctx context.Context, src *sql.DB, shards [][]*sql.DB, t Table, tmp string, cols []column) error {
	var names []string
	for _, c := range cols {
		names = append(names, quote(c.name))
	}
	read := "SELECT " + strings.Join(names, ", ")
	sharded := len(shards) > 1
	if sharded {
		read += ", " + t.Shard
	}
	rows, err := src.QueryContext(ctx, read+" FROM "+t.Name+metaFilter(t))
	if err != nil {
		return err
	}
	defer rows.Close()
	sinks := make([][]sink, len(shards))
	for i, dsts := range shards {
		for _, dst := range dsts {
			sinks[i] = append(sinks[i], newSink(ctx, dst, tmp, names))
		}
	}
	defer func() {
		for _, ks := range sinks {
			for _, k := range ks {
				k.abort()
			}
		}
	}()
	width := len(cols)
	if sharded {
		width++
	}
	for rows.Next() {
		vals := make([]any, width)
		ptrs := make([]any, width)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
		i := 0
		if sharded {
			key, ok := vals[len(cols)].(int64)
			if !ok {
				return fmt.Errorf("%s: a row without its customer (%v)", t.Name, vals[len(cols)])
			}
			i = int(key % int64(len(shards)))
			vals = vals[:len(cols)]
		}
		for _, k := range sinks[i] {
			if err := k.add(vals); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, ks := range sinks {
		for _, k := range ks {
			if err := k.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// sink takes a table's rows for one destination, batchRows at a time.
type sink interface {
	add(row []any) error
	flush() error
	abort() // drop a batch not flushed (after an error)
}

// newSink is the sink for dst's driver, inserting into table's columns
// names.
func newSink(ctx context.Context, dst *sql.DB, table string, names []string) sink {
	if nativeBlocks(dst) {
		return &blockSink{ctx: ctx, db: dst, insert: "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ")"}
	}
	return &valuesSink{ctx: ctx, db: dst, tmp: table, names: names}
}

// placeholders is n bound parameters.
func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// nativeBlocks reports whether dst is clickhouse-go's database/sql driver.
// It sends rows as native blocks through a prepared INSERT in a
// transaction; an INSERT … VALUES with bound rows it sends as text, and a
// server before 19.x then waits for blocks that never come.
func nativeBlocks(dst *sql.DB) bool {
	return fmt.Sprintf("%T", dst.Driver()) == "*clickhouse.stdDriver"
}

// valuesSink sends each batch as one INSERT … VALUES (?, …), (?, …).
type valuesSink struct {
	ctx   context.Context
	db    *sql.DB
	tmp   string
	names []string
	args  []any
	n     int
}

func (k *valuesSink) add(row []any) error {
	k.args = append(k.args, row...)
	if k.n++; k.n == batchRows {
		return k.flush()
	}
	return nil
}

func (k *valuesSink) flush() error {
	if k.n == 0 {
		return nil
	}
	row := "(" + placeholders(len(k.names)) + ")"
	text := "INSERT INTO " + k.tmp + " (" + strings.Join(k.names, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", k.n), ", ")
	_, err := k.db.ExecContext(k.ctx, text, k.args...)
	k.args, k.n = k.args[:0], 0
	return err
}

// blockSink sends each batch as one native block: a transaction, a
// prepared INSERT, one Exec per row, Commit.
type blockSink struct {
	ctx    context.Context
	db     *sql.DB
	insert string
	tx     *sql.Tx
	stmt   *sql.Stmt
	n      int
}

func (k *blockSink) add(row []any) error {
	if k.tx == nil {
		tx, err := k.db.BeginTx(k.ctx, nil)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(k.ctx, k.insert)
		if err != nil {
			tx.Rollback()
			return err
		}
		k.tx, k.stmt = tx, stmt
	}
	if _, err := k.stmt.ExecContext(k.ctx, row...); err != nil {
		k.tx.Rollback()
		k.tx = nil
		return err
	}
	if k.n++; k.n == batchRows {
		return k.flush()
	}
	return nil
}

func (k *valuesSink) abort() { k.args, k.n = nil, 0 }

func (k *blockSink) abort() {
	if k.tx != nil {
		k.tx.Rollback()
		k.tx = nil
	}
}

func (k *blockSink) flush() error {
	if k.tx == nil {
		return nil
	}
	tx := k.tx
	k.tx, k.stmt, k.n = nil, nil, 0
	return tx.Commit()
}
