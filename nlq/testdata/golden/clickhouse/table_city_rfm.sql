question: 各城市的重要价值客户数量

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT g AS "城市", count(*) AS "客户数"
FROM (SELECT m.city AS g, m.customer_key AS ck
FROM customer_measures m
WHERE m.as_of = ? AND m.rfm_class IN (?))
WHERE g IS NOT NULL
GROUP BY g
ORDER BY "客户数" DESC, g
-- args ["2026-11-22","重要价值客户"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT g AS "城市", count(*) AS "客户数"
FROM (SELECT m.city AS g, m.customer_key AS ck
FROM customer_measures m
WHERE m.as_of = ? AND m.rfm_class IN (?))
WHERE g IS NOT NULL
GROUP BY g
ORDER BY "客户数" DESC, g
-- args ["2026-11-22","重要价值客户"]
