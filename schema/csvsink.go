package schema

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// csvSink writes typed rows as the import contract's CSV files.
type csvSink struct {
	files []*os.File
	bufs  []*bufio.Writer
	w     map[string]*csv.Writer
}

func newCSVSink(dir string) (*csvSink, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	s := &csvSink{w: map[string]*csv.Writer{}}
	for _, f := range importFiles {
		fh, err := os.Create(filepath.Join(dir, f.name))
		if err != nil {
			s.close()
			return nil, err
		}
		bw := bufio.NewWriterSize(fh, 1<<20)
		cw := csv.NewWriter(bw)
		cw.Write(append(append([]string{}, f.required...), f.optional...))
		s.files, s.bufs, s.w[f.name] = append(s.files, fh), append(s.bufs, bw), cw
	}
	return s, nil
}

// The column order is required then optional, as importFiles lists them.
func (s *csvSink) addCustomer(c Customer) error {
	return s.w["customers.csv"].Write([]string{c.ID, c.RegisterDate, c.Name, c.Gender, c.BirthDate, c.Province, c.City,
		c.RegisterChannel, c.MemberLevel, c.Phone})
}

func (s *csvSink) addProduct(p Product) error {
	return s.w["products.csv"].Write([]string{p.ID, p.Name, p.Category, p.Brand, p.CategoryL1, p.ListPrice})
}

func (s *csvSink) addOrder(o Order) error {
	return s.w["orders.csv"].Write([]string{o.ID, o.CustomerID, o.OrderTime, o.Status, money(o.PayCents),
		o.Channel, o.StoreCity, optMoney(o.DiscountCents), optInt64(o.CouponUsed)})
}

func (s *csvSink) addItem(it Item) error {
	return s.w["order_items.csv"].Write([]string{it.OrderID, it.ProductID, strconv.FormatInt(it.Quantity, 10),
		money(it.AmountCents), optMoney(it.UnitPriceCents)})
}

func (s *csvSink) close() error {
	var first error
	for i, f := range s.files {
		s.w[importFiles[i].name].Flush()
		if err := s.bufs[i].Flush(); err != nil && first == nil {
			first = err
		}
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func money(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

func optMoney(c *int64) string {
	if c == nil {
		return ""
	}
	return money(*c)
}

func optInt64(i *int64) string {
	if i == nil {
		return ""
	}
	return strconv.FormatInt(*i, 10)
}
