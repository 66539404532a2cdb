-- The warehouse tables. Indexes are in indexes.sql, applied after the load.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE customers (
  id               INTEGER PRIMARY KEY,
  customer_id      TEXT NOT NULL,
  name             TEXT,
  gender           TEXT,
  birth_date       TEXT,
  province         TEXT,
  city             TEXT,
  register_date    TEXT NOT NULL,
  register_channel TEXT,
  member_level     TEXT,
  phone            TEXT
);
CREATE TABLE products (
  id           INTEGER PRIMARY KEY,
  product_id   TEXT NOT NULL,
  product_name TEXT NOT NULL,
  brand        TEXT,
  category     TEXT NOT NULL,
  category_l1  TEXT,
  list_price   REAL
);
CREATE TABLE orders (
  id              INTEGER PRIMARY KEY,
  order_id        TEXT NOT NULL,
  customer_key    INTEGER NOT NULL,
  order_time      TEXT NOT NULL,
  order_date      TEXT NOT NULL,
  channel         TEXT,
  store_city      TEXT,
  status          TEXT NOT NULL,
  pay_amount      REAL NOT NULL,
  discount_amount REAL,
  coupon_used     INTEGER
);
CREATE TABLE order_items (
  order_key   INTEGER NOT NULL,
  product_key INTEGER NOT NULL,
  quantity    INTEGER NOT NULL,
  unit_price  REAL,
  amount      REAL NOT NULL,
  amount_cents INTEGER NOT NULL
);
CREATE TABLE purchase_orders (
  order_key    INTEGER PRIMARY KEY,
  customer_key INTEGER NOT NULL,
  date         TEXT NOT NULL,
  channel      TEXT,
  pay_cents    INTEGER NOT NULL
);
CREATE TABLE purchase_lines (
  product_key  INTEGER NOT NULL,
  date         TEXT NOT NULL,
  channel      TEXT,
  customer_key INTEGER NOT NULL,
  order_key    INTEGER NOT NULL,
  amount_cents INTEGER NOT NULL,
  quantity     INTEGER NOT NULL DEFAULT 0
);
-- Each product's completed lines summed per day and channel (built with the
-- purchase sets, from the same scan): X的销售额 / 销量 and 各品类的销售额
-- over a window read a few rows a day instead of every order line.
CREATE TABLE product_days (
  date         TEXT NOT NULL,
  product_key  INTEGER NOT NULL,
  channel      TEXT NOT NULL,
  amount_cents INTEGER NOT NULL,
  units        INTEGER NOT NULL,
  PRIMARY KEY (date, product_key, channel)
) WITHOUT ROWID;
-- Completed orders summed per day and channel ('' for none), from the scan
-- that builds the 'all' purchase sets: 各月的销售额 and 各渠道的订单数 with no
-- customer condition read a row per day and channel.
CREATE TABLE order_days (
  date      TEXT NOT NULL,
  channel   TEXT NOT NULL,
  pay_cents INTEGER NOT NULL,
  orders    INTEGER NOT NULL,
  PRIMARY KEY (date, channel)
) WITHOUT ROWID;
CREATE TABLE customer_measures (
  as_of          TEXT NOT NULL,
  customer_key   INTEGER NOT NULL,
  first_date     TEXT,
  last_date      TEXT,
  recency        INTEGER,
  frequency      INTEGER NOT NULL,
  monetary_cents INTEGER NOT NULL,
  rfm_class      TEXT,
  lifecycle      TEXT,
  p_alive        REAL,    -- BG/NBD probability the customer is still active
  exp_purchases  REAL,    -- BG/NBD expected purchases in the next 52 weeks
  clv            REAL,    -- expected value in the next 52 weeks (yuan): purchases × Gamma-Gamma spend
  potential      TEXT,    -- 高潜力客户: top fifth of buyers by clv
  -- Copies of the customer attributes questions filter and group by, so a
  -- segment question never has to join customers row by row.
  gender           TEXT,
  birth_date       TEXT,
  city             TEXT,
  province         TEXT,
  member_level     TEXT,
  register_channel TEXT,
  register_date    TEXT,
  PRIMARY KEY (as_of, customer_key)
) WITHOUT ROWID;
CREATE TABLE snapshots (
  as_of       TEXT PRIMARY KEY,
  created_at  TEXT NOT NULL,
  model_json  TEXT NOT NULL,
  buyers      INTEGER NOT NULL,
  mean_r      REAL,
  mean_f      REAL,
  mean_m      REAL,
  clv_json    TEXT,    -- the fitted CLV models, or the reason there are none
  tags_json   TEXT     -- the behaviour tags' window and cut-offs (schema.TagCutoffs)
);
-- Window measures of the newest snapshot (schema/windows.go): each buyer's
-- spend (cents) and orders in the standard windows and the whole history,
-- so thresholds and rankings over 近30天 … 今年 read one row per customer,
-- not orders. buildWindows recreates it (and its walk indexes) each time.
CREATE TABLE customer_windows (
  customer_key INTEGER PRIMARY KEY,
  spend_7d  INTEGER NOT NULL, orders_7d  INTEGER NOT NULL,
  spend_30d INTEGER NOT NULL, orders_30d INTEGER NOT NULL,
  spend_90d INTEGER NOT NULL, orders_90d INTEGER NOT NULL,
  spend_3m  INTEGER NOT NULL, orders_3m  INTEGER NOT NULL,
  spend_6m  INTEGER NOT NULL, orders_6m  INTEGER NOT NULL,
  spend_1y  INTEGER NOT NULL, orders_1y  INTEGER NOT NULL,
  spend_ytd INTEGER NOT NULL, orders_ytd INTEGER NOT NULL,
  spend_all INTEGER NOT NULL, orders_all INTEGER NOT NULL
);
-- For each spend column of customer_windows, the customers with a positive
-- value (a list walked down that column's index; schema/windows.go).
CREATE TABLE window_sets (
  col       TEXT PRIMARY KEY,
  customers BLOB NOT NULL
);
-- Each spend column's ranking (spend descending, then key) cut into
-- buckets, best first (schema.RankBucket sizes): a sorted list's first page
-- is among a set's members in the first buckets (custset set_head).
CREATE TABLE window_ranks (
  col       TEXT NOT NULL,
  bucket    INTEGER NOT NULL,
  customers BLOB NOT NULL,
  PRIMARY KEY (col, bucket)
) WITHOUT ROWID;
-- Behaviour tags (schema/tags.go): a customer may carry several, or none.
-- Tag first under as_of: "the 促销敏感型 customers" is one range; the second
-- index serves grouping the selected customers by their tags.
CREATE TABLE customer_tags (
  as_of        TEXT NOT NULL,
  tag          TEXT NOT NULL,
  customer_key INTEGER NOT NULL,
  PRIMARY KEY (as_of, tag, customer_key)
) WITHOUT ROWID;
CREATE INDEX customer_tags_by_customer ON customer_tags(as_of, customer_key);
-- Segment first: with as_of first, SQLite would walk a segment index for a
-- whole snapshot and look every row up again (1M rows: 1 s instead of 0.37 s).
CREATE INDEX customer_measures_by_rfm ON customer_measures(rfm_class, as_of);
CREATE INDEX customer_measures_by_lifecycle ON customer_measures(lifecycle, as_of);
-- Customer sets (package custset): roaring bitmaps of customer keys.
-- purchase_sets: who bought a term on a day through a channel; level is
-- category, category_l1, brand, product (term = product_id) or all (any
-- completed order, term ''); channel '' when the order has none, and
-- always '' for product sets (all channels together).
CREATE TABLE purchase_sets (
  level     TEXT NOT NULL,
  term      TEXT NOT NULL,
  date      TEXT NOT NULL,
  channel   TEXT NOT NULL,
  customers BLOB NOT NULL,
  PRIMARY KEY (level, term, date, channel)
) WITHOUT ROWID;
-- customer_sets: who holds each value of a set-able customer_measures
-- column at a snapshot; attr '*' (value '') is every customer of it.
CREATE TABLE customer_sets (
  as_of     TEXT NOT NULL,
  attr      TEXT NOT NULL,
  value     TEXT NOT NULL,
  customers BLOB NOT NULL,
  PRIMARY KEY (as_of, attr, value)
);
