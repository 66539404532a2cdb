package schema

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/bits"
	"time"
)

// Refresh recomputes the RFM classes and lifecycle stages of every customer
// as of asOf (zero: the warehouse's as-of date) and stores them as the dated
// snapshot for that day, replacing an earlier refresh of the same day and
// keeping every other day's snapshot. A later date also becomes the
// warehouse's default as-of date. It runs in one transaction: a failure
// leaves the warehouse as it was.
func Refresh(ctx context.Context, path string, asOf time.Time, model *SegmentModel) (time.Time, error) {
	if model == nil {
		model = DefaultModel()
	}
	if err := model.Validate(); err != nil {
		return asOf, err
	}
	db, err := OpenRW(path)
	if err != nil {
		return asOf, err
	}
	defer db.Close()
	cur, err := AsOf(ctx, db)
	if err != nil {
		return asOf, err
	}
	if asOf.IsZero() {
		asOf = cur
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return asOf, fmt.Errorf("begin refresh: %w", err)
	}
	defer tx.Rollback()
	if err := migrate(ctx, tx); err != nil {
		return asOf, err
	}
	if built, err := purchaseSetsBuilt(ctx, tx); err != nil {
		return asOf, err
	} else if !built {
		if err := buildPurchaseSets(ctx, tx); err != nil {
			return asOf, err
		}
	}
	if err := refreshTx(ctx, tx, asOf, model); err != nil {
		return asOf, err
	}
	if asOf.After(cur) {
		if err := setMeta(ctx, tx, metaAsOf, FormatDate(asOf)); err != nil {
			return asOf, err
		}
	}
	if err := tx.Commit(); err != nil {
		return asOf, fmt.Errorf("commit refresh: %w", err)
	}
	_, err = db.ExecContext(ctx, `ANALYZE customer_measures`)
	return asOf, err
}

// buyer is one customer's completed-order aggregate up to as_of.
type buyer struct {
	first, last string
	f, m        int64
}

func refreshTx(ctx context.Context, tx *sql.Tx, asOf time.Time, model *SegmentModel) error {
	day := FormatDate(asOf)
	buyers, err := aggregateBuyers(ctx, tx, day)
	if err != nil {
		return err
	}
	// Means over the customers with at least one completed order, kept as
	// exact integer sums: R ≤ mean R ⇔ R·n ≤ ΣR, and so on.
	var n, sumR, sumF, sumM uint64
	recency := map[int64]int64{}
	for k, b := range buyers {
		last, _ := ParseDate(b.last)
		r := int64(asOf.Sub(last).Hours() / 24)
		recency[k] = r
		n++
		sumR += uint64(r)
		sumF += uint64(b.f)
		sumM += uint64(b.m)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM customer_measures WHERE as_of = ?`, day); err != nil {
		return fmt.Errorf("clear snapshot %s: %w", day, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, register_date, gender, birth_date, city, province, member_level, register_channel
		FROM customers ORDER BY id`)
	if err != nil {
		return fmt.Errorf("read customers: %w", err)
	}
	type cust struct {
		key   int64
		reg   string
		attrs [6]sql.NullString // gender, birth_date, city, province, member_level, register_channel
	}
	var custs []cust
	for rows.Next() {
		var c cust
		if err := rows.Scan(&c.key, &c.reg, &c.attrs[0], &c.attrs[1], &c.attrs[2], &c.attrs[3], &c.attrs[4], &c.attrs[5]); err != nil {
			rows.Close()
			return err
		}
		custs = append(custs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	preds, clvModel, err := predict(ctx, tx, asOf)
	if err != nil {
		return err
	}
	cols := []string{"as_of", "customer_key", "first_date", "last_date", "recency", "frequency", "monetary_cents", "rfm_class", "lifecycle",
		"p_alive", "exp_purchases", "clv", "potential",
		"gender", "birth_date", "city", "province", "member_level", "register_channel", "register_date"}
	b, err := newBatch(ctx, tx, "customer_measures", cols)
	if err != nil {
		return err
	}
	lc := model.Lifecycle
	for _, c := range custs {
		bu, ok := buyers[c.key]
		if !ok {
			var stage any // registered after as_of: not a customer yet
			if c.reg <= day {
				stage = lc.NeverBuyer.Name
			}
			if err := b.add(day, c.key, nil, nil, nil, 0, 0, nil, stage, nil, nil, nil, nil,
				c.attrs[0], c.attrs[1], c.attrs[2], c.attrs[3], c.attrs[4], c.attrs[5], c.reg); err != nil {
				return err
			}
			continue
		}
		r := recency[c.key]
		rHigh := mulLE(uint64(r), n, sumR)
		fHigh := mulGE(uint64(bu.f), n, sumF)
		mHigh := mulGE(uint64(bu.m), n, sumM)
		first, _ := ParseDate(bu.first)
		sinceFirst := int(asOf.Sub(first).Hours() / 24)
		var stage string
		switch {
		case sinceFirst < lc.NewDays:
			stage = lc.New.Name
		case r < int64(lc.ActiveDays):
			stage = lc.Active.Name
		case r < int64(lc.SilentDays):
			stage = lc.Silent.Name
		default:
			stage = lc.Lost.Name
		}
		var pAlive, purchases, value, potential any
		if p, ok := preds[c.key]; ok {
			pAlive, purchases, value = p.pAlive, p.purchases, p.value
			if p.potential {
				potential = PotentialName
			}
		}
		if err := b.add(day, c.key, bu.first, bu.last, r, bu.f, bu.m, model.ClassFor(rHigh, fHigh, mHigh), stage,
			pAlive, purchases, value, potential, c.attrs[0], c.attrs[1], c.attrs[2], c.attrs[3], c.attrs[4], c.attrs[5], c.reg); err != nil {
			return err
		}
	}
	if err := b.flush(); err != nil {
		return err
	}
	if err := buildCustomerSets(ctx, tx, day); err != nil {
		return err
	}
	mj, _ := json.Marshal(model)
	var meanR, meanF, meanM any
	if n > 0 {
		meanR, meanF, meanM = float64(sumR)/float64(n), float64(sumF)/float64(n), float64(sumM)/float64(n)/100
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO snapshots(as_of, created_at, model_json, buyers, mean_r, mean_f, mean_m, clv_json)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(as_of) DO UPDATE SET created_at = excluded.created_at, model_json = excluded.model_json,
		buyers = excluded.buyers, mean_r = excluded.mean_r, mean_f = excluded.mean_f, mean_m = excluded.mean_m,
		clv_json = excluded.clv_json`,
		day, time.Now().UTC().Format(time.RFC3339), string(mj), n, meanR, meanF, meanM, clvModel.json())
	if err != nil {
		return fmt.Errorf("record snapshot %s: %w", day, err)
	}
	return nil
}

func aggregateBuyers(ctx context.Context, tx *sql.Tx, day string) (map[int64]buyer, error) {
	rows, err := tx.QueryContext(ctx, `SELECT customer_key, min(date), max(date), count(*), sum(pay_cents)
		FROM purchase_orders WHERE date <= ? GROUP BY customer_key`, day)
	if err != nil {
		return nil, fmt.Errorf("aggregate purchases: %w", err)
	}
	defer rows.Close()
	out := map[int64]buyer{}
	for rows.Next() {
		var k int64
		var b buyer
		if err := rows.Scan(&k, &b.first, &b.last, &b.f, &b.m); err != nil {
			return nil, err
		}
		out[k] = b
	}
	return out, rows.Err()
}

// mulLE reports a·n ≤ s without overflow; mulGE reports a·n ≥ s.
func mulLE(a, n, s uint64) bool {
	hi, lo := bits.Mul64(a, n)
	return hi == 0 && lo <= s
}

func mulGE(a, n, s uint64) bool {
	hi, lo := bits.Mul64(a, n)
	return hi > 0 || lo >= s
}
