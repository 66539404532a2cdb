package schema

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/chatbi/chatbi/schema/clv"
)

// CLV prediction at refresh: every buyer's history up to as_of becomes a
// BG/NBD / Gamma-Gamma summary (purchases on one day merged, as the models'
// authors do; time in weeks); the models are fitted on a deterministic
// sample and every buyer is scored for the next 52 weeks.

const (
	clvHorizonWeeks = 52
	clvFitSample    = 10000
	// PotentialName is the segment of the top fifth of buyers by predicted value.
	PotentialName = "高潜力客户"
)

// CLVModel is what a snapshot records about its prediction.
type CLVModel struct {
	BGNBD        *clv.BGNBD      `json:"bgnbd,omitempty"`
	GammaGamma   *clv.GammaGamma `json:"gamma_gamma,omitempty"`
	FittedOn     int             `json:"fitted_on"` // customers in the fit sample
	HorizonWeeks int             `json:"horizon_weeks"`
	Cutoff       float64         `json:"potential_cutoff"` // clv of the top fifth
	Skipped      string          `json:"skipped,omitempty"`
}

type predicted struct {
	pAlive, purchases, value float64
	potential                bool
}

// predict fits the models on the buyers' histories and scores them.
func predict(ctx context.Context, tx *sql.Tx, asOf time.Time) (map[int64]predicted, CLVModel, error) {
	day := FormatDate(asOf)
	rows, err := tx.QueryContext(ctx, `SELECT customer_key, date, sum(pay_cents) FROM purchase_orders
		WHERE date <= ? GROUP BY customer_key, date ORDER BY customer_key, date`, day)
	if err != nil {
		return nil, CLVModel{}, fmt.Errorf("clv summaries: %w", err)
	}
	type hist struct {
		key int64
		s   clv.Summary
	}
	var hs []hist
	var cur *hist
	var first, last time.Time
	var repeatSum float64
	flush := func() {
		if cur == nil {
			return
		}
		cur.s.Tx = last.Sub(first).Hours() / 24 / 7
		cur.s.T = asOf.Sub(first).Hours() / 24 / 7
		if cur.s.X > 0 {
			cur.s.Zbar = repeatSum / cur.s.X
		}
		hs = append(hs, *cur)
	}
	for rows.Next() {
		var k, cents int64
		var d string
		if err := rows.Scan(&k, &d, &cents); err != nil {
			rows.Close()
			return nil, CLVModel{}, err
		}
		t, _ := ParseDate(d)
		if cur == nil || cur.key != k {
			flush()
			cur, first, repeatSum = &hist{key: k}, t, 0
		} else {
			cur.s.X++
			repeatSum += float64(cents) / 100
		}
		last = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, CLVModel{}, err
	}
	flush()
	model := CLVModel{HorizonWeeks: clvHorizonWeeks}
	repeat := 0
	for _, h := range hs {
		if h.s.X > 0 {
			repeat++
		}
	}
	if len(hs) < 50 || repeat < 20 {
		model.Skipped = fmt.Sprintf("too few buyers to fit (%d buyers, %d repeat)", len(hs), repeat)
		return nil, model, nil
	}
	// A deterministic, evenly spread sample keeps the fit fast at 1M customers.
	step := (len(hs) + clvFitSample - 1) / clvFitSample
	var sample []clv.Summary
	for i := 0; i < len(hs); i += step {
		sample = append(sample, hs[i].s)
	}
	bg, err := clv.FitBGNBD(sample)
	if err != nil {
		model.Skipped = "BG/NBD fit failed: " + err.Error()
		return nil, model, nil
	}
	gg, err := clv.FitGammaGamma(sample)
	if err != nil {
		model.Skipped = "Gamma-Gamma fit failed: " + err.Error()
		return nil, model, nil
	}
	model.BGNBD, model.GammaGamma, model.FittedOn = &bg, &gg, len(sample)
	out := make(map[int64]predicted, len(hs))
	values := make([]float64, 0, len(hs))
	for _, h := range hs {
		p := predicted{pAlive: bg.PAlive(h.s), purchases: bg.ExpectedPurchases(h.s, clvHorizonWeeks)}
		p.value = p.purchases * gg.ExpectedSpend(h.s)
		out[h.key] = p
		values = append(values, p.value)
	}
	sort.Float64s(values)
	model.Cutoff = values[len(values)*4/5]
	for k, p := range out {
		if p.value >= model.Cutoff {
			p.potential = true
			out[k] = p
		}
	}
	return out, model, nil
}

func (m CLVModel) json() string {
	b, _ := json.Marshal(m)
	return string(b)
}
