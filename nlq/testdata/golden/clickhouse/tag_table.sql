question: 各行为标签的人数

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT g AS "行为标签", count(*) AS "客户数"
FROM (SELECT m.t_tag AS g, m.customer_key AS ck
FROM (SELECT *, tag AS t_tag FROM customer_measures ALL INNER JOIN (SELECT as_of, customer_key, tag FROM customer_tags) t USING (as_of, customer_key)) m
WHERE m.as_of = ?)
WHERE g IS NOT NULL
GROUP BY g
ORDER BY CASE g WHEN ? THEN 0 WHEN ? THEN 1 WHEN ? THEN 2 WHEN ? THEN 3 WHEN ? THEN 4 ELSE 99 END
-- args ["2026-11-22","高频购买型","偶发大额型","促销敏感型","品牌忠诚型","品类探索型"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT g AS "行为标签", count(*) AS "客户数"
FROM (SELECT m.t_tag AS g, m.customer_key AS ck
FROM (SELECT *, tag AS t_tag FROM customer_measures ALL INNER JOIN (SELECT as_of, customer_key, tag FROM customer_tags) t USING (as_of, customer_key)) m
WHERE m.as_of = ?)
WHERE g IS NOT NULL
GROUP BY g
ORDER BY CASE g WHEN ? THEN 0 WHEN ? THEN 1 WHEN ? THEN 2 WHEN ? THEN 3 WHEN ? THEN 4 ELSE 99 END
-- args ["2026-11-22","高频购买型","偶发大额型","促销敏感型","品牌忠诚型","品类探索型"]
