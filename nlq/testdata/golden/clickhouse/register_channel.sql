question: 小程序注册的客户有多少

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND m.register_channel IN (?)
-- args ["2026-11-22","小程序"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND m.register_channel IN (?)
-- args ["2026-11-22","小程序"]
