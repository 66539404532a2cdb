package schema

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Catalog is everything a question may name that comes from the warehouse:
// the values found in the data, the segment model in force and the dates
// that have segment snapshots. Nothing about a retailer's categories, brands
// or cities is written in code: nlq builds its lexicon from this.
type Catalog struct {
	AsOf      time.Time     // the warehouse's default as-of date
	Snapshots []time.Time   // dates with segment snapshots, ascending
	Model     *SegmentModel // the model of the as-of snapshot (default if none)

	// Item terms: a purchase of X matches an order line when X is the item's
	// leaf category, L1 category, brand or product name.
	Categories   []string
	CategoriesL1 []string
	Brands       []string
	Products     []string

	// ProductTerms is every product's (category, L1, brand, name), so that a
	// combination (迪奥口红) can be checked to exist before it is asked.
	ProductTerms [][4]string

	Cities           []string
	Provinces        []string
	MemberLevels     []string
	RegisterChannels []string
	Channels         []string // purchase channels (orders.channel)

	// Customer sets (package custset): complete purchase sets, and the
	// snapshot dates that have attribute sets. A warehouse from before sets
	// has neither until its next refresh; questions then run as plain SQL.
	PurchaseSets bool
	SetSnapshots []time.Time
	RepeatDays   []time.Time // snapshots whose sets include the repeat buyers
	AgeDays      []time.Time // snapshots whose sets include each whole-year age

	// Windows: the as-of date and windows customer_windows holds (nil: none).
	Windows *Windows
	// ProductDays: product_days holds each product's daily sums (a
	// warehouse imported before them does not).
	ProductDays bool
	// OrderDays: order_days holds the completed orders' daily sums.
	OrderDays bool
	// PurchaseBitmaps: on ClickHouse, purchase_bitmaps holds each product's
	// buyers per day as a bitmap (schema/clickhouse builds it where the
	// server has the bitmap functions and the lines are dense enough).
	PurchaseBitmaps bool

	// Tags: the behaviour tags' window and cut-offs per snapshot date
	// (YYYY-MM-DD); nil for a snapshot made before the tags existed.
	Tags map[string]*TagCutoffs
}

// TagCutoffsAt is the behaviour tags' record of the snapshot on day (nil
// when that snapshot has none).
func (c *Catalog) TagCutoffsAt(day time.Time) *TagCutoffs { return c.Tags[FormatDate(day)] }

// Column is a catalog identifier the SQL compiler may emit: the only
// identifiers that ever appear in generated SQL come from these tables.
type Column struct {
	Table string // alias in compiled SQL: c customers, m customer_measures, p products, po purchase_orders, pl purchase_lines
	Name  string
}

// SQL renders alias.column.
func (c Column) SQL() string { return c.Table + "." + c.Name }

// The columns a question may touch, by the attribute they hold.
var (
	ColCustomerID      = Column{"c", "customer_id"}
	ColName            = Column{"c", "name"}
	ColGender          = Column{"c", "gender"}
	ColBirthDate       = Column{"c", "birth_date"}
	ColCity            = Column{"c", "city"}
	ColProvince        = Column{"c", "province"}
	ColRegisterDate    = Column{"c", "register_date"}
	ColRegisterChannel = Column{"c", "register_channel"}
	ColMemberLevel     = Column{"c", "member_level"}
	ColPhone           = Column{"c", "phone"}
	ColRFM             = Column{"m", "rfm_class"}
	ColLifecycle       = Column{"m", "lifecycle"}
	ColCategory        = Column{"p", "category"}
	ColCategoryL1      = Column{"p", "category_l1"}
	ColBrand           = Column{"p", "brand"}
	ColProductName     = Column{"p", "product_name"}
	ColOrderChannel    = Column{"po", "channel"}
	ColPotential       = Column{"m", "potential"}
	ColCLV             = Column{"m", "clv"}
	ColExpPurchases    = Column{"m", "exp_purchases"}
	ColPAlive          = Column{"m", "p_alive"}
)

// LoadCatalog reads the catalog from a warehouse.
func LoadCatalog(ctx context.Context, db *sql.DB) (*Catalog, error) {
	if err := CheckCurrent(ctx, db); err != nil {
		return nil, err
	}
	asOf, err := AsOf(ctx, db)
	if err != nil {
		return nil, err
	}
	c := &Catalog{AsOf: asOf, Model: DefaultModel()}
	// The values found in the data are written once at import (they only
	// change with a new import); reading them is what makes a question
	// start fast on a large warehouse. An older file has them computed.
	var lists catalogLists
	var js string
	if err := db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaCatalog).Scan(&js); err == nil && json.Unmarshal([]byte(js), &lists) == nil {
		lists.into(c)
	} else if lists, err = computeCatalogLists(ctx, db); err != nil {
		return nil, err
	} else {
		lists.into(c)
	}
	snaps, err := column(ctx, db, `SELECT as_of FROM snapshots ORDER BY as_of`)
	if err != nil {
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	for _, s := range snaps {
		t, err := ParseDate(s)
		if err != nil {
			return nil, err
		}
		c.Snapshots = append(c.Snapshots, t)
	}
	if err := c.loadSets(ctx, db); err != nil {
		return nil, err
	}
	if c.Tags, err = LoadTagCutoffs(ctx, db); err != nil {
		return nil, err
	}
	c.Windows = loadWindows(ctx, db)
	var pd string
	c.ProductDays = db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaProductDays).Scan(&pd) == nil && pd == "1"
	c.OrderDays = db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaOrderDays).Scan(&pd) == nil && pd == "1"
	c.PurchaseBitmaps = db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, MetaPurchaseBitmaps).Scan(&pd) == nil && pd == "1"
	var mj string
	err = db.QueryRowContext(ctx, `SELECT model_json FROM snapshots WHERE as_of <= ? ORDER BY as_of DESC LIMIT 1`, FormatDate(asOf)).Scan(&mj)
	if err == nil {
		m := &SegmentModel{}
		if err := json.Unmarshal([]byte(mj), m); err != nil {
			return nil, fmt.Errorf("snapshot model: %w", err)
		}
		c.Model = m
	} else if err != sql.ErrNoRows {
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	return c, nil
}

// catalogLists are the values found in the data (meta catalog_lists).
type catalogLists struct {
	Categories, CategoriesL1, Brands, Products, Cities, Provinces, MemberLevels, RegisterChannels, Channels []string
	ProductTerms                                                                                            [][4]string
}

func (l catalogLists) into(c *Catalog) {
	c.Categories, c.CategoriesL1, c.Brands, c.Products = l.Categories, l.CategoriesL1, l.Brands, l.Products
	c.Cities, c.Provinces, c.MemberLevels, c.RegisterChannels, c.Channels = l.Cities, l.Provinces, l.MemberLevels, l.RegisterChannels, l.Channels
	c.ProductTerms = l.ProductTerms
}

// computeCatalogLists reads the values found in the data.
func computeCatalogLists(ctx context.Context, db queryer) (catalogLists, error) {
	var l catalogLists
	lists := []struct {
		dst   *[]string
		query string
	}{
		{&l.Categories, `SELECT DISTINCT category FROM products WHERE category IS NOT NULL ORDER BY 1`},
		{&l.CategoriesL1, `SELECT DISTINCT category_l1 FROM products WHERE category_l1 IS NOT NULL ORDER BY 1`},
		{&l.Brands, `SELECT DISTINCT brand FROM products WHERE brand IS NOT NULL ORDER BY 1`},
		{&l.Products, `SELECT DISTINCT product_name FROM products ORDER BY 1`},
		{&l.Cities, `SELECT city FROM customers WHERE city IS NOT NULL GROUP BY city ORDER BY count(*) DESC`},
		{&l.Provinces, `SELECT province FROM customers WHERE province IS NOT NULL GROUP BY province ORDER BY count(*) DESC`},
		{&l.MemberLevels, `SELECT DISTINCT member_level FROM customers WHERE member_level IS NOT NULL ORDER BY 1`},
		{&l.RegisterChannels, `SELECT DISTINCT register_channel FROM customers WHERE register_channel IS NOT NULL ORDER BY 1`},
		{&l.Channels, `SELECT DISTINCT channel FROM purchase_orders WHERE channel IS NOT NULL ORDER BY 1`},
	}
	for _, x := range lists {
		var err error
		if *x.dst, err = column(ctx, db, x.query); err != nil {
			return l, fmt.Errorf("load catalog: %w", err)
		}
	}
	rows, err := db.QueryContext(ctx, `SELECT category, coalesce(category_l1, ''), coalesce(brand, ''), product_name FROM products`)
	if err != nil {
		return l, fmt.Errorf("load catalog: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t [4]string
		if err := rows.Scan(&t[0], &t[1], &t[2], &t[3]); err != nil {
			return l, err
		}
		l.ProductTerms = append(l.ProductTerms, t)
	}
	return l, rows.Err()
}

// storeCatalogLists writes the values found in the data to meta (import
// does, and a refresh of a file that lacks them).
func storeCatalogLists(ctx context.Context, tx *sql.Tx) error {
	l, err := computeCatalogLists(ctx, tx)
	if err != nil {
		return err
	}
	js, _ := json.Marshal(l)
	return setMeta(ctx, tx, metaCatalog, string(js))
}

// queryer is a database or a transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// HasSnapshot reports whether segments were computed for day.
func (c *Catalog) HasSnapshot(day time.Time) bool { return hasDay(c.Snapshots, day) }

func hasDay(days []time.Time, day time.Time) bool {
	for _, d := range days {
		if d.Equal(day) {
			return true
		}
	}
	return false
}

// loadSets finds which customer sets the warehouse holds.
func (c *Catalog) loadSets(ctx context.Context, db *sql.DB) error {
	built, err := purchaseSetsBuilt(ctx, db)
	if err != nil || !built {
		return err // a warehouse from before sets has no customer_sets table either
	}
	c.PurchaseSets = true
	days, err := column(ctx, db, `SELECT DISTINCT as_of FROM customer_sets ORDER BY as_of`)
	if err != nil {
		return fmt.Errorf("load catalog: %w", err)
	}
	for _, d := range days {
		t, err := ParseDate(d)
		if err != nil {
			return err
		}
		c.SetSnapshots = append(c.SetSnapshots, t)
	}
	if c.RepeatDays, err = attrDays(ctx, db, RepeatAttr); err != nil {
		return err
	}
	if c.AgeDays, err = attrDays(ctx, db, AgeAttr); err != nil {
		return err
	}
	return nil
}

// attrDays are the snapshots whose customer sets include attr (one made
// before the attr existed does not).
func attrDays(ctx context.Context, db queryer, attr string) ([]time.Time, error) {
	days, err := column(ctx, db, `SELECT DISTINCT as_of FROM customer_sets WHERE attr = '`+attr+`' ORDER BY as_of`)
	if err != nil {
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	var out []time.Time
	for _, d := range days {
		if t, err := ParseDate(d); err == nil {
			out = append(out, t)
		}
	}
	return out, nil
}

// RepeatSets reports whether day's sets include the repeat buyers (a
// snapshot made before them does not).
func (c *Catalog) RepeatSets(day time.Time) bool { return c.HasSets(day) && hasDay(c.RepeatDays, day) }

// AgeSets reports whether day's sets include each whole-year age.
func (c *Catalog) AgeSets(day time.Time) bool { return c.HasSets(day) && hasDay(c.AgeDays, day) }

// HasSets reports whether questions as of day can use customer sets: the
// purchase sets and that day's attribute sets are both there.
func (c *Catalog) HasSets(day time.Time) bool {
	return c.PurchaseSets && hasDay(c.SetSnapshots, day)
}

func column(ctx context.Context, db queryer, q string) ([]string, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
