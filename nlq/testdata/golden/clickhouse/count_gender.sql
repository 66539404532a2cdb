question: 近1个月买过睫毛膏的女性客户有多少

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND (m.customer_key IN (SELECT arrayJoin(bitmapToArray(groupBitmapMergeState(pb.customers))) FROM purchase_bitmaps pb WHERE pb.product_key IN (SELECT p.id FROM products p WHERE (p.category = ?)) AND pb.date BETWEEN ? AND ?) AND m.gender IN (?))
-- args ["2026-11-22","睫毛膏","2026-10-23","2026-11-22","女"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND (m.customer_key IN (SELECT pl.customer_key FROM purchase_lines pl WHERE pl.product_key IN (SELECT p.id FROM products p WHERE (p.category = ?)) AND pl.date BETWEEN ? AND ?) AND m.gender IN (?))
-- args ["2026-11-22","睫毛膏","2026-10-23","2026-11-22","女"]
