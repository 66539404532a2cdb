question: 各RFM分群的客户数

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT g AS "RFM分群", count(*) AS "客户数"
FROM (SELECT m.rfm_class AS g, m.customer_key AS ck
FROM customer_measures m
WHERE m.as_of = ?)
WHERE g IS NOT NULL
GROUP BY g
ORDER BY CASE g WHEN ? THEN 0 WHEN ? THEN 1 WHEN ? THEN 2 WHEN ? THEN 3 WHEN ? THEN 4 WHEN ? THEN 5 WHEN ? THEN 6 WHEN ? THEN 7 ELSE 99 END
-- args ["2026-11-22","重要价值客户","重要发展客户","重要保持客户","重要挽留客户","一般价值客户","一般发展客户","一般保持客户","一般挽留客户"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT g AS "RFM分群", count(*) AS "客户数"
FROM (SELECT m.rfm_class AS g, m.customer_key AS ck
FROM customer_measures m
WHERE m.as_of = ?)
WHERE g IS NOT NULL
GROUP BY g
ORDER BY CASE g WHEN ? THEN 0 WHEN ? THEN 1 WHEN ? THEN 2 WHEN ? THEN 3 WHEN ? THEN 4 WHEN ? THEN 5 WHEN ? THEN 6 WHEN ? THEN 7 ELSE 99 END
-- args ["2026-11-22","重要价值客户","重要发展客户","重要保持客户","重要挽留客户","一般价值客户","一般发展客户","一般保持客户","一般挽留客户"]
