package schema

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/bits"
	"os"
	"slices"
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
	Tags     time.Duration // behaviour tags: waiting for them and writing them
	// TagsAside is the tags' own work, done on another connection while
	// the segments and CLV are computed (so mostly not added to Total).
	TagsAside time.Duration
	Sets      time.Duration // the snapshot's customer sets
	Windows   time.Duration // window measures, their sets and rank buckets
	Commit    time.Duration // retention, commit, ANALYZE and publishing the file
	Total     time.Duration
}

// Settle returns the model and retention opt asks for, the defaults where
// it names none, checked: every engine's refresh starts with it.
func (opt RefreshOptions) Settle() (*SegmentModel, Retention, error) {
	model, keep := opt.Model, opt.Keep
	if model == nil {
		model = DefaultModel()
	}
	if err := model.Validate(); err != nil {
		return nil, keep, err
	}
	if keep == (Retention{}) {
		keep = DefaultRetention
	}
	if keep.Latest < 1 || keep.Quarters < 0 {
		return nil, keep, fmt.Errorf("retention must keep at least the latest snapshot (got latest %d, quarters %d)", keep.Latest, keep.Quarters)
	}
	return model, keep, nil
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
	asOf = opt.AsOf
	model, keep, err := opt.Settle()
	if err != nil {
		return asOf, err
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
	var hasLists int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM meta WHERE key = ?`, metaCatalog).Scan(&hasLists); err != nil {
		return asOf, err
	}
	if hasLists == 0 { // a file from before the cached lists
		if err := storeCatalogLists(ctx, tx); err != nil {
			return asOf, err
		}
	}
	if err := refreshTx(ctx, tx, asOf, model, rt, tmp); err != nil {
		return asOf, err
	}
	if asOf.After(cur) {
		if err := setMeta(ctx, tx, metaAsOf, FormatDate(asOf)); err != nil {
			return asOf, err
		}
	}
	t = time.Now()
	if !asOf.Before(cur) { // the newest date's window measures
		if err := buildWindows(ctx, tx, asOf); err != nil {
			return asOf, err
		}
	}
	lap(&rt.Windows, &t)
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
	err = publish(tmp, path)
	lap(&rt.Commit, &t)
	return asOf, err
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

// refreshTx computes the snapshot of asOf in tx. With readPath (a file
// whose facts are committed: a refresh's copy), the behaviour tags, which
// only read the facts, are worked out meanwhile on a connection of their
// own — the other core's work — and only written in tx.
func refreshTx(ctx context.Context, tx *sql.Tx, asOf time.Time, model *SegmentModel, rt *RefreshTimings, readPath string) error {
	if rt == nil {
		rt = &RefreshTimings{}
	}
	tags := func() (*behaviourTags, error) { return readTags(ctx, tx, asOf) }
	if readPath != "" {
		done := make(chan struct{})
		var bt *behaviourTags
		var terr error
		go func() {
			defer close(done)
			start := time.Now()
			bt, terr = readTagsAside(ctx, readPath, asOf)
			rt.TagsAside = time.Since(start)
		}()
		tags = func() (*behaviourTags, error) { <-done; return bt, terr }
		defer func() { <-done }() // never leave the reader running past the transaction
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
	lap(&rt.Segments, &t)
	preds, clvModel, err := predict(ctx, tx, asOf)
	if err != nil {
		return err
	}
	lap(&rt.Predict, &t)
	// The buyers' figures go to a temporary table; one INSERT … SELECT then
	// writes every customer's snapshot row with the attributes copied from
	// customers inside SQLite (a million customers' eight attributes never
	// travel through Go).
	if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS temp.refresh_buyers;
		CREATE TEMP TABLE refresh_buyers (customer_key INTEGER PRIMARY KEY, first_date TEXT, last_date TEXT, recency INTEGER,
			frequency INTEGER, monetary_cents INTEGER, rfm_class TEXT, lifecycle TEXT, p_alive REAL, exp_purchases REAL, clv REAL, potential TEXT)`); err != nil {
		return fmt.Errorf("stage buyers: %w", err)
	}
	b, err := newBatch(ctx, tx, "refresh_buyers", []string{"customer_key", "first_date", "last_date", "recency", "frequency", "monetary_cents",
		"rfm_class", "lifecycle", "p_alive", "exp_purchases", "clv", "potential"})
	if err != nil {
		return err
	}
	keys := make([]int64, 0, len(buyers))
	for k := range buyers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	lc := model.Lifecycle
	for _, k := range keys {
		bu := buyers[k]
		r := recency[k]
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
		if p, ok := preds[k]; ok {
			pAlive, purchases, value = p.pAlive, p.purchases, p.value
			if p.potential {
				potential = PotentialName
			}
		}
		if err := b.add(k, bu.first, bu.last, r, bu.f, bu.m, model.ClassFor(rHigh, fHigh, mHigh), stage,
			pAlive, purchases, value, potential); err != nil {
			return err
		}
	}
	if err := b.flush(); err != nil {
		return err
	}
	// Everyone else: 未购客户 once registered; before that not a customer yet.
	if _, err := tx.ExecContext(ctx, `INSERT INTO customer_measures (as_of, customer_key, first_date, last_date, recency, frequency,
			monetary_cents, rfm_class, lifecycle, p_alive, exp_purchases, clv, potential,
			gender, birth_date, city, province, member_level, register_channel, register_date)
		SELECT ?, c.id, b.first_date, b.last_date, b.recency, coalesce(b.frequency, 0), coalesce(b.monetary_cents, 0), b.rfm_class,
			CASE WHEN b.customer_key IS NOT NULL THEN b.lifecycle WHEN c.register_date <= ? THEN ? END,
			b.p_alive, b.exp_purchases, b.clv, b.potential,
			c.gender, c.birth_date, c.city, c.province, c.member_level, c.register_channel, c.register_date
		FROM customers c LEFT JOIN temp.refresh_buyers b ON b.customer_key = c.id
		ORDER BY c.id`, day, day, lc.NeverBuyer.Name); err != nil {
		return fmt.Errorf("write snapshot %s: %w", day, err)
	}
	if _, err := tx.ExecContext(ctx, `DROP TABLE temp.refresh_buyers`); err != nil {
		return fmt.Errorf("stage buyers: %w", err)
	}
	lap(&rt.Segments, &t)
	bt, err := tags()
	if err != nil {
		return err
	}
	if err := writeTags(ctx, tx, day, bt); err != nil {
		return err
	}
	tagsJSON, _ := json.Marshal(bt.cut)
	lap(&rt.Tags, &t)
	if err := buildCustomerSets(ctx, tx, asOf, bt.top); err != nil {
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
		day, time.Now().UTC().Format(time.RFC3339), string(mj), n, meanR, meanF, meanM, clvModel.JSON(), string(tagsJSON))
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
