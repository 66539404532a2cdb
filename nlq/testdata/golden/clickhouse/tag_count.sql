question: 促销敏感型客户有多少

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND m.customer_key IN (SELECT t.customer_key FROM customer_tags t WHERE t.as_of = ? AND t.tag IN (?))
-- args ["2026-11-22","2026-11-22","促销敏感型"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND m.customer_key IN (SELECT t.customer_key FROM customer_tags t WHERE t.as_of = ? AND t.tag IN (?))
-- args ["2026-11-22","2026-11-22","促销敏感型"]
