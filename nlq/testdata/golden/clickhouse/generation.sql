question: 90后女性客户有多少

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND (m.birth_date BETWEEN ? AND ? AND m.gender IN (?))
-- args ["2026-11-22","1990-01-01","1999-12-31","女"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND (m.birth_date BETWEEN ? AND ? AND m.gender IN (?))
-- args ["2026-11-22","1990-01-01","1999-12-31","女"]
