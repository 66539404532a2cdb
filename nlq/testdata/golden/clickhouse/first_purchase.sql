question: 近3个月首次购买的客户有多少

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND m.first_date BETWEEN ? AND ?
-- args ["2026-11-22","2026-08-23","2026-11-22"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND m.first_date BETWEEN ? AND ?
-- args ["2026-11-22","2026-08-23","2026-11-22"]
