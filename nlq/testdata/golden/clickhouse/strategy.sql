question: 重要挽留客户应该怎么运营

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND m.rfm_class IN (?)
-- args ["2026-11-22","重要挽留客户"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND m.rfm_class IN (?)
-- args ["2026-11-22","重要挽留客户"]
