question: 各会员等级的流失率

-- sql (server before 21.x: false; purchase bitmaps: true)
SELECT g AS "会员等级", round(sum(lost) * 1.0 / nullif(sum(buyer), 0), 4) AS "流失率"
FROM (SELECT m.member_level AS g, m.customer_key AS ck, (m.lifecycle = ?) AS lost, (m.lifecycle IN (?, ?)) AS act, (m.first_date IS NOT NULL) AS buyer, g2_gap AS gap
FROM customer_measures m
ANY LEFT JOIN (SELECT po2.customer_key AS customer_key, toRelativeDayNum(toDate(arraySort(groupArray(po2.date))[2])) - toRelativeDayNum(toDate(min(po2.date))) AS g2_gap FROM purchase_orders po2 WHERE po2.date <= ? GROUP BY po2.customer_key HAVING count() >= 2) g2 USING customer_key
WHERE m.as_of = ?)
WHERE g IS NOT NULL
GROUP BY g
ORDER BY "流失率" DESC, g
-- args ["流失客户","新客户","活跃客户","2026-11-22","2026-11-22"]

-- sql (server before 21.x: true; purchase bitmaps: false)
SELECT g AS "会员等级", round(sum(lost) * 1.0 / nullif(sum(buyer), 0), 4) AS "流失率"
FROM (SELECT m.member_level AS g, m.customer_key AS ck, (m.lifecycle = ?) AS lost, (m.lifecycle IN (?, ?)) AS act, (m.first_date IS NOT NULL) AS buyer, g2_gap AS gap
FROM customer_measures m
ANY LEFT JOIN (SELECT po2.customer_key AS customer_key, toRelativeDayNum(toDate(arraySort(groupArray(po2.date))[2])) - toRelativeDayNum(toDate(min(po2.date))) AS g2_gap FROM purchase_orders po2 WHERE po2.date <= ? GROUP BY po2.customer_key HAVING count() >= 2) g2 USING customer_key
WHERE m.as_of = ?)
WHERE g IS NOT NULL
GROUP BY g
ORDER BY "流失率" DESC, g
-- args ["流失客户","新客户","活跃客户","2026-11-22","2026-11-22"]
