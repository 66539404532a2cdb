question: 不同生命周期阶段的客户数

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT g AS "生命周期阶段", count(*) AS "客户数"
FROM (SELECT m.lifecycle AS g, m.customer_key AS ck
FROM customer_measures m
WHERE m.as_of = ?)
WHERE g IS NOT NULL
GROUP BY g
ORDER BY CASE g WHEN ? THEN 0 WHEN ? THEN 1 WHEN ? THEN 2 WHEN ? THEN 3 WHEN ? THEN 4 ELSE 99 END
-- args ["2026-11-22","新客户","活跃客户","沉默客户","流失客户","未购客户"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT g AS "生命周期阶段", count(*) AS "客户数"
FROM (SELECT m.lifecycle AS g, m.customer_key AS ck
FROM customer_measures m
WHERE m.as_of = ?)
WHERE g IS NOT NULL
GROUP BY g
ORDER BY CASE g WHEN ? THEN 0 WHEN ? THEN 1 WHEN ? THEN 2 WHEN ? THEN 3 WHEN ? THEN 4 ELSE 99 END
-- args ["2026-11-22","新客户","活跃客户","沉默客户","流失客户","未购客户"]
