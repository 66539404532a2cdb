question: 近一周买过资生堂的客户

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT c.customer_id AS "customer_id", c.name AS "姓名", c.gender AS "性别", CASE WHEN c.birth_date IS NULL THEN NULL ELSE CAST(substr(?, 1, 4) AS INTEGER) - CAST(substr(c.birth_date, 1, 4) AS INTEGER) - (substr(?, 6, 5) < substr(c.birth_date, 6, 5)) END AS "年龄", c.city AS "城市", c.member_level AS "会员等级", m.rfm_class AS "RFM分群", m.lifecycle AS "生命周期", coalesce((SELECT sum(po.pay_cents) FROM purchase_orders po WHERE po.customer_key = c.id AND po.date BETWEEN ? AND ?), 0) / 100.0 AS "消费金额", coalesce((SELECT count(*) FROM purchase_orders po WHERE po.customer_key = c.id AND po.date BETWEEN ? AND ?), 0) AS "订单数", (SELECT toString(max(po.date)) FROM purchase_orders po WHERE po.customer_key = c.id AND po.date <= ?) AS "最近购买日", round(m.clv, 2) AS "预测价值", c.phone AS "手机号", sel.total AS "_total"
FROM (SELECT ck, k, count(*) OVER () AS total FROM (SELECT m.customer_key AS ck, coalesce((SELECT cw.spend_7d FROM customer_windows cw WHERE cw.customer_key = m.customer_key), 0) AS k
FROM customer_measures m
WHERE m.as_of = ? AND m.customer_key IN (SELECT arrayJoin(bitmapToArray(groupBitmapMergeState(pb.customers))) FROM purchase_bitmaps pb WHERE pb.product_key IN (SELECT p.id FROM products p WHERE (p.brand = ?)) AND pb.date BETWEEN ? AND ?))
ORDER BY k DESC, ck
LIMIT ? OFFSET ?) sel
JOIN customers c ON c.id = sel.ck JOIN customer_measures m ON m.customer_key = c.id AND m.as_of = ?
ORDER BY sel.k DESC, sel.ck
-- args ["2026-11-22","2026-11-22","2026-11-16","2026-11-22","2026-11-16","2026-11-22","2026-11-22","2026-11-22","资生堂","2026-11-16","2026-11-22",50,0,"2026-11-22"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT customer_id AS "customer_id", name AS "姓名", gender AS "性别", CAST(substr(?, 1, 4) AS Int64) - CAST(substr(birth_date, 1, 4) AS Nullable(Int64)) - (substr(?, 6, 5) < substr(birth_date, 6, 5)) AS "年龄", city AS "城市", member_level AS "会员等级", rfm_class AS "RFM分群", lifecycle AS "生命周期", coalesce(w_spend, 0) / 100.0 AS "消费金额", coalesce(w_orders, 0) AS "订单数", w_last AS "最近购买日", round(clv, 2) AS "预测价值", phone AS "手机号", (SELECT count() FROM (SELECT m.customer_key AS ck, coalesce(w_s, 0) AS k
FROM customer_measures m
ANY LEFT JOIN (SELECT cw.customer_key AS customer_key, cw.spend_7d AS w_s, cw.orders_7d AS w_n FROM customer_windows cw) w USING customer_key
WHERE m.as_of = ? AND m.customer_key IN (SELECT pl.customer_key FROM purchase_lines pl WHERE pl.product_key IN (SELECT p.id FROM products p WHERE (p.brand = ?)) AND pl.date BETWEEN ? AND ?))) AS "_total"
FROM (SELECT * FROM (SELECT * FROM (SELECT * FROM (SELECT ck, k FROM (SELECT m.customer_key AS ck, coalesce(w_s, 0) AS k
FROM customer_measures m
ANY LEFT JOIN (SELECT cw.customer_key AS customer_key, cw.spend_7d AS w_s, cw.orders_7d AS w_n FROM customer_windows cw) w USING customer_key
WHERE m.as_of = ? AND m.customer_key IN (SELECT pl.customer_key FROM purchase_lines pl WHERE pl.product_key IN (SELECT p.id FROM products p WHERE (p.brand = ?)) AND pl.date BETWEEN ? AND ?))
ORDER BY k DESC, ck
LIMIT ? OFFSET ?) pg
ANY LEFT JOIN (SELECT id AS ck, customer_id, name, gender, birth_date, city, member_level, phone FROM customers WHERE id GLOBAL IN (SELECT ck FROM (SELECT ck, k FROM (SELECT m.customer_key AS ck, coalesce(w_s, 0) AS k
FROM customer_measures m
ANY LEFT JOIN (SELECT cw.customer_key AS customer_key, cw.spend_7d AS w_s, cw.orders_7d AS w_n FROM customer_windows cw) w USING customer_key
WHERE m.as_of = ? AND m.customer_key IN (SELECT pl.customer_key FROM purchase_lines pl WHERE pl.product_key IN (SELECT p.id FROM products p WHERE (p.brand = ?)) AND pl.date BETWEEN ? AND ?))
ORDER BY k DESC, ck
LIMIT ? OFFSET ?))) cu USING ck) cu_j
ANY LEFT JOIN (SELECT customer_key AS ck, rfm_class, lifecycle, monetary_cents, frequency, last_date, clv FROM customer_measures WHERE as_of = ? AND customer_key GLOBAL IN (SELECT ck FROM (SELECT ck, k FROM (SELECT m.customer_key AS ck, coalesce(w_s, 0) AS k
FROM customer_measures m
ANY LEFT JOIN (SELECT cw.customer_key AS customer_key, cw.spend_7d AS w_s, cw.orders_7d AS w_n FROM customer_windows cw) w USING customer_key
WHERE m.as_of = ? AND m.customer_key IN (SELECT pl.customer_key FROM purchase_lines pl WHERE pl.product_key IN (SELECT p.id FROM products p WHERE (p.brand = ?)) AND pl.date BETWEEN ? AND ?))
ORDER BY k DESC, ck
LIMIT ? OFFSET ?))) me USING ck) me_j
ANY LEFT JOIN (SELECT customer_key AS ck, sumIf(pay_cents, date BETWEEN ? AND ?) AS w_spend, countIf(date BETWEEN ? AND ?) AS w_orders, toString(max(date)) AS w_last FROM purchase_orders WHERE date <= ? AND customer_key GLOBAL IN (SELECT ck FROM (SELECT ck, k FROM (SELECT m.customer_key AS ck, coalesce(w_s, 0) AS k
FROM customer_measures m
ANY LEFT JOIN (SELECT cw.customer_key AS customer_key, cw.spend_7d AS w_s, cw.orders_7d AS w_n FROM customer_windows cw) w USING customer_key
WHERE m.as_of = ? AND m.customer_key IN (SELECT pl.customer_key FROM purchase_lines pl WHERE pl.product_key IN (SELECT p.id FROM products p WHERE (p.brand = ?)) AND pl.date BETWEEN ? AND ?))
ORDER BY k DESC, ck
LIMIT ? OFFSET ?)) GROUP BY customer_key) wi USING ck) wi_j
ORDER BY k DESC, ck
-- args ["2026-11-22","2026-11-22","2026-11-22","资生堂","2026-11-16","2026-11-22","2026-11-22","资生堂","2026-11-16","2026-11-22",50,0,"2026-11-22","资生堂","2026-11-16","2026-11-22",50,0,"2026-11-22","2026-11-22","资生堂","2026-11-16","2026-11-22",50,0,"2026-11-16","2026-11-22","2026-11-16","2026-11-22","2026-11-22","2026-11-22","资生堂","2026-11-16","2026-11-22",50,0]
