package clv

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// cdnowSummaries builds the calibration summaries (1997-01-01..1997-09-30,
// same-day purchases merged, times in days/7) from the CDNOW 1/10 sample.
func cdnowSummaries(t *testing.T) map[string]Summary {
	f, err := os.Open("../../testdata/cdnow/CDNOW_sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type day struct {
		date  time.Time
		value float64
	}
	byCust := map[string]map[time.Time]float64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 5 {
			continue
		}
		d, err := time.Parse("20060102", fs[2])
		if err != nil {
			t.Fatal(err)
		}
		v, _ := strconv.ParseFloat(fs[4], 64)
		if byCust[fs[1]] == nil {
			byCust[fs[1]] = map[time.Time]float64{}
		}
		byCust[fs[1]][d] += v
	}
	end := time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC)
	out := map[string]Summary{}
	for id, days := range byCust {
		var ds []day
		for d, v := range days {
			if !d.After(end) {
				ds = append(ds, day{d, v})
			}
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i].date.Before(ds[j].date) })
		first, last := ds[0].date, ds[len(ds)-1].date
		s := Summary{X: float64(len(ds) - 1), Tx: last.Sub(first).Hours() / 24 / 7, T: end.Sub(first).Hours() / 24 / 7}
		if s.X > 0 {
			sum := 0.0
			for _, d := range ds[1:] {
				sum += d.value
			}
			s.Zbar = sum / s.X
		}
		out[id] = s
	}
	return out
}

func TestCDNOWSummariesMatchThePublishedOnes(t *testing.T) {
	got := cdnowSummaries(t)
	f, _ := os.Open("../../testdata/cdnow/cdnow_customers_summary_with_transactions.csv")
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	n := 0
	for sc.Scan() {
		fs := strings.Split(strings.TrimSpace(sc.Text()), ",")
		var want [4]float64
		for i := range want {
			want[i], _ = strconv.ParseFloat(fs[i+1], 64)
		}
		id, _ := strconv.Atoi(fs[0])
		g, ok := got[fmt.Sprintf("%04d", id)] // the sample file's ids are zero-padded
		if !ok {
			t.Fatalf("customer %s not built", fs[0])
		}
		if math.Abs(g.X-want[0]) > 1e-9 || math.Abs(g.Tx-want[1]) > 0.006 || math.Abs(g.T-want[2]) > 0.006 || math.Abs(g.Zbar-want[3]) > 0.006 {
			t.Fatalf("customer %s: got %+v want %v", fs[0], g, want)
		}
		n++
	}
	if n != 2357 || len(got) != 2357 {
		t.Fatalf("%d published, %d built", n, len(got))
	}
}

func sig3(t *testing.T, name string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 0.5*math.Pow(10, math.Floor(math.Log10(math.Abs(want)))-2) {
		t.Errorf("%s = %.4f, want %.4g to three significant digits", name, got, want)
	}
}

// TestPublishedCDNOWFits reproduces Fader, Hardie & Lee's parameters.
func TestPublishedCDNOWFits(t *testing.T) {
	var data []Summary
	for _, s := range cdnowSummaries(t) {
		data = append(data, s)
	}
	sort.Slice(data, func(i, j int) bool { return data[i].T < data[j].T || (data[i].T == data[j].T && data[i].X < data[j].X) })
	m, err := FitBGNBD(data)
	if err != nil {
		t.Fatal(err)
	}
	sig3(t, "r", m.R, 0.243)
	sig3(t, "alpha", m.Alpha, 4.414)
	sig3(t, "a", m.A, 0.793)
	sig3(t, "b", m.B, 2.426)
	if math.Abs(m.LL-(-9582.4)) > 0.1 {
		t.Errorf("LL = %.2f, want -9582.4", m.LL)
	}
	repeat := 0
	for _, s := range data {
		if s.X > 0 {
			repeat++
		}
	}
	if repeat != 946 {
		t.Fatalf("%d repeat customers, want 946", repeat)
	}
	g, err := FitGammaGamma(data)
	if err != nil {
		t.Fatal(err)
	}
	sig3(t, "p", g.P, 6.25)
	sig3(t, "q", g.Q, 3.74)
	sig3(t, "v", g.V, 15.44)
	if math.Abs(g.LL-(-4055.92)) > 0.1 {
		t.Errorf("GG LL = %.2f, want -4055.92", g.LL)
	}
	t.Logf("BG/NBD %+v; Gamma-Gamma %+v", m, g)
	// Predictions behave: more recent and frequent buyers expect more.
	hot := Summary{X: 10, Tx: 38, T: 39, Zbar: 30}
	cold := Summary{X: 10, Tx: 5, T: 39, Zbar: 30}
	if !(m.PAlive(hot) > m.PAlive(cold) && m.ExpectedPurchases(hot, 39) > m.ExpectedPurchases(cold, 39)) {
		t.Error("recency does not raise the prediction")
	}
	// Fader & Hardie's worked example: customer 1 (x=2, t_x=30.43,
	// T=38.86) expects 1.226 purchases in the next 39 weeks.
	if e := m.ExpectedPurchases(Summary{X: 2, Tx: 30.43, T: 38.86}, 39); math.Abs(e-1.226) > 0.001 {
		t.Errorf("E[Y(39)] for customer 1 = %.4f, want 1.226", e)
	}
	// Summed over everyone, the conditional forecast is within 15% of the 1,882
	// purchase days the sample actually has in the 39-week holdout.
	total := 0.0
	for _, s := range data {
		total += m.ExpectedPurchases(s, 39)
	}
	if math.Abs(total-1882)/1882 > 0.15 {
		t.Errorf("expected holdout purchases %.0f, actual 1882", total)
	}
	t.Logf("holdout forecast %.0f vs 1882 actual", total)
}
