// Package schema owns the segmented warehouse: its tables, the CSV import
// (shared spec data-format.md), the deterministic demo generator, the segment
// refresh (spec semantics.md) and the catalog of every term a question may use.
//
// # Layout
//
// The imported tables keep the retailer's rows as given, with integer
// surrogate keys (customers.id, products.id, orders.id) so that the facts below
// join on small integers instead of text ids:
//
//	customers, products, orders, order_items
//
// Beside them the import derives two fact tables that hold completed orders
// only (refunded and cancelled orders are purchases of nothing):
//
//	purchase_orders(order_key, customer_key, date, channel, pay_cents)
//	purchase_lines(product_key, date, channel, customer_key, order_key, amount_cents)
//
// and refresh writes one row per customer and as-of date:
//
//	customer_measures(as_of, customer_key, first_date, last_date, recency,
//	                  frequency, monetary_cents, rfm_class, lifecycle)
//
// Beside the facts and the snapshots sit the customer sets (package
// custset): roaring bitmaps of customer keys, derived like the indexes.
//
//	purchase_sets(level, term, date, channel, customers)  import: who bought a
//	    category / L1 / brand (per channel) or product (all channels) or
//	    anything on each day
//	customer_sets(as_of, attr, value, customers)           refresh: who holds
//	    each segment, lifecycle stage, gender, city, province, level and
//	    register channel at the snapshot, and '*' every customer
//
// "Bought lipstick in the last 3 months, not foundation, 重要价值客户" is
// then a union of ~370 small per-day sets, an intersection and a difference:
// ~15 ms at 1M customers where nested lookups over ~250k rows took ~160 ms.
// They cost ~250 MB and ~18 s of import at 1M customers (10M order lines).
//
// Money in the facts is integer cents so that sums and the RFM mean cut-offs
// are exact (M ≥ mean M is tested as M·n ≥ ΣM, never with floats).
//
// # Indexes, and why
//
//   - purchase_lines_product (product_key, date, channel, customer_key):
//     "customers who bought category C between d1 and d2" becomes, for each
//     product of C, one range scan over exactly the matching lines; the index
//     covers channel and customer so the table itself is never touched.
//   - purchase_orders_date (date, channel, customer_key, pay_cents): "any
//     purchase in a window" and windowed spend/order thresholds scan only the
//     orders inside the window.
//   - purchase_orders_customer (customer_key, date, pay_cents): a selected
//     customer's spend in a window (for sorting and display) is one short
//     range scan per selected customer: cost follows the rows a question selects.
//   - customer_measures is clustered by (as_of, customer_key) (WITHOUT ROWID):
//     a whole snapshot is one sequential range, and every dated refresh is
//     kept. It carries copies of the customer attributes questions filter and
//     group by (gender, birth date, city, province, level, register channel
//     and date), so segment questions never join customers row by row.
//     (rfm_class, as_of) and (lifecycle, as_of) make segment membership a
//     range scan; segment first, so a whole-snapshot scan is never sent
//     through them.
//   - customers (city), (province), (birth_date), (register_date); products
//     (category), (category_l1), (brand), (product_name).
//
// All indexes are built after the bulk load (sorting once is far cheaper than
// maintaining a b-tree row by row), then ANALYZE gives the query planner the
// row counts it needs to start from the most selective condition.
package schema
