question: 各会员等级的复购率

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT g AS "会员等级", sum(n >= 2) * 1.0 / nullif(sum(n >= 1), 0) AS "复购率"
FROM (SELECT m.member_level AS g, m.customer_key AS ck, m.frequency AS n, m.monetary_cents AS s
FROM customer_measures m
WHERE m.as_of = ?)
WHERE g IS NOT NULL
GROUP BY g
ORDER BY "复购率" DESC, g
-- args ["2026-11-22"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT g AS "会员等级", sum(n >= 2) * 1.0 / nullif(sum(n >= 1), 0) AS "复购率"
FROM (SELECT m.member_level AS g, m.customer_key AS ck, m.frequency AS n, m.monetary_cents AS s
FROM customer_measures m
WHERE m.as_of = ?)
WHERE g IS NOT NULL
GROUP BY g
ORDER BY "复购率" DESC, g
-- args ["2026-11-22"]
