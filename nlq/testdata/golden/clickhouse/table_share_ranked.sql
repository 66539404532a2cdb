question: 近3个月消费金额占比最高的3个渠道

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT po.channel AS "购买渠道", sum(po.pay_cents) / 100.0 AS "消费金额", round((sum(po.pay_cents) / 100.0) * 1.0 / nullif(sum(sum(po.pay_cents) / 100.0) OVER (), 0), 4) AS "消费金额占比"
FROM purchase_orders po
WHERE po.date BETWEEN ? AND ?
GROUP BY "购买渠道" HAVING po.channel IS NOT NULL ORDER BY "消费金额" DESC, "购买渠道"
LIMIT ?
-- args ["2026-08-23","2026-11-22",3]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT *, round("消费金额" * 1.0 / nullif((SELECT sum("消费金额") FROM (SELECT po.channel AS "购买渠道", sum(po.pay_cents) / 100.0 AS "消费金额"
FROM purchase_orders po
WHERE po.date BETWEEN ? AND ?
GROUP BY "购买渠道" HAVING po.channel IS NOT NULL ORDER BY "消费金额" DESC, "购买渠道")), 0), 4) AS "消费金额占比"
FROM (SELECT po.channel AS "购买渠道", sum(po.pay_cents) / 100.0 AS "消费金额"
FROM purchase_orders po
WHERE po.date BETWEEN ? AND ?
GROUP BY "购买渠道" HAVING po.channel IS NOT NULL ORDER BY "消费金额" DESC, "购买渠道"
LIMIT ?)
-- args ["2026-08-23","2026-11-22","2026-08-23","2026-11-22",3]
