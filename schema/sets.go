package schema

import (
	"context"
	"database/sql"
	"fmt"
	"math"

	"github.com/chatbi/chatbi/schema/custset"
)

// Customer sets are derived from the facts and the snapshots, like the
// indexes: import builds the purchase sets once, every refresh the
// attribute sets of its snapshot. See package custset for why.

// metaPurchaseSets marks a warehouse whose purchase_sets are complete; the
// compiler uses sets only then (an older file answers by plain SQL until
// its next refresh builds them).
const metaPurchaseSets = "purchase_sets"

// Set levels of purchase_sets, and the products column each is keyed by.
var purchaseSetLevels = []struct{ level, column string }{
	{"category", "category"}, {"category_l1", "category_l1"}, {"brand", "brand"}, {"product", "product_id"},
}

// SetAttrs are the customer_measures columns with per-value sets at every
// snapshot; AllCustomers is the attr of the set of every customer.
var SetAttrs = []string{"rfm_class", "lifecycle", "potential", "gender", "city", "province", "member_level", "register_channel"}

// AllCustomers is the customer_sets attr whose one set holds every customer.
const AllCustomers = "*"

type setKey struct{ level, term, date, channel string }

// setWriter inserts finished sets.
type setWriter struct{ b *batch }

func (w setWriter) put(k setKey, s *custset.Set) error {
	blob, err := custset.Encode(s)
	if err != nil {
		return fmt.Errorf("encode set %v: %w", k, err)
	}
	return w.b.add(k.level, k.term, k.date, k.channel, blob)
}

// buildPurchaseSets fills purchase_sets from purchase_lines and
// purchase_orders. Lines are read in (product, date, channel) order, so a
// product's set for one day and channel is written as soon as it is
// complete; only the coarser levels are held in memory.
func buildPurchaseSets(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM purchase_sets`); err != nil {
		return fmt.Errorf("clear purchase sets: %w", err)
	}
	terms := map[int64][4]sql.NullString{} // product key → category, category_l1, brand, product_id
	rows, err := tx.QueryContext(ctx, `SELECT id, category, category_l1, brand, product_id FROM products`)
	if err != nil {
		return fmt.Errorf("read products: %w", err)
	}
	for rows.Next() {
		var id int64
		var t [4]sql.NullString
		if err := rows.Scan(&id, &t[0], &t[1], &t[2], &t[3]); err != nil {
			rows.Close()
			return err
		}
		terms[id] = t
	}
	rows.Close()
	b, err := newBatch(ctx, tx, "purchase_sets", []string{"level", "term", "date", "channel", "customers"})
	if err != nil {
		return err
	}
	w := setWriter{b}
	coarse := map[setKey]*custset.Set{}
	var cur setKey
	curSet := custset.New()
	flush := func() error {
		if curSet.IsEmpty() {
			return nil
		}
		err := w.put(cur, curSet)
		curSet = custset.New()
		return err
	}
	rows, err = tx.QueryContext(ctx, `SELECT product_key, date, coalesce(channel, ''), customer_key
		FROM purchase_lines INDEXED BY purchase_lines_product ORDER BY product_key, date, channel`)
	if err != nil {
		return fmt.Errorf("read purchase lines: %w", err)
	}
	for rows.Next() {
		var pk, ck int64
		var date, ch string
		if err := rows.Scan(&pk, &date, &ch, &ck); err != nil {
			rows.Close()
			return err
		}
		t := terms[pk]
		k := setKey{"product", t[3].String, date, ch}
		if k != cur {
			if err := flush(); err != nil {
				rows.Close()
				return err
			}
			cur = k
		}
		m, err := member(ck)
		if err != nil {
			rows.Close()
			return err
		}
		curSet.Add(m)
		for i, l := range purchaseSetLevels[:3] {
			if !t[i].Valid {
				continue
			}
			ck2 := setKey{l.level, t[i].String, date, ch}
			s := coarse[ck2]
			if s == nil {
				s = custset.New()
				coarse[ck2] = s
			}
			s.Add(m)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read purchase lines: %w", err)
	}
	if err := flush(); err != nil {
		return err
	}
	for k, s := range coarse {
		if err := w.put(k, s); err != nil {
			return err
		}
	}
	// Any completed order: level all, in (date, channel) order.
	rows, err = tx.QueryContext(ctx, `SELECT date, coalesce(channel, ''), customer_key
		FROM purchase_orders INDEXED BY purchase_orders_date ORDER BY date, channel`)
	if err != nil {
		return fmt.Errorf("read purchase orders: %w", err)
	}
	cur = setKey{}
	for rows.Next() {
		var ck int64
		k := setKey{level: "all"}
		if err := rows.Scan(&k.date, &k.channel, &ck); err != nil {
			rows.Close()
			return err
		}
		if k != cur {
			if err := flush(); err != nil {
				rows.Close()
				return err
			}
			cur = k
		}
		m, err := member(ck)
		if err != nil {
			rows.Close()
			return err
		}
		curSet.Add(m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read purchase orders: %w", err)
	}
	if err := flush(); err != nil {
		return err
	}
	if err := b.flush(); err != nil {
		return err
	}
	return setMeta(ctx, tx, metaPurchaseSets, "built")
}

// attrSets collects one snapshot's customer_sets while refresh writes it.
type attrSets map[[2]string]*custset.Set

// add records customer key under each set-able attribute value; vals are
// in SetAttrs order, nil for NULL (a NULL is in no value's set).
func (a attrSets) add(key int64, vals []any) error {
	m, err := member(key)
	if err != nil {
		return err
	}
	a.addTo(AllCustomers, "", m)
	for i, v := range vals {
		switch v := v.(type) {
		case string:
			a.addTo(SetAttrs[i], v, m)
		case sql.NullString:
			if v.Valid {
				a.addTo(SetAttrs[i], v.String, m)
			}
		}
	}
	return nil
}

func (a attrSets) addTo(attr, value string, m uint32) {
	k := [2]string{attr, value}
	s := a[k]
	if s == nil {
		s = custset.New()
		a[k] = s
	}
	s.Add(m)
}

// member is a customer key as a set member. Import numbers customers
// 1, 2, 3, … so this only fails on a hand-made file.
func member(key int64) (uint32, error) {
	if key < 0 || key > math.MaxUint32 {
		return 0, fmt.Errorf("customer key %d is outside the range customer sets hold", key)
	}
	return uint32(key), nil
}

func purchaseSetsBuilt(ctx context.Context, tx *sql.Tx) (bool, error) {
	var v string
	err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaPurchaseSets).Scan(&v)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("inspect warehouse: %w", err)
	}
	return v == "built", nil
}

// write replaces the snapshot's customer_sets.
func (a attrSets) write(ctx context.Context, tx *sql.Tx, day string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM customer_sets WHERE as_of = ?`, day); err != nil {
		return fmt.Errorf("clear customer sets %s: %w", day, err)
	}
	for k, s := range a {
		blob, err := custset.Encode(s)
		if err != nil {
			return fmt.Errorf("encode set %s=%s: %w", k[0], k[1], err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO customer_sets(as_of, attr, value, customers) VALUES (?, ?, ?, ?)`,
			day, k[0], k[1], blob); err != nil {
			return fmt.Errorf("write customer sets %s: %w", day, err)
		}
	}
	return nil
}
