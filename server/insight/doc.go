// Package insight owns the why-analysis: "为什么流失客户变多了", "流失率为什么
// 上升了". It compares a segment metric — a segment's size, or its share of
// the buyers (流失率, 活跃率) — between two dated snapshots, decomposes the
// change over customer dimensions (city, register channel, member level,
// gender, age band, behaviour tag, the category a customer buys most) and
// grows a small tree (depth ≤ 2) of the groups that explain most of it.
//
// Each group's contribution is split, by a midpoint shift-share, into how
// much came from the metric changing inside the group (比例变化) and how much
// from the group's share of customers changing (人数结构变化); the two add up
// to the contribution and the contributions of a dimension add up to the
// change. A group is ranked by its excess: its contribution less what its
// share of customers alone would explain, so a large group is not a driver
// just for being large.
//
// Everything is computed from the snapshots' customer sets (roaring
// bitmaps): intersection counts, no customer rows, so an analysis costs
// milliseconds even at a million customers.
package insight
