question: 30岁以下的客户有多少

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND (m.birth_date IS NOT NULL AND m.birth_date > ?)
-- args ["2026-11-22","1996-11-22"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND (m.birth_date IS NOT NULL AND m.birth_date > ?)
-- args ["2026-11-22","1996-11-22"]
