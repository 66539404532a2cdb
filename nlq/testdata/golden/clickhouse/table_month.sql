question: 近6个月每月的消费金额

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT substr(toString(po.date), 1, 7) AS "月份", sum(po.pay_cents) / 100.0 AS "消费金额"
FROM purchase_orders po
WHERE po.date BETWEEN ? AND ?
GROUP BY "月份" HAVING substr(toString(po.date), 1, 7) IS NOT NULL ORDER BY "月份"
-- args ["2026-05-23","2026-11-22"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT substr(toString(po.date), 1, 7) AS "月份", sum(po.pay_cents) / 100.0 AS "消费金额"
FROM purchase_orders po
WHERE po.date BETWEEN ? AND ?
GROUP BY "月份" HAVING substr(toString(po.date), 1, 7) IS NOT NULL ORDER BY "月份"
-- args ["2026-05-23","2026-11-22"]
