question: 各渠道近3个月的订单数占比

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT po.channel AS "购买渠道", count(*) AS "订单数", round((count(*)) * 1.0 / nullif(sum(count(*)) OVER (), 0), 4) AS "订单数占比"
FROM purchase_orders po
WHERE po.date BETWEEN ? AND ?
GROUP BY "购买渠道" HAVING po.channel IS NOT NULL ORDER BY "订单数" DESC, "购买渠道"
-- args ["2026-08-23","2026-11-22"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT *, round("订单数" * 1.0 / nullif((SELECT sum("订单数") FROM (SELECT po.channel AS "购买渠道", count(*) AS "订单数"
FROM purchase_orders po
WHERE po.date BETWEEN ? AND ?
GROUP BY "购买渠道" HAVING po.channel IS NOT NULL ORDER BY "订单数" DESC, "购买渠道")), 0), 4) AS "订单数占比"
FROM (SELECT po.channel AS "购买渠道", count(*) AS "订单数"
FROM purchase_orders po
WHERE po.date BETWEEN ? AND ?
GROUP BY "购买渠道" HAVING po.channel IS NOT NULL ORDER BY "订单数" DESC, "购买渠道")
-- args ["2026-08-23","2026-11-22","2026-08-23","2026-11-22"]
