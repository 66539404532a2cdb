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
	CLVHorizonWeeks = 52
	CLVFitSample    = 10000
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
	rows, err := tx.QueryContext(ctx, `SELECT customer_key, date, sum(pay_cents) FROM purchase_orders
		WHERE date <= ? GROUP BY customer_key, date ORDER BY customer_key, date`, FormatDate(asOf))
	if err != nil {
		return nil, CLVModel{}, fmt.Errorf("clv summaries: %w", err)
	}
	hs, err := CLVSummaries(rows, asOf)
	if err != nil {
		return nil, CLVModel{}, err
	}
	repeat := 0
	for _, h := range hs {
		if h.X > 0 {
			repeat++
		}
	}
	// A deterministic, evenly spread sample keeps the fit fast at 1M customers.
	step := CLVSampleStep(len(hs))
	var sample []clv.Summary
	for i := 0; i < len(hs); i += step {
		sample = append(sample, hs[i].Summary)
	}
	model := FitCLV(sample, len(hs), repeat)
	if model.Skipped != "" {
		return nil, model, nil
	}
	bg, gg := *model.BGNBD, *model.GammaGamma
	out := make(map[int64]predicted, len(hs))
	values := make([]float64, 0, len(hs))
	for _, h := range hs {
		p := predicted{pAlive: bg.PAlive(h.Summary), purchases: bg.ExpectedPurchases(h.Summary, CLVHorizonWeeks)}
		p.value = p.purchases * gg.ExpectedSpend(h.Summary)
		out[h.Key] = p
		values = append(values, p.value)
	}
	sort.Float64s(values)
	model.Cutoff = values[PotentialCutoffIndex(len(values))]
	for k, p := range out {
		if p.value >= model.Cutoff {
			p.potential = true
			out[k] = p
		}
	}
	return out, model, nil
}

// KeyedSummary is one buyer's CLV summary.
type KeyedSummary struct {
	Key int64
	clv.Summary
}

// CLVSummaries reads rows of (customer key, date, the day's pay in cents),
// ordered by customer and date, into each buyer's history as of asOf:
// purchases on one day merged, as the models' authors do; time in weeks.
// It closes rows. Every engine's refresh builds its fit sample with it, so
// the fit sees the very same numbers.
func CLVSummaries(rows *sql.Rows, asOf time.Time) ([]KeyedSummary, error) {
	defer rows.Close()
	var hs []KeyedSummary
	var cur *KeyedSummary
	var first, last time.Time
	var repeatSum float64
	flush := func() {
		if cur == nil {
			return
		}
		cur.Tx = last.Sub(first).Hours() / 24 / 7
		cur.T = asOf.Sub(first).Hours() / 24 / 7
		if cur.X > 0 {
			cur.Zbar = repeatSum / cur.X
		}
		hs = append(hs, *cur)
	}
	for rows.Next() {
		var k, cents int64
		var d string
		if err := rows.Scan(&k, &d, &cents); err != nil {
			return nil, fmt.Errorf("clv summaries: %w", err)
		}
		t, _ := ParseDate(d)
		if cur == nil || cur.Key != k {
			flush()
			cur, first, repeatSum = &KeyedSummary{Key: k}, t, 0
		} else {
			cur.X++
			repeatSum += float64(cents) / 100
		}
		last = t
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clv summaries: %w", err)
	}
	flush()
	return hs, nil
}

// CLVSampleStep is the stride of the fit sample over buyers in key order:
// every step-th buyer, from the first.
func CLVSampleStep(buyers int) int {
	return max((buyers+CLVFitSample-1)/CLVFitSample, 1)
}

// PotentialCutoffIndex is the position, among n values sorted ascending,
// of the value from which a buyer is 高潜力客户 (the top fifth).
func PotentialCutoffIndex(n int) int { return n * 4 / 5 }

// FitCLV fits BG/NBD and Gamma-Gamma on sample, drawn from buyers buyers
// of whom repeat bought again; the model says why if it cannot be fitted.
// The cut-off is left for the caller, who scores every buyer.
func FitCLV(sample []clv.Summary, buyers, repeat int) CLVModel {
	model := CLVModel{HorizonWeeks: CLVHorizonWeeks}
	if buyers < 50 || repeat < 20 {
		model.Skipped = fmt.Sprintf("too few buyers to fit (%d buyers, %d repeat)", buyers, repeat)
		return model
	}
	bg, err := clv.FitBGNBD(sample)
	if err != nil {
		model.Skipped = "BG/NBD fit failed: " + err.Error()
		return model
	}
	gg, err := clv.FitGammaGamma(sample)
	if err != nil {
		model.Skipped = "Gamma-Gamma fit failed: " + err.Error()
		return model
	}
	model.BGNBD, model.GammaGamma, model.FittedOn = &bg, &gg, len(sample)
	return model
}

// JSON is the model as a snapshot records it (snapshots.clv_json).
func (m CLVModel) JSON() string {
	b, _ := json.Marshal(m)
	return string(b)
}
