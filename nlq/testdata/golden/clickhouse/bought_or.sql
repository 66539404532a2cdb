question: 买过兰蔻或者雅诗兰黛的客户有多少

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND (m.customer_key IN (SELECT arrayJoin(bitmapToArray(groupBitmapMergeState(pb.customers))) FROM purchase_bitmaps pb WHERE pb.product_key IN (SELECT p.id FROM products p WHERE (p.brand = ?)) AND pb.date BETWEEN ? AND ?) OR m.customer_key IN (SELECT arrayJoin(bitmapToArray(groupBitmapMergeState(pb.customers))) FROM purchase_bitmaps pb WHERE pb.product_key IN (SELECT p.id FROM products p WHERE (p.brand = ?)) AND pb.date BETWEEN ? AND ?))
-- args ["2026-11-22","兰蔻","0000-01-01","2026-11-22","雅诗兰黛","0000-01-01","2026-11-22"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT count(*) AS "客户数"
FROM customer_measures m
WHERE m.as_of = ? AND (m.customer_key IN (SELECT pl.customer_key FROM purchase_lines pl WHERE pl.product_key IN (SELECT p.id FROM products p WHERE (p.brand = ?)) AND pl.date BETWEEN ? AND ?) OR m.customer_key IN (SELECT pl.customer_key FROM purchase_lines pl WHERE pl.product_key IN (SELECT p.id FROM products p WHERE (p.brand = ?)) AND pl.date BETWEEN ? AND ?))
-- args ["2026-11-22","兰蔻","0000-01-01","2026-11-22","雅诗兰黛","0000-01-01","2026-11-22"]
