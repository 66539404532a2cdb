question: 重要价值客户的客单价是多少

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT sum(s) / 100.0 / nullif(sum(n > 0), 0) AS "客单价"
FROM (SELECT 1 AS g, m.customer_key AS ck, m.frequency AS n, m.monetary_cents AS s
FROM customer_measures m
WHERE m.as_of = ? AND m.rfm_class IN (?))
-- args ["2026-11-22","重要价值客户"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT sum(s) / 100.0 / nullif(sum(n > 0), 0) AS "客单价"
FROM (SELECT 1 AS g, m.customer_key AS ck, m.frequency AS n, m.monetary_cents AS s
FROM customer_measures m
WHERE m.as_of = ? AND m.rfm_class IN (?))
-- args ["2026-11-22","重要价值客户"]
