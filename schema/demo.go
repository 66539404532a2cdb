package schema

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// DemoOptions shapes the synthetic warehouse.
type DemoOptions struct {
	Customers int
	Seed      uint64
	End       time.Time // the last order date; default 2026-11-22
	Years     int       // history length; default 3
	// Plant, if set, plants a cause for the why-analysis's tests: the
	// members of one city who registered on one channel stop buying from
	// a date on (their orders after it move before it), so their churn
	// rises between a snapshot at that date and a later one, and no one
	// else's does.
	Plant *PlantedChurn
}

// PlantedChurn names the group whose purchases stop, and when.
type PlantedChurn struct {
	City, RegisterChannel string
	From                  time.Time
}

// plantedDay moves an order day of a planted customer who registered
// before the plant's date into the time before it (proportionally, so no
// random number is drawn and the rest of the data stays as without it).
func (d *DemoOptions) plantedDay(day, reg time.Time, city, channel string) time.Time {
	p := d.Plant
	if p == nil || city != p.City || channel != p.RegisterChannel || day.Before(p.From) || !reg.Before(p.From) {
		return day
	}
	span, before := d.End.Sub(reg), p.From.Sub(reg)
	if span <= 0 {
		return reg
	}
	moved := reg.Add(time.Duration(float64(day.Sub(reg)) / float64(span) * float64(before)))
	moved = time.Date(moved.Year(), moved.Month(), moved.Day(), 0, 0, 0, 0, time.UTC)
	if !moved.Before(p.From) {
		moved = p.From.AddDate(0, 0, -1)
	}
	return moved
}

// Demo builds a deterministic synthetic beauty-retail warehouse at path: the
// same seed and size always give the same rows. It has the skew marketers
// see in real data: many one-time buyers and never-buying members, a loyal
// core with most of the spend, Double-11 and 618 peaks, refunds and
// cancellations, missing birth dates. Rows go through the import loader, so
// they meet the same contract a retailer's CSV files must.
func Demo(ctx context.Context, path string, d DemoOptions, opt ImportOptions) (ImportStats, error) {
	if err := d.defaults(); err != nil {
		return ImportStats{}, err
	}
	if opt.AsOf.IsZero() {
		opt.AsOf = d.End
	}
	return build(ctx, path, opt, func(l *loader, st *ImportStats, reject func(*RowError, []string) error) error {
		g := &demoGen{r: rand.New(rand.NewPCG(d.Seed, d.Seed^0x9e3779b97f4a7c15)), d: d, l: l, ctx: ctx}
		return g.run()
	})
}

func (d *DemoOptions) defaults() error {
	if d.Customers <= 0 {
		return fmt.Errorf("demo: --customers must be positive")
	}
	if d.End.IsZero() {
		d.End = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	}
	if d.Years <= 0 {
		d.Years = 3
	}
	return nil
}

// DemoCSV writes the same synthetic data as Demo into dir as the four CSV
// files of the import contract, for `chatbi import` (and its benchmark).
func DemoCSV(ctx context.Context, dir string, d DemoOptions) error {
	if err := d.defaults(); err != nil {
		return err
	}
	w, err := newCSVSink(dir)
	if err != nil {
		return err
	}
	g := &demoGen{r: rand.New(rand.NewPCG(d.Seed, d.Seed^0x9e3779b97f4a7c15)), d: d, l: w, ctx: ctx}
	if err := g.run(); err != nil {
		w.close()
		return err
	}
	return w.close()
}

type demoProduct struct {
	id       string
	brand    int
	priceCts int64
}

type demoCity struct {
	city, province string
	weight         float64
}

var (
	demoBrands = []string{"迪奥", "香奈儿", "兰蔻", "雅诗兰黛", "资生堂", "欧莱雅", "珀莱雅", "完美日记", "花西子", "薇诺娜", "MAC", "SK-II", "海蓝之谜", "自然堂"}
	// leaf category → L1 category, and a typical price in yuan.
	demoCategories = []struct {
		name, l1 string
		price    float64
		suffix   []string
	}{
		{"口红", "彩妆", 260, []string{"丝绒哑光口红", "滋润唇膏", "柔雾口红"}},
		{"粉底液", "彩妆", 420, []string{"持妆粉底液", "水润粉底液"}},
		{"眼影", "彩妆", 380, []string{"四色眼影盘", "九色眼影盘"}},
		{"睫毛膏", "彩妆", 220, []string{"纤长睫毛膏"}},
		{"腮红", "彩妆", 260, []string{"柔光腮红"}},
		{"面霜", "护肤", 780, []string{"修护面霜", "保湿面霜"}},
		{"精华", "护肤", 980, []string{"小黑瓶精华", "焕亮精华"}},
		{"洗面奶", "护肤", 160, []string{"氨基酸洗面奶"}},
		{"面膜", "护肤", 190, []string{"补水面膜"}},
		{"爽肤水", "护肤", 320, []string{"清润爽肤水"}},
		{"防晒霜", "护肤", 280, []string{"清透防晒霜"}},
		{"眼霜", "护肤", 650, []string{"紧致眼霜"}},
		{"洗发水", "个护", 95, []string{"去屑洗发水", "柔顺洗发水"}},
		{"身体乳", "个护", 150, []string{"保湿身体乳"}},
		{"香水", "香水", 980, []string{"淡香水", "浓香水"}},
	}
	demoCities = []demoCity{
		{"上海", "上海", 12}, {"北京", "北京", 11}, {"深圳", "广东", 9}, {"广州", "广东", 8}, {"杭州", "浙江", 7},
		{"成都", "四川", 7}, {"武汉", "湖北", 6}, {"南京", "江苏", 6}, {"西安", "陕西", 5}, {"长沙", "湖南", 5},
		{"重庆", "重庆", 5}, {"苏州", "江苏", 4}, {"天津", "天津", 3}, {"郑州", "河南", 3}, {"青岛", "山东", 3},
	}
	demoChannels = []string{"门店", "APP", "小程序", "天猫"}
	demoLevels   = []string{"普通", "银卡", "金卡", "钻石"}
	demoSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
	demoGiven    = []rune("婷娟芳敏静丽艳娜秀英华玲雪晶颖琳欣怡佳萍梅洁倩慧伟强磊军洋")
)

// rowSink takes typed rows: the import loader, or a CSV writer.
type rowSink interface {
	addCustomer(Customer) error
	addProduct(Product) error
	addOrder(Order) error
	addItem(Item) error
}

type demoGen struct {
	r        *rand.Rand
	d        DemoOptions
	l        rowSink
	ctx      context.Context
	products [][]demoProduct // by category index
	order    int
}

func (g *demoGen) run() error {
	if err := g.makeProducts(); err != nil {
		return err
	}
	for i := 1; i <= g.d.Customers; i++ {
		if i%10000 == 0 {
			if err := g.ctx.Err(); err != nil {
				return err
			}
		}
		if err := g.customer(i); err != nil {
			return err
		}
	}
	return nil
}

func (g *demoGen) makeProducts() error {
	g.products = make([][]demoProduct, len(demoCategories))
	n := 0
	for ci, c := range demoCategories {
		for bi, b := range demoBrands {
			if g.r.Float64() < 0.45 && bi%3 != ci%3 { // not every brand makes everything
				continue
			}
			for _, s := range c.suffix {
				n++
				price := math.Round(c.price * (0.4 + 1.4*g.r.Float64()))
				p := demoProduct{id: fmt.Sprintf("P%05d", n), brand: bi, priceCts: int64(price) * 100}
				g.products[ci] = append(g.products[ci], p)
				err := g.l.addProduct(Product{ID: p.id, Name: b + s, Brand: b, Category: c.name, CategoryL1: c.l1,
					ListPrice: fmt.Sprintf("%.2f", price)})
				if err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (g *demoGen) pickCity() demoCity {
	total := 0.0
	for _, c := range demoCities {
		total += c.weight
	}
	x := g.r.Float64() * total
	for _, c := range demoCities {
		if x -= c.weight; x < 0 {
			return c
		}
	}
	return demoCities[0]
}

func (g *demoGen) customer(i int) error {
	r, d := g.r, g.d
	start := d.End.AddDate(-d.Years, 0, 0)
	span := int(d.End.Sub(start).Hours() / 24)
	reg := start.AddDate(0, 0, r.IntN(span+1))
	city := g.pickCity()
	gender := "女"
	if r.Float64() < 0.14 {
		gender = "男"
	}
	birth := ""
	if r.Float64() > 0.15 {
		age := 18 + int(math.Abs(r.NormFloat64())*10) + r.IntN(8)
		birth = FormatDate(d.End.AddDate(-age, 0, -r.IntN(365)))
	}
	// Buyer type: never / one-time / occasional / loyal.
	var orders int
	x := r.Float64()
	level := 0
	switch {
	case x < 0.14:
		orders = 0
	case x < 0.55:
		orders = 1
	case x < 0.88:
		orders = 2 + r.IntN(4)
		level = r.IntN(2)
	default:
		orders = 6 + int(r.ExpFloat64()*10)
		level = 1 + r.IntN(3)
	}
	regChannel := demoChannels[r.IntN(len(demoChannels))]
	name := string(demoSurnames[r.IntN(len(demoSurnames))]) + string(demoGiven[r.IntN(len(demoGiven))])
	if r.IntN(2) == 0 {
		name += string(demoGiven[r.IntN(len(demoGiven))])
	}
	cid := fmt.Sprintf("C%07d", i)
	err := g.l.addCustomer(Customer{ID: cid, Name: name, Gender: gender, BirthDate: birth,
		Province: city.province, City: city.city, RegisterDate: FormatDate(reg), RegisterChannel: regChannel,
		MemberLevel: demoLevels[level], Phone: fmt.Sprintf("1%d%09d", 3+r.IntN(7), r.IntN(1_000_000_000))})
	if err != nil {
		return err
	}
	// Active period: from registration to a churn date (many stop buying).
	days := int(d.End.Sub(reg).Hours()/24) + 1
	activeDays := days
	if r.Float64() < 0.45 {
		activeDays = 1 + r.IntN(days)
	}
	favBrand := r.IntN(len(demoBrands))
	for k := 0; k < orders; k++ {
		day := reg.AddDate(0, 0, r.IntN(activeDays))
		day = g.peak(day, reg)
		day = d.plantedDay(day, reg, city.city, regChannel)
		if err := g.makeOrder(cid, day, regChannel, city.city, favBrand); err != nil {
			return err
		}
	}
	return nil
}

// peak moves a share of orders into the Double-11 and 618 shopping festivals.
func (g *demoGen) peak(day, reg time.Time) time.Time {
	if g.r.Float64() > 0.22 {
		return day
	}
	y := day.Year()
	var p time.Time
	if day.Month() >= 9 || day.Month() <= 2 {
		p = time.Date(y, 11, 1+g.r.IntN(11), 0, 0, 0, 0, time.UTC)
		if day.Month() <= 2 {
			p = p.AddDate(-1, 0, 0)
		}
	} else {
		p = time.Date(y, 6, 1+g.r.IntN(18), 0, 0, 0, 0, time.UTC)
	}
	if p.Before(reg) || p.After(g.d.End) {
		return day
	}
	return p
}

func (g *demoGen) makeOrder(cid string, day time.Time, regChannel, city string, favBrand int) error {
	r := g.r
	g.order++
	oid := fmt.Sprintf("O%09d", g.order)
	channel := regChannel
	if r.Float64() < 0.4 {
		channel = demoChannels[r.IntN(len(demoChannels))]
	}
	storeCity := ""
	if channel == "门店" {
		storeCity = city
	}
	status := "completed"
	if x := r.Float64(); x < 0.05 {
		status = "refunded"
	} else if x < 0.08 {
		status = "cancelled"
	}
	nItems := 1 + int(r.ExpFloat64()*2.6)
	if nItems > 8 {
		nItems = 8
	}
	var pay, list int64
	items := make([]Item, 0, nItems)
	for k := 0; k < nItems; k++ {
		ps := g.products[r.IntN(len(g.products))]
		p := ps[r.IntN(len(ps))]
		if r.Float64() < 0.5 { // loyalty to one brand
			for _, q := range ps {
				if q.brand == favBrand {
					p = q
					break
				}
			}
		}
		qty := int64(1)
		if r.Float64() < 0.15 {
			qty = 2
		}
		lineList := p.priceCts * qty
		amount := lineList * int64(70+r.IntN(31)) / 100
		list += lineList
		pay += amount
		unit := p.priceCts
		items = append(items, Item{OrderID: oid, ProductID: p.id, Quantity: qty, UnitPriceCents: &unit, AmountCents: amount})
	}
	disc := list - pay
	coupon := int64(0)
	if disc > 0 && r.Float64() < 0.4 {
		coupon = 1
	}
	t := day.Add(time.Duration(8*3600+r.IntN(15*3600)) * time.Second)
	err := g.l.addOrder(Order{ID: oid, CustomerID: cid, OrderTime: t.Format("2006-01-02 15:04:05"), Channel: channel,
		StoreCity: storeCity, Status: status, PayCents: pay, DiscountCents: &disc, CouponUsed: &coupon})
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := g.l.addItem(it); err != nil {
			return err
		}
	}
	return nil
}
