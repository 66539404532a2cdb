// Package clv predicts customer value with two classic probability models
// fitted by maximum likelihood: BG/NBD (Fader, Hardie & Lee 2005, "Counting
// Your Customers the Easy Way") for how many purchases a customer will make,
// and the Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV";
// Fader & Hardie 2013) for how much each will be worth. Time is in weeks.
// The fits are checked against the published CDNOW figures in the tests.
package clv

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/optimize"
)

// Summary is one customer's calibration-period history: x repeat purchases
// (purchase days after the first), t_x weeks from the first purchase to the
// last, T weeks from the first purchase to the end of the period, and Zbar
// the mean value of the repeat purchases (0 when x = 0).
type Summary struct {
	X, Tx, T, Zbar float64
}

// BGNBD are the model's parameters.
type BGNBD struct {
	R, Alpha, A, B float64
	LL             float64 // log-likelihood at the fit
}

// GammaGamma are the spend model's parameters (V is the paper's γ).
type GammaGamma struct {
	P, Q, V float64
	LL      float64
}

func lbeta(a, b float64) float64 {
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	return la + lb - lab
}

func lgamma(x float64) float64 { v, _ := math.Lgamma(x); return v }

// LogLikelihood sums the customers' log-likelihoods (FHL 2005, eq. 6).
// The gamma and beta terms depend on a customer only through x, so they
// are worked out once per distinct x: a fit evaluates this ~1000 times over
// its sample, and lgamma is most of its cost.
func (m BGNBD) LogLikelihood(data []Summary) float64 {
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	lgr, lbab, lal := lgamma(r), lbeta(a, b), math.Log(al)
	type byX struct{ a1, b2, b3 float64 }
	terms := memo[byX]{}
	ll := 0.0
	for _, s := range data {
		t := terms.get(s.X, func() byX {
			t := byX{a1: lgamma(r+s.X) - lgr + r*lal, b2: lbeta(a, b+s.X) - lbab}
			if s.X > 0 {
				t.b3 = lbeta(a+1, b+s.X-1) - lbab
			}
			return t
		})
		a2 := t.b2 - (r+s.X)*math.Log(al+s.T)
		if s.X == 0 {
			ll += t.a1 + a2
			continue
		}
		a3 := t.b3 - (r+s.X)*math.Log(al+s.Tx)
		hi := math.Max(a2, a3)
		ll += t.a1 + hi + math.Log(math.Exp(a2-hi)+math.Exp(a3-hi))
	}
	return ll
}

// memo caches a value per repeat count x: by index for the small whole
// counts nearly every customer has, in a map otherwise.
type memo[T any] struct {
	small [64]T
	have  [64]bool
	other map[float64]T
}

func (m *memo[T]) get(x float64, compute func() T) T {
	if i := int(x); float64(i) == x && i >= 0 && i < len(m.small) {
		if !m.have[i] {
			m.small[i], m.have[i] = compute(), true
		}
		return m.small[i]
	}
	if v, ok := m.other[x]; ok {
		return v
	}
	if m.other == nil {
		m.other = map[float64]T{}
	}
	v := compute()
	m.other[x] = v
	return v
}

// ErrNoData: nothing to fit.
var ErrNoData = errors.New("clv: no customers to fit")

// fit maximizes ll over positive parameters (optimized on their logs).
func fit(start []float64, ll func(p []float64) float64) ([]float64, float64, error) {
	x0 := make([]float64, len(start))
	for i, v := range start {
		x0[i] = math.Log(v)
	}
	p := optimize.Problem{Func: func(x []float64) float64 {
		q := make([]float64, len(x))
		for i, v := range x {
			q[i] = math.Exp(v)
		}
		v := -ll(q)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return math.MaxFloat64 / 4
		}
		return v
	}}
	res, err := optimize.Minimize(p, x0, &optimize.Settings{MajorIterations: 5000, FuncEvaluations: 20000,
		Converger: &optimize.FunctionConverge{Absolute: 1e-10, Iterations: 200}}, &optimize.NelderMead{})
	if err != nil && res == nil {
		return nil, 0, err
	}
	out := make([]float64, len(res.X))
	for i, v := range res.X {
		out[i] = math.Exp(v)
	}
	return out, -res.F, nil
}

// FitBGNBD fits the BG/NBD model by maximum likelihood.
func FitBGNBD(data []Summary) (BGNBD, error) {
	if len(data) == 0 {
		return BGNBD{}, ErrNoData
	}
	p, ll, err := fit([]float64{1, 1, 1, 1}, func(p []float64) float64 {
		return BGNBD{R: p[0], Alpha: p[1], A: p[2], B: p[3]}.LogLikelihood(data)
	})
	if err != nil {
		return BGNBD{}, err
	}
	return BGNBD{R: p[0], Alpha: p[1], A: p[2], B: p[3], LL: ll}, nil
}

// PAlive is the probability that the customer is still active (FHL eq. 11).
func (m BGNBD) PAlive(s Summary) float64 {
	if s.X == 0 {
		return 1
	}
	return 1 / (1 + m.A/(m.B+s.X-1)*math.Pow((m.Alpha+s.T)/(m.Alpha+s.Tx), m.R+s.X))
}

// ExpectedPurchases is the expected number of purchases in the next t weeks
// for a customer with history s (FHL eq. 10).
func (m BGNBD) ExpectedPurchases(s Summary, t float64) float64 {
	den := 1.0
	if s.X > 0 {
		den += m.A / (m.B + s.X - 1) * math.Pow((m.Alpha+s.T)/(m.Alpha+s.Tx), m.R+s.X)
	}
	return m.PurchasesNumerator(s.X, s.T, t) / den
}

// PurchasesNumerator is eq. 10's numerator, which depends on a history only
// through x and T: a refresh inside ClickHouse works it out here once per
// distinct (x, T) — the series has no SQL form — and divides there by the
// denominator, 1/PAlive.
func (m BGNBD) PurchasesNumerator(x, T, t float64) float64 {
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	if a == 1 {
		a += 1e-9 // the closed form divides by a − 1; its limit is continuous
	}
	z := t / (al + T + t)
	return (a + b + x - 1) / (a - 1) * (1 - math.Pow((al+T)/(al+T+t), r+x)*hyp2f1(r+x, b+x, a+b+x-1, z))
}

// hyp2f1 is Gauss's hypergeometric function by its series (|z| < 1).
func hyp2f1(a, b, c, z float64) float64 {
	sum, term := 1.0, 1.0
	for n := 0; n < 100000; n++ {
		term *= (a + float64(n)) * (b + float64(n)) / ((c + float64(n)) * float64(n+1)) * z
		sum += term
		if math.Abs(term) < 1e-12*math.Abs(sum) {
			break
		}
	}
	return sum
}

// LogLikelihood sums over the repeat customers (x > 0, zbar > 0) the
// log-likelihood of their mean repeat value zbar; as for BG/NBD, the gamma
// terms are worked out once per distinct x.
func (m GammaGamma) LogLikelihood(data []Summary) float64 {
	p, q, v := m.P, m.Q, m.V
	base := -lgamma(q) + q*math.Log(v)
	terms := memo[float64]{}
	ll := 0.0
	for _, s := range data {
		if s.X <= 0 || s.Zbar <= 0 {
			continue
		}
		px := p * s.X
		g := terms.get(s.X, func() float64 { return lgamma(px+q) - lgamma(px) + px*math.Log(s.X) + base })
		ll += g + (px-1)*math.Log(s.Zbar) - (px+q)*math.Log(v+s.X*s.Zbar)
	}
	return ll
}

// FitGammaGamma fits the spend model on the repeat customers.
func FitGammaGamma(data []Summary) (GammaGamma, error) {
	n := 0
	for _, s := range data {
		if s.X > 0 && s.Zbar > 0 {
			n++
		}
	}
	if n == 0 {
		return GammaGamma{}, ErrNoData
	}
	p, ll, err := fit([]float64{1, 1, 1}, func(p []float64) float64 {
		return GammaGamma{P: p[0], Q: p[1], V: p[2]}.LogLikelihood(data)
	})
	if err != nil {
		return GammaGamma{}, err
	}
	return GammaGamma{P: p[0], Q: p[1], V: p[2], LL: ll}, nil
}

// ExpectedSpend is a customer's expected value per purchase: a weighted
// mean of the population mean and the customer's own zbar.
func (m GammaGamma) ExpectedSpend(s Summary) float64 {
	if m.Q <= 1 {
		return s.Zbar
	}
	pop := m.V * m.P / (m.Q - 1)
	if s.X == 0 {
		return pop
	}
	px := m.P * s.X
	w := px / (px + m.Q - 1)
	return (1-w)*pop + w*s.Zbar
}
