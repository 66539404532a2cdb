question: 近一年各行为标签的消费金额

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT g AS "行为标签", sum(s) / 100.0 AS "消费金额"
FROM (SELECT m.t_tag AS g, m.customer_key AS ck, coalesce(sum(w_n), 0) AS n, coalesce(sum(w_s), 0) AS s
FROM (SELECT *, tag AS t_tag FROM customer_measures ALL INNER JOIN (SELECT as_of, customer_key, tag FROM customer_tags) t USING (as_of, customer_key)) m
ANY LEFT JOIN (SELECT po.customer_key AS customer_key, sum(po.pay_cents) AS w_s, count(*) AS w_n FROM purchase_orders po WHERE po.date BETWEEN ? AND ? GROUP BY po.customer_key) w USING customer_key
WHERE m.as_of = ?
GROUP BY g, ck)
WHERE g IS NOT NULL
GROUP BY g
ORDER BY CASE g WHEN ? THEN 0 WHEN ? THEN 1 WHEN ? THEN 2 WHEN ? THEN 3 WHEN ? THEN 4 ELSE 99 END
-- args ["2025-11-23","2026-11-22","2026-11-22","高频购买型","偶发大额型","促销敏感型","品牌忠诚型","品类探索型"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT g AS "行为标签", sum(s) / 100.0 AS "消费金额"
FROM (SELECT m.t_tag AS g, m.customer_key AS ck, coalesce(sum(w_n), 0) AS n, coalesce(sum(w_s), 0) AS s
FROM (SELECT *, tag AS t_tag FROM customer_measures ALL INNER JOIN (SELECT as_of, customer_key, tag FROM customer_tags) t USING (as_of, customer_key)) m
ANY LEFT JOIN (SELECT po.customer_key AS customer_key, sum(po.pay_cents) AS w_s, count(*) AS w_n FROM purchase_orders po WHERE po.date BETWEEN ? AND ? GROUP BY po.customer_key) w USING customer_key
WHERE m.as_of = ?
GROUP BY g, ck)
WHERE g IS NOT NULL
GROUP BY g
ORDER BY CASE g WHEN ? THEN 0 WHEN ? THEN 1 WHEN ? THEN 2 WHEN ? THEN 3 WHEN ? THEN 4 ELSE 99 END
-- args ["2025-11-23","2026-11-22","2026-11-22","高频购买型","偶发大额型","促销敏感型","品牌忠诚型","品类探索型"]
