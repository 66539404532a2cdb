question: 各渠道的订单数

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT po.channel AS "购买渠道", count(*) AS "订单数"
FROM purchase_orders po
WHERE po.date BETWEEN ? AND ?
GROUP BY "购买渠道" HAVING po.channel IS NOT NULL ORDER BY "订单数" DESC, "购买渠道"
-- args ["0000-01-01","2026-11-22"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT po.channel AS "购买渠道", count(*) AS "订单数"
FROM purchase_orders po
WHERE po.date BETWEEN ? AND ?
GROUP BY "购买渠道" HAVING po.channel IS NOT NULL ORDER BY "订单数" DESC, "购买渠道"
-- args ["0000-01-01","2026-11-22"]
