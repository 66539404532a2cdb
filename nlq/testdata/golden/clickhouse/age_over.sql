question: 30岁以上的重要价值客户有多少

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND ((m.birth_date IS NOT NULL AND m.birth_date <= ?) AND m.rfm_class IN (?))
-- args ["2026-11-22","1996-11-22","重要价值客户"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND ((m.birth_date IS NOT NULL AND m.birth_date <= ?) AND m.rfm_class IN (?))
-- args ["2026-11-22","1996-11-22","重要价值客户"]
