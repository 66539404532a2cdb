question: 近3个月消费金额最高的5个城市

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT g AS "城市", sum(s) / 100.0 AS "消费金额"
FROM (SELECT m.city AS g, m.customer_key AS ck, coalesce(sum(w_n), 0) AS n, coalesce(sum(w_s), 0) AS s
FROM customer_measures m
ANY LEFT JOIN (SELECT po.customer_key AS customer_key, sum(po.pay_cents) AS w_s, count(*) AS w_n FROM purchase_orders po WHERE po.date BETWEEN ? AND ? GROUP BY po.customer_key) w USING customer_key
WHERE m.as_of = ?
GROUP BY g, ck)
WHERE g IS NOT NULL
GROUP BY g
ORDER BY "消费金额" DESC, g
LIMIT ?
-- args ["2026-08-23","2026-11-22","2026-11-22",5]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT g AS "城市", sum(s) / 100.0 AS "消费金额"
FROM (SELECT m.city AS g, m.customer_key AS ck, coalesce(sum(w_n), 0) AS n, coalesce(sum(w_s), 0) AS s
FROM customer_measures m
ANY LEFT JOIN (SELECT po.customer_key AS customer_key, sum(po.pay_cents) AS w_s, count(*) AS w_n FROM purchase_orders po WHERE po.date BETWEEN ? AND ? GROUP BY po.customer_key) w USING customer_key
WHERE m.as_of = ?
GROUP BY g, ck)
WHERE g IS NOT NULL
GROUP BY g
ORDER BY "消费金额" DESC, g
LIMIT ?
-- args ["2026-08-23","2026-11-22","2026-11-22",5]
