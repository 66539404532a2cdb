package schema

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Columns added after the first release, by table. A warehouse built by an
// older chatbi gets them (empty) at its next refresh; serving refuses it
// until then, with a message saying so.
var addedColumns = []struct{ table, column, decl string }{
	{"customer_measures", "p_alive", "REAL"},
	{"customer_measures", "exp_purchases", "REAL"},
	{"customer_measures", "clv", "REAL"},
	{"customer_measures", "potential", "TEXT"},
	{"snapshots", "clv_json", "TEXT"},
	{"customer_measures", "gender", "TEXT"},
	{"customer_measures", "birth_date", "TEXT"},
	{"customer_measures", "city", "TEXT"},
	{"customer_measures", "province", "TEXT"},
	{"customer_measures", "member_level", "TEXT"},
	{"customer_measures", "register_channel", "TEXT"},
	{"customer_measures", "register_date", "TEXT"},
	{"snapshots", "tags_json", "TEXT"},
}

// ErrOldWarehouse: the file lacks columns this version reads.
var ErrOldWarehouse = fmt.Errorf("warehouse was built by an older chatbi: run `chatbi refresh` on it once")

func missingColumns(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]int, error) {
	have := map[string]bool{}
	for _, t := range []string{"customer_measures", "snapshots"} {
		rows, err := q.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, t)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var n string
			rows.Scan(&n)
			have[t+"."+n] = true
		}
		rows.Close()
	}
	var missing []int
	for i, c := range addedColumns {
		if !have[c.table+"."+c.column] {
			missing = append(missing, i)
		}
	}
	return missing, nil
}

// migrate adds the columns an older warehouse lacks.
func migrate(ctx context.Context, tx *sql.Tx) error {
	missing, err := missingColumns(ctx, tx)
	if err != nil {
		return fmt.Errorf("inspect warehouse: %w", err)
	}
	for _, i := range missing {
		c := addedColumns[i]
		if _, err := tx.ExecContext(ctx, "ALTER TABLE "+c.table+" ADD COLUMN "+c.column+" "+c.decl); err != nil {
			return fmt.Errorf("add %s.%s: %w", c.table, c.column, err)
		}
	}
	// Tables added since (the customer sets): every CREATE of ddl.sql that
	// the file lacks.
	ifMissing := strings.NewReplacer("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", "CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ")
	if _, err := tx.ExecContext(ctx, ifMissing.Replace(ddlSQL)); err != nil {
		return fmt.Errorf("add tables: %w", err)
	}
	// The first segment indexes led with as_of; see ddl.sql.
	_, err = tx.ExecContext(ctx, `DROP INDEX IF EXISTS customer_measures_rfm;
		DROP INDEX IF EXISTS customer_measures_lifecycle;
		CREATE INDEX IF NOT EXISTS customer_measures_by_rfm ON customer_measures(rfm_class, as_of);
		CREATE INDEX IF NOT EXISTS customer_measures_by_lifecycle ON customer_measures(lifecycle, as_of);`)
	if err != nil {
		return fmt.Errorf("rebuild segment indexes: %w", err)
	}
	return nil
}

// CheckCurrent reports ErrOldWarehouse when a warehouse lacks columns. It
// only selects the columns (no PRAGMA), so it works through the executor's
// read-only guard.
func CheckCurrent(ctx context.Context, db *sql.DB) error {
	var missing []string
	for _, c := range addedColumns {
		rows, err := db.QueryContext(ctx, "SELECT "+c.column+" FROM "+c.table+" LIMIT 0")
		if err != nil {
			if strings.Contains(err.Error(), "no such column") {
				missing = append(missing, c.table+"."+c.column)
				continue
			}
			return fmt.Errorf("inspect warehouse: %w", err)
		}
		rows.Close()
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w (missing %s)", ErrOldWarehouse, strings.Join(missing, ", "))
	}
	return nil
}
