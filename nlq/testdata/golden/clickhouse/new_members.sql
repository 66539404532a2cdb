question: 今年新增会员数

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND m.register_date BETWEEN ? AND ?
-- args ["2026-11-22","2026-01-01","2026-11-22"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND m.register_date BETWEEN ? AND ?
-- args ["2026-11-22","2026-01-01","2026-11-22"]
