question: 近一年的复购客户有多少

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND m.customer_key IN (SELECT cw.customer_key FROM customer_windows cw WHERE (cw.orders_1y >= ?))
-- args ["2026-11-22",2]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND m.customer_key IN (SELECT cw.customer_key FROM customer_windows cw WHERE (cw.orders_1y >= ?))
-- args ["2026-11-22",2]
