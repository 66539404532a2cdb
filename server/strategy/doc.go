// Package strategy owns the suggested action for each segment a marketer
// can name: the eight RFM classes, the lifecycle stages, 高潜力客户 and the
// behaviour tags. The default table is embedded (default.txt, written in
// our own words from what the customer-value literature recommends for each
// group); a retailer overrides any line with a file of the same form
// (CHATBI_STRATEGY). Answers whose conditions name a segment carry its
// suggestion; "重要挽留客户应该怎么运营" answers with it directly.
package strategy
