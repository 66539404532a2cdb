package clickhouse

import (
	"context"
	"database/sql"

	"github.com/chatbi/chatbi/schema"
)

// bitmapsTable holds each product's buyers per day as a groupBitmap
// state, built from the purchase lines just loaded, where every node has
// the bitmap functions (20.x and later; 18.16 has none) and the lines are
// dense enough to pay (BitmapMinLines): "bought X in a window" then merges
// a few bitmaps a day instead of reading every order line (nlq: the
// ClickHouse dialect's lineBuyers). The catalog learns of it from meta
// (schema.MetaPurchaseBitmaps), so a service uses it exactly when the copy
// it serves has it.
const bitmapsTable = "purchase_bitmaps"

// BitmapMinLines is how many order lines a product's day must stand for,
// on average on every node, for the bitmaps to be built. Merging one
// bitmap cost ~3.5 µs on chDB 26.7 at 1M customers, reading one line of
// purchase_lines (sorted by product and date) ~0.17 µs: a bitmap of fewer
// than ~20 lines is slower than the lines, and merging the window's
// bitmaps into one set and the IN over it cost more besides
// (docs/scale-out.md, "Bitmaps"). The 1M bench warehouse has ~34 lines a
// product-day and gets none. Tests set it to 0 to build them on a small
// warehouse.
var BitmapMinLines = 64

// buildBitmaps builds bitmapsTable aside on every node, if every node can
// and its lines are dense enough.
func buildBitmaps(ctx context.Context, dsts []*sql.DB, suffix string) (bool, error) {
	for _, dst := range dsts {
		var n uint64
		// groupBitmap's -State and -MergeState are combinators, not listed.
		err := dst.QueryRowContext(ctx, "SELECT count() FROM system.functions WHERE name IN ('groupBitmap', 'bitmapToArray')").Scan(&n)
		if err != nil {
			return false, err
		}
		if n < 2 {
			return false, nil
		}
		var lines, days uint64
		err = dst.QueryRowContext(ctx, "SELECT count(), uniqExact(product_key, date) FROM purchase_lines"+suffix+"_loading").Scan(&lines, &days)
		if err != nil {
			return false, err
		}
		if days == 0 || lines < uint64(BitmapMinLines)*days {
			return false, nil
		}
	}
	tmp := bitmapsTable + suffix + "_loading"
	for _, dst := range dsts {
		for _, q := range []string{
			"DROP TABLE IF EXISTS " + tmp,
			"CREATE TABLE " + tmp + " (product_key Int64, date Date, customers AggregateFunction(groupBitmap, UInt64)) " +
				"ENGINE = AggregatingMergeTree ORDER BY (product_key, date)",
			"INSERT INTO " + tmp + " SELECT product_key, date, groupBitmapState(toUInt64(customer_key)) " +
				"FROM purchase_lines" + suffix + "_loading GROUP BY product_key, date",
		} {
			if _, err := dst.ExecContext(ctx, q); err != nil {
				dst.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+tmp)
				return false, err
			}
		}
		if _, err := dst.ExecContext(ctx, "INSERT INTO meta_loading (`key`, `value`) SELECT ?, '1'", schema.MetaPurchaseBitmaps); err != nil {
			return false, err
		}
	}
	return true, nil
}
