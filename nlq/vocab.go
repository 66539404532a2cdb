package nlq

// Kind is a token's part of speech in the question grammar.
type Kind int

const (
	KUnknown      Kind = iota
	KNum               // a number: 3, 三十五, 2千, 1.5万, 半
	KDate              // a full date: 2026-09-03, 2026年9月3日
	KItem              // a category, L1 category, brand or product name from the warehouse
	KCity              // a city from the warehouse
	KProvince          // a province from the warehouse
	KTier1             // 一线城市
	KLevel             // a member level from the warehouse
	KChannel           // a purchase or register channel from the warehouse
	KOnline            // 线上 / 线下
	KRFM               // an RFM class name
	KLifecycle         // a lifecycle stage name
	KGender            // 女性, 男士 …
	KBuy               // 买过, 购买, 下单过 …
	KNeg               // 没, 没有, 未, 不曾
	KNever             // 从未, 从来没, 一直没 …
	KExclude           // 排除, 去掉, 不包括 …
	KRegister          // 注册
	KNewReg            // 新注册
	KTimeRel           // 过去, 近, 最近
	KTimeUnit          // 天, 周, 个月, 年 … (Val: d, w, m, q, y)
	KTimeFixed         // 本月, 上个月, 今年, 去年 … (Val names it)
	KYear              // 年 after a number (2026年)
	KMonthMark         // 月 / 月份 after a number
	KExcept            // 以外, 之外 (门店以外: every other channel)
	KShare             // 占比, 比例 (a table's measures as shares of their total)
	KPeriod            // 上半年, 第三季度, Q3 … (Val: h1 h2 q1 … q4), of a year said before it or the latest one
	KDayMark           // 日 / 号
	KFrom              // 从, 自
	KTo                // 到, 至, -, ~
	KSince             // 以来, 之后, 起
	KBefore            // 之前, 以前
	KMeasure           // 消费金额, 订单数, 复购率 … (Val: measure key)
	KCmp               // 超过, 大于, 至少, 少于 … (Val: > >= < <=)
	KPostCmp           // 以上, 以下 (Val: >= <=)
	KBetween           // 之间
	KMoneyUnit         // 元, 块
	KTimesUnit         // 次, 单, 笔
	KAgeUnit           // 岁
	KAge               // 年龄
	KGeneration        // 后 (90后)
	KAnd               // 和, 与, 、, 并且 …
	KOr                // 或, 或者
	KBut               // 但, 但是, 却, 而
	KAll               // 都
	KIn                // 在, 通过
	KAmong             // 中, 其中, 里, 当中
	KGroup             // 各, 每个, 按, 不同 …
	KDim               // 城市, 性别, 渠道, RFM分群 … (Val: dimension key)
	KDistribution      // 分布, 分别 (after a dimension)
	KTop               // 前, top
	KRank              // 名, 位, 个
	KHighest           // 最高, 最多 (Val: desc) / 最低, 最少 (asc)
	KSortWord          // 排序, 排名, 排列
	KSortDir           // 从高到低, 降序 … (Val: desc / asc)
	KRecentBuy         // 最近购买 (as a sort: 最近购买的客户)
	KCount             // 多少, 几, 数量, 人数 …
	KList              // 哪些, 名单, 列表 …
	KWho               // 客户, 顾客, 会员, 用户, 人 …
	KFiller            // 的, 了, 呢, 请, 帮我 … (carry no meaning)
	KPunct             // , 。 ? ! (clause breaks)
	KFollow            // 再, 那, 这些 … (marks a follow-up)
	KOnly              // 只看, 仅看 (a follow-up that narrows or replaces)
	KReplace           // 换成, 改成 (a follow-up that replaces)
	KCumulative        // 累计, 总, 历史 (measure over the scope)
	KForbidden         // 删除, 修改, drop … (a request to change data)
	KAnyItem           // 东西, 商品, 任何产品 (a purchase of anything)
	KPotential         // 高潜力客户 (top fifth of buyers by predicted value)
	KBecome            // 变成, 掉到, 升为 (a segment at an earlier snapshot becomes another now)
	KNewly             // 新晋 (in a segment now, not at the previous snapshot)
	KMigration         // 迁移, 流转 (a from-segment × to-segment table)
	KFirstBuy          // 首次购买 (first purchase in the window)
	KBirthday          // 生日, 过生日
	KRepeatBuyer       // 复购客户, 回头客 (two or more orders)
	KBuyer             // 购买者, 买家 (X的买家: who bought X)
	KCondWord          // 条件, 限制 (去掉…的条件: a follow-up drops a condition)
	KNoLimit           // 不限, 不管 (不限重要价值客户: drops it too)
	KFestival          // 双十一, 618 … (Val: MM-DD..MM-DD; a window)
	KPromo             // 用过优惠券 (Val: coupon), 参加过促销 (Val: promo)
	KNoOrder           // 一笔订单都没有, 没有订单 (no purchase at all in the window)
	KDropVerb          // 去了, 不要了, 删掉 after 条件 (把…这个条件去了: a follow-up drops it)
	KTag               // a behaviour tag: 高频购买型, 促销敏感的 … (Val: the tag's name)
	KStrategy          // 怎么运营, 有什么营销建议 (the answer is the segment's suggested action)
	KWhy               // 为什么, 什么原因 (the answer is what drove a change)
	KChange            // 变多, 上升 / 变少, 下降 (Val: up, down)
	KCompare           // 比, 相比 (和上个季度比: the snapshot compared with)
	KCohort            // a saved list's name (Val), found by ParseWith
	KThan              // 多, 高 / 少, 低 after 比 and an amount (比5000元多; Val: > or <)
	KVague             // 常买, 买得多 … words with no agreed cut-off (Val: what to say instead)
)

// Promotions a purchase may be restricted to (Cond.Promo).
const (
	PromoCoupon = "coupon" // coupon_used = 1
	PromoAny    = "promo"  // coupon_used = 1 or discount_amount > 0
)

// kindNames are the kinds a lexicon line may name (nlq/lexicon/*.lex). The
// others (numbers, dates, the warehouse's own values) come from the lexer
// and the catalog.
var kindNames = map[string]Kind{
	"buyer":        KBuyer,
	"cond_word":    KCondWord,
	"no_limit":     KNoLimit,
	"drop_verb":    KDropVerb,
	"tag":          KTag,
	"strategy":     KStrategy,
	"why":          KWhy,
	"change":       KChange,
	"compare":      KCompare,
	"than":         KThan,
	"vague":        KVague,
	"festival":     KFestival,
	"promo":        KPromo,
	"no_order":     KNoOrder,
	"tier1":        KTier1,
	"online":       KOnline,
	"gender":       KGender,
	"buy":          KBuy,
	"neg":          KNeg,
	"never":        KNever,
	"exclude":      KExclude,
	"register":     KRegister,
	"new_reg":      KNewReg,
	"time_rel":     KTimeRel,
	"time_unit":    KTimeUnit,
	"time_fixed":   KTimeFixed,
	"year":         KYear,
	"month_mark":   KMonthMark,
	"except":       KExcept,
	"share":        KShare,
	"period":       KPeriod,
	"day_mark":     KDayMark,
	"from":         KFrom,
	"to":           KTo,
	"since":        KSince,
	"before":       KBefore,
	"measure":      KMeasure,
	"cmp":          KCmp,
	"post_cmp":     KPostCmp,
	"between":      KBetween,
	"money_unit":   KMoneyUnit,
	"times_unit":   KTimesUnit,
	"age_unit":     KAgeUnit,
	"age":          KAge,
	"generation":   KGeneration,
	"and":          KAnd,
	"or":           KOr,
	"but":          KBut,
	"all":          KAll,
	"in":           KIn,
	"among":        KAmong,
	"group":        KGroup,
	"dim":          KDim,
	"distribution": KDistribution,
	"top":          KTop,
	"rank":         KRank,
	"highest":      KHighest,
	"sort_word":    KSortWord,
	"sort_dir":     KSortDir,
	"recent_buy":   KRecentBuy,
	"count":        KCount,
	"list":         KList,
	"who":          KWho,
	"filler":       KFiller,
	"punct":        KPunct,
	"follow":       KFollow,
	"only":         KOnly,
	"replace":      KReplace,
	"cumulative":   KCumulative,
	"forbidden":    KForbidden,
	"any_item":     KAnyItem,
	"potential":    KPotential,
	"become":       KBecome,
	"newly":        KNewly,
	"migration":    KMigration,
	"first_buy":    KFirstBuy,
	"birthday":     KBirthday,
	"repeat_buyer": KRepeatBuyer,
}

// tier1Cities: 一线城市 = 北京, 上海, 广州, 深圳 (spec semantics.md).
var (
	tier1Cities = []string{"北京", "上海", "广州", "深圳"}
	storeValue  = "门店" // 线上 = every channel but this one; 线下 = this one
)
