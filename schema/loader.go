package schema

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// The typed rows of the import contract (spec data-format.md). The CSV reader
// and the demo generator both produce these and hand them to one loader, so
// the demo warehouse goes through exactly the checks a retailer's files do.

// Customer is one row of customers.csv.
type Customer struct {
	ID, Name, Gender, BirthDate, Province, City string
	RegisterDate, RegisterChannel, MemberLevel  string
	Phone                                       string
}

// Product is one row of products.csv.
type Product struct {
	ID, Name, Brand, Category, CategoryL1 string
	ListPrice                             string // decimal text or empty
}

// Order is one row of orders.csv. Money is in cents.
type Order struct {
	ID, CustomerID, OrderTime, Channel, StoreCity, Status string
	PayCents                                              int64
	DiscountCents                                         *int64
	CouponUsed                                            *int64
}

// Item is one row of order_items.csv. Money is in cents.
type Item struct {
	OrderID, ProductID string
	Quantity           int64
	UnitPriceCents     *int64
	AmountCents        int64
}

// RowError is a contract violation of one input row.
type RowError struct {
	File   string
	Line   int
	Reason string
}

func (e *RowError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason) }

// loader validates typed rows and writes them through batches. It owns the
// id → surrogate-key maps the referential checks need.
type loader struct {
	ctx       context.Context
	tx        *sql.Tx
	customers map[string]int64
	products  map[string]int64
	orders    map[string]int64
	latest    string // latest order date seen, any status
	notAfter  string // no order may be dated later ("": no bound)
	cb, pb    *batch
	ob, ib    *batch
	rows      int64 // rows accepted, for progress
}

var (
	customerCols = []string{"id", "customer_id", "name", "gender", "birth_date", "province", "city", "register_date", "register_channel", "member_level", "phone"}
	productCols  = []string{"id", "product_id", "product_name", "brand", "category", "category_l1", "list_price"}
	orderCols    = []string{"id", "order_id", "customer_key", "order_time", "order_date", "channel", "store_city", "status", "pay_amount", "discount_amount", "coupon_used"}
	itemCols     = []string{"order_key", "product_key", "quantity", "unit_price", "amount", "amount_cents"}
)

func newLoader(ctx context.Context, tx *sql.Tx) (*loader, error) {
	l := &loader{ctx: ctx, tx: tx,
		customers: map[string]int64{}, products: map[string]int64{}, orders: map[string]int64{}}
	var err error
	if l.cb, err = newBatch(ctx, tx, "customers", customerCols); err != nil {
		return nil, err
	}
	if l.pb, err = newBatch(ctx, tx, "products", productCols); err != nil {
		return nil, err
	}
	if l.ob, err = newBatch(ctx, tx, "orders", orderCols); err != nil {
		return nil, err
	}
	if l.ib, err = newBatch(ctx, tx, "order_items", itemCols); err != nil {
		return nil, err
	}
	return l, nil
}

// flush writes every queued row.
func (l *loader) flush() error {
	for _, b := range []*batch{l.cb, l.pb, l.ob, l.ib} {
		if err := b.flush(); err != nil {
			return err
		}
	}
	return nil
}

// rowErr is a validation failure without a position; the caller adds file and line.
type rowErr string

func (e rowErr) Error() string { return string(e) }

func (l *loader) addCustomer(c Customer) error {
	if c.ID == "" {
		return rowErr("customer_id 为空")
	}
	if _, dup := l.customers[c.ID]; dup {
		return rowErr(fmt.Sprintf("customer_id %q 重复", c.ID))
	}
	if c.Gender != "" && c.Gender != "男" && c.Gender != "女" {
		return rowErr(fmt.Sprintf("gender %q 只能是 男、女 或空", c.Gender))
	}
	if c.BirthDate != "" && !validDate(c.BirthDate) {
		return rowErr(fmt.Sprintf("birth_date %q %s", c.BirthDate, dateProblem(c.BirthDate)))
	}
	if !validDate(c.RegisterDate) {
		return rowErr(fmt.Sprintf("register_date %q %s", c.RegisterDate, dateProblem(c.RegisterDate)))
	}
	key := int64(len(l.customers) + 1)
	l.customers[c.ID] = key
	atomic.AddInt64(&l.rows, 1)
	city := strings.TrimSuffix(c.City, "市")
	return l.cb.add(key, c.ID, null(c.Name), null(c.Gender), null(c.BirthDate), null(c.Province), null(city),
		c.RegisterDate, null(c.RegisterChannel), null(c.MemberLevel), null(c.Phone))
}

func (l *loader) addProduct(p Product) error {
	if p.ID == "" {
		return rowErr("product_id 为空")
	}
	if _, dup := l.products[p.ID]; dup {
		return rowErr(fmt.Sprintf("product_id %q 重复", p.ID))
	}
	if p.Name == "" {
		return rowErr("product_name 为空")
	}
	if p.Category == "" {
		return rowErr("category 为空")
	}
	var price any
	if p.ListPrice != "" {
		c, err := parseCents(p.ListPrice)
		if err != nil {
			return rowErr("list_price " + err.Error())
		}
		price = float64(c) / 100
	}
	key := int64(len(l.products) + 1)
	l.products[p.ID] = key
	atomic.AddInt64(&l.rows, 1)
	return l.pb.add(key, p.ID, p.Name, null(p.Brand), p.Category, null(p.CategoryL1), price)
}

func (l *loader) addOrder(o Order) error {
	if o.ID == "" {
		return rowErr("order_id 为空")
	}
	if _, dup := l.orders[o.ID]; dup {
		return rowErr(fmt.Sprintf("order_id %q 重复", o.ID))
	}
	ck, ok := l.customers[o.CustomerID]
	if !ok {
		return rowErr(fmt.Sprintf("customer_id %q 不在 customers.csv 中", o.CustomerID))
	}
	if _, err := time.Parse("2006-01-02 15:04:05", o.OrderTime); err != nil {
		if shape := timeShape.MatchString(o.OrderTime); shape {
			return rowErr(fmt.Sprintf("order_time %q 是不存在的日期或时间（如 2 月 30 日、25 点）", o.OrderTime))
		}
		return rowErr(fmt.Sprintf("order_time %q 不是 YYYY-MM-DD HH:MM:SS 时间", o.OrderTime))
	}
	switch o.Status {
	case "completed", "refunded", "cancelled":
	default:
		return rowErr(fmt.Sprintf("status %q 只能是 completed、refunded 或 cancelled", o.Status))
	}
	if o.PayCents < 0 {
		return rowErr("pay_amount 为负数")
	}
	if o.DiscountCents != nil && *o.DiscountCents < 0 {
		return rowErr("discount_amount 为负数")
	}
	if o.CouponUsed != nil && *o.CouponUsed != 0 && *o.CouponUsed != 1 {
		return rowErr("coupon_used 只能是 0 或 1")
	}
	date := o.OrderTime[:10]
	if l.notAfter != "" && date > l.notAfter {
		return rowErr(fmt.Sprintf("order_time %s 晚于导入当天：日期写错了吗？（确为未来日期请用 --as-of 指定截止日）", date))
	}
	key := int64(len(l.orders) + 1)
	l.orders[o.ID] = key
	atomic.AddInt64(&l.rows, 1)
	if date > l.latest {
		l.latest = date
	}
	return l.ob.add(key, o.ID, ck, o.OrderTime, date, null(o.Channel), null(o.StoreCity), o.Status,
		float64(o.PayCents)/100, centsOrNil(o.DiscountCents), intOrNil(o.CouponUsed))
}

func (l *loader) addItem(it Item) error {
	ok, found := l.orders[it.OrderID]
	if !found {
		return rowErr(fmt.Sprintf("order_id %q 不在 orders.csv 中", it.OrderID))
	}
	pk, found := l.products[it.ProductID]
	if !found {
		return rowErr(fmt.Sprintf("product_id %q 不在 products.csv 中", it.ProductID))
	}
	if it.Quantity < 1 {
		return rowErr("quantity 必须是 ≥ 1 的整数")
	}
	if it.AmountCents < 0 {
		return rowErr("amount 为负数")
	}
	if it.UnitPriceCents != nil && *it.UnitPriceCents < 0 {
		return rowErr("unit_price 为负数")
	}
	atomic.AddInt64(&l.rows, 1)
	return l.ib.add(ok, pk, it.Quantity, centsOrNil(it.UnitPriceCents), float64(it.AmountCents)/100, it.AmountCents)
}

func validDate(s string) bool {
	_, err := time.Parse(DateLayout, s)
	return err == nil
}

var (
	dateShape = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	timeShape = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$`)
)

// dateProblem says why s is not a date: the wrong form, or a day that
// does not exist (2026-02-30) — which needs another fix than the form.
func dateProblem(s string) string {
	if dateShape.MatchString(s) {
		return "是不存在的日期（如 2 月 30 日、13 月）"
	}
	return "不是 YYYY-MM-DD 日期"
}

// parseCents reads a non-negative decimal with at most two places exactly
// (no float rounding): "129.07" → 12907.
func parseCents(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("为空")
	}
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("%q 为负数", s)
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 {
		// More places than cents: round half up on the third digit.
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, fmt.Errorf("%q 不是数字", s)
		}
		return int64(f*100 + 0.5), nil
	}
	for len(frac) < 2 {
		frac += "0"
	}
	if whole == "" {
		whole = "0"
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || strings.HasPrefix(whole, "+") {
		return 0, fmt.Errorf("%q 不是数字", s)
	}
	return w*100 + f, nil
}

func null(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func centsOrNil(c *int64) any {
	if c == nil {
		return nil
	}
	return float64(*c) / 100
}

func intOrNil(i *int64) any {
	if i == nil {
		return nil
	}
	return *i
}
