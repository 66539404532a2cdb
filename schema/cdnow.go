package schema

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ConvertCDNOW turns the CDNOW transaction log (Fader & Hardie; the master
// file's "id date cds dollars" or the sample's "masterid sampleid date cds
// dollars", space separated, YYYYMMDD dates) into the four CSV files of the
// import contract in outDir: one customer per id (registered on the first
// purchase), one product (a CD), one completed order per row. It returns the
// number of orders written.
func ConvertCDNOW(in io.Reader, outDir string) (int, error) {
	type row struct {
		id   string
		date time.Time
		cds  int64
		cnts int64
	}
	var rows []row
	first := map[string]time.Time{}
	var order []string
	sc := bufio.NewScanner(in)
	for line := 1; sc.Scan(); line++ {
		fs := strings.Fields(sc.Text())
		if len(fs) == 4 && fs[0] == "customer_id" || len(fs) == 0 {
			continue // the master file's header
		}
		if len(fs) == 5 {
			fs = append(fs[:1], fs[2:]...) // the sample: keep the master id
		}
		if len(fs) != 4 {
			return 0, fmt.Errorf("cdnow:%d: want 4 or 5 columns, got %d", line, len(fs))
		}
		d, err := time.Parse("20060102", fs[1])
		if err != nil {
			return 0, fmt.Errorf("cdnow:%d: bad date %q", line, fs[1])
		}
		cds, err1 := strconv.ParseInt(fs[2], 10, 64)
		cents, err2 := parseCents(fs[3])
		if err1 != nil || err2 != nil {
			return 0, fmt.Errorf("cdnow:%d: bad number", line)
		}
		if cds < 1 {
			cds = 1 // the contract wants a quantity; a row is at least one purchase
		}
		if f, ok := first[fs[0]]; !ok || d.Before(f) {
			if !ok {
				order = append(order, fs[0])
			}
			first[fs[0]] = d
		}
		rows = append(rows, row{fs[0], d, cds, cents})
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	w, err := newCSVSink(outDir)
	if err != nil {
		return 0, err
	}
	fail := func(err error) (int, error) { w.close(); return 0, err }
	if err := w.addProduct(Product{ID: "CD", Name: "CD", Brand: "CDNOW", Category: "CD", CategoryL1: "音乐"}); err != nil {
		return fail(err)
	}
	for _, id := range order {
		if err := w.addCustomer(Customer{ID: id, RegisterDate: FormatDate(first[id]), RegisterChannel: "CDNOW"}); err != nil {
			return fail(err)
		}
	}
	for i, r := range rows {
		oid := fmt.Sprintf("O%06d", i+1)
		zero := int64(0)
		if err := w.addOrder(Order{ID: oid, CustomerID: r.id, OrderTime: r.date.Format("2006-01-02") + " 00:00:00",
			Channel: "CDNOW", Status: "completed", PayCents: r.cnts, DiscountCents: &zero, CouponUsed: &zero}); err != nil {
			return fail(err)
		}
		if err := w.addItem(Item{OrderID: oid, ProductID: "CD", Quantity: r.cds, AmountCents: r.cnts}); err != nil {
			return fail(err)
		}
	}
	return len(rows), w.close()
}
