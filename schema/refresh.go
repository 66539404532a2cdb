package schema

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/bits"
	"os"
	"time"
)

// RefreshOptions controls Refresh.
type RefreshOptions struct {
	AsOf  time.Time     // zero: the warehouse's as-of date
	Model *SegmentModel // nil: the spec's default model
	Keep  Retention     // zero: DefaultRetention
	// Timings, if set, receives how long each part took (make bench
	// reports them).
	Timings *RefreshTimings
}

// RefreshTimings are the parts of a refresh, for benchmarks.
type RefreshTimings struct {
	Copy     time.Duration // copying the warehouse to refresh it aside
	Segments time.Duration // RFM classes, lifecycle stages and the snapshot rows
	Predict  time.Duration // BG/NBD and Gamma-Gamma fit and scores
	Tags     time.Duration // behaviour tags
	Sets     time.Duration // the snapshot's customer sets
	Total    time.Duration
}

// lap adds the time since *t to *d and restarts *t.
func lap(d *time.Duration, t *time.Time) {
	*d += time.Since(*t)
	*t = time.Now()
}

// Retention says which dated snapshots a refresh keeps: the newest Latest
// ones, plus the newest one of each of the last Quarters calendar quarters
// that have one (so quarter-on-quarter questions keep working), plus the
// one just made. Every other snapshot and its customer sets are dropped.
type Retention struct {
	Latest   int
	Quarters int
}

// DefaultRetention keeps the last 3 snapshots and 8 quarter ends: at 200k
// customers a snapshot is ~50 MB, so a warehouse stays within ~0.5 GB of
// its facts however often it is refreshed.
var DefaultRetention = Retention{Latest: 3, Quarters: 8}

// Refresh recomputes the RFM classes and lifecycle stages of every customer
// as of opt.AsOf and stores them as the dated snapshot for that day,
// replacing an earlier refresh of the same day and keeping the other days'
// snapshots that the retention keeps. A later date also becomes the
// warehouse's default as-of date.
//
// It never writes the live file: it copies it, refreshes the copy and
// publishes the copy by a rename (see publish.go). Servers keep answering
// from the old file meanwhile and pick up the new one on their next
// question; a failure or a kill leaves the warehouse exactly as it was.
func Refresh(ctx context.Context, path string, opt RefreshOptions) (asOf time.Time, err error) {
	asOf, model := opt.AsOf, opt.Model
	if model == nil {
		model = DefaultModel()
	}
	if err := model.Validate(); err != nil {
		return asOf, err
	}
	keep := opt.Keep
	if keep == (Retention{}) {
		keep = DefaultRetention
	}
	if keep.Latest < 1 || keep.Quarters < 0 {
		return asOf, fmt.Errorf("retention must keep at least the latest snapshot (got latest %d, quarters %d)", keep.Latest, keep.Quarters)
	}
	if _, err := os.Stat(path); err != nil {
		return asOf, fmt.Errorf("%w: %s", ErrNotFound, path)
	}
	rt, began := opt.Timings, time.Now()
	wr, err := startWrite(ctx, path, refreshingSuffix)
	if err != nil {
		return asOf, err
	}
	defer func() {
		wr.end(err)
		if rt != nil {
			rt.Total = time.Since(began)
		}
	}()
	settleLegacyWAL(path)
	tmp := wr.tmp
	if rt == nil {
		rt = &RefreshTimings{} // nobody asked: measured and dropped
	}
	t := time.Now()
	if err := copyFile(path, tmp); err != nil {
		return asOf, fmt.Errorf("copy warehouse: %w", err)
	}
	lap(&rt.Copy, &t)
	db, err := openBuild(tmp)
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
	if err := refreshTx(ctx, tx, asOf, model, rt); err != nil {
		return asOf, err
	}
	if asOf.After(cur) {
		if err := setMeta(ctx, tx, metaAsOf, FormatDate(asOf)); err != nil {
			return asOf, err
		}
	}
	if err := applyRetention(ctx, tx, keep, FormatDate(asOf)); err != nil {
		return asOf, err
	}
	if err := tx.Commit(); err != nil {
		return asOf, fmt.Errorf("commit refresh: %w", err)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE customer_measures`); err != nil {
		return asOf, fmt.Errorf("analyze: %w", err)
	}
	if err := db.Close(); err != nil {
		return asOf, fmt.Errorf("close warehouse: %w", err)
	}
	return asOf, publish(tmp, path)
}

// applyRetention drops the snapshots keep does not keep (never made, the
// one just made).
func applyRetention(ctx context.Context, tx *sql.Tx, keep Retention, made string) error {
	rows, err := tx.QueryContext(ctx, `SELECT as_of FROM snapshots ORDER BY as_of DESC`)
	if err != nil {
		return fmt.Errorf("list snapshots: %w", err)
	}
	var days []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return err
		}
		days = append(days, d)
	}
	rows.Close()
	for _, d := range SnapshotsToDrop(days, keep, made) {
		for _, q := range []string{`DELETE FROM customer_measures WHERE as_of = ?`, `DELETE FROM customer_tags WHERE as_of = ?`,
			`DELETE FROM customer_sets WHERE as_of = ?`, `DELETE FROM snapshots WHERE as_of = ?`} {
			if _, err := tx.ExecContext(ctx, q, d); err != nil {
				return fmt.Errorf("drop snapshot %s: %w", d, err)
			}
		}
	}
	return nil
}

// SnapshotsToDrop returns the snapshot days (YYYY-MM-DD, newest first) that
// keep does not keep; made is always kept.
func SnapshotsToDrop(days []string, keep Retention, made string) []string {
	kept := map[string]bool{made: true}
	quarters := map[string]bool{}
	for i, d := range days {
		if i < keep.Latest {
			kept[d] = true
		}
		t, err := ParseDate(d)
		if err != nil {
			kept[d] = true // not ours to judge
			continue
		}
		q := fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())+2)/3)
		if !quarters[q] && len(quarters) < keep.Quarters {
			quarters[q] = true // the newest snapshot of this quarter
			kept[d] = true
		}
	}
	var drop []string
	for _, d := range days {
		if !kept[d] {
			drop = append(drop, d)
		}
	}
	return drop
}

// buyer is one customer's completed-order aggregate up to as_of.
type buyer struct {
	first, last string
	f, m        int64
}

func refreshTx(ctx context.Context, tx *sql.Tx, asOf time.Time, model *SegmentModel, rt *RefreshTimings) error {
	if rt == nil {
		rt = &RefreshTimings{}
	}
	t := time.Now()
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

	lap(&rt.Segments, &t)
	preds, clvModel, err := predict(ctx, tx, asOf)
	if err != nil {
		return err
	}
	lap(&rt.Predict, &t)
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
	lap(&rt.Segments, &t)
	tags, topCategory, err := computeTags(ctx, tx, asOf)
	if err != nil {
		return err
	}
	tagsJSON, _ := json.Marshal(tags)
	lap(&rt.Tags, &t)
	if err := buildCustomerSets(ctx, tx, asOf, topCategory); err != nil {
		return err
	}
	lap(&rt.Sets, &t)
	mj, _ := json.Marshal(model)
	var meanR, meanF, meanM any
	if n > 0 {
		meanR, meanF, meanM = float64(sumR)/float64(n), float64(sumF)/float64(n), float64(sumM)/float64(n)/100
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO snapshots(as_of, created_at, model_json, buyers, mean_r, mean_f, mean_m, clv_json, tags_json)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(as_of) DO UPDATE SET created_at = excluded.created_at, model_json = excluded.model_json,
		buyers = excluded.buyers, mean_r = excluded.mean_r, mean_f = excluded.mean_f, mean_m = excluded.mean_m,
		clv_json = excluded.clv_json, tags_json = excluded.tags_json`,
		day, time.Now().UTC().Format(time.RFC3339), string(mj), n, meanR, meanF, meanM, clvModel.json(), string(tagsJSON))
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
