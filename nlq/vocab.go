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
)

// vocab is the fixed vocabulary of spec semantics.md: a new phrasing is a
// row here, not a new rule. Values from the warehouse (categories, brands,
// cities, levels, channels, segment names) are added from the catalog.
var vocab = []struct {
	kind  Kind
	val   string
	words []string
}{
	{KBuy, "", []string{"下过单", "下过订单", "下过", "下了", "有下单", "有过下单", "买过单", "买过", "买了", "买", "购买过", "购买了", "购买", "购入", "下单过", "下单了", "下单", "消费过", "入手过", "入手了", "入手", "有购买", "有过购买", "有消费", "买入", "选购过", "购买过的", "订购过", "订购"}},
	{KNeg, "", []string{"没", "没有", "未", "未曾", "不曾", "没再", "没有再", "不再"}},
	{KNever, "", []string{"从未", "从来没", "从来没有", "从没", "从没有", "一直没", "一直没有", "从来未", "从不", "从来不"}},
	{KExclude, "", []string{"不是", "非", "不属于", "并非", "排除", "排除掉", "去掉", "去除", "剔除", "不包括", "不包含", "除去", "扣除", "除了", "不在", "不来自"}},
	{KRegister, "", []string{"注册", "注册的", "开卡", "入会", "注册时间", "注册时长", "入会时间", "开卡时间", "成为会员"}},
	{KNewReg, "", []string{"新注册", "新入会", "新开卡", "新增会员", "新增用户", "新注册会员", "新注册用户", "新注册客户", "新入会会员", "新增", "新加入", "新入会的"}},
	{KBirthday, "", []string{"生日", "过生日", "的生日", "生日在"}},
	{KRepeatBuyer, "", []string{"复购客户", "复购的客户", "复购用户", "复购会员", "回头客", "复购人群", "多次购买的客户"}},
	{KFirstBuy, "", []string{"首次购买", "首购", "第一次购买", "首单", "首次下单", "第一次下单", "首次消费", "第一次消费"}},
	{KTimeRel, "", []string{"过去", "近", "最近", "最近的", "过去的", "在过去", "近期的"}},
	{KTimeUnit, "d", []string{"天", "日", "天内", "日内", "天里"}},
	{KTimeUnit, "w", []string{"周", "星期", "个星期", "周内", "礼拜", "个礼拜"}},
	{KTimeUnit, "m", []string{"个月", "个月内", "个月里", "月内"}},
	{KTimeUnit, "q", []string{"季度", "个季度"}},
	{KTimeUnit, "y", []string{"年内", "年里"}},
	{KYear, "", []string{"年", "年度"}},
	{KExcept, "", []string{"以外", "之外", "以外的", "之外的"}},
	{KShare, "", []string{"占比", "比例", "份额", "百分比", "占比情况", "所占比例", "的占比"}},
	{KPeriod, "h1", []string{"上半年", "上半年度"}},
	{KPeriod, "h2", []string{"下半年", "下半年度"}},
	{KPeriod, "q1", []string{"第一季度", "第1季度", "一季度", "1季度", "q1", "一季"}},
	{KPeriod, "q2", []string{"第二季度", "第2季度", "二季度", "2季度", "q2", "二季"}},
	{KPeriod, "q3", []string{"第三季度", "第3季度", "三季度", "3季度", "q3", "三季"}},
	{KPeriod, "q4", []string{"第四季度", "第4季度", "四季度", "4季度", "q4", "四季"}},
	{KMonthMark, "", []string{"月", "月份"}},
	{KDayMark, "", []string{"号"}},
	{KTimeFixed, "this_month", []string{"本月", "这个月", "当月", "本月份"}},
	{KTimeFixed, "last_month", []string{"上个月", "上月", "上一个月"}},
	{KTimeFixed, "next_month", []string{"下个月", "下月", "下一个月"}},
	{KTimeFixed, "this_year", []string{"今年", "本年", "本年度", "今年以来"}},
	{KTimeFixed, "last_year", []string{"去年", "上一年", "去年一年"}},
	{KTimeFixed, "year_before_last", []string{"前年"}},
	{KTimeFixed, "this_week", []string{"本周", "这周", "这个星期", "这一周"}},
	{KTimeFixed, "last_week", []string{"上周", "上个星期", "上一周"}},
	{KTimeFixed, "this_quarter", []string{"本季度", "这个季度"}},
	{KTimeFixed, "last_quarter", []string{"上季度", "上个季度", "上一季度"}},
	{KTimeFixed, "today", []string{"今天", "当天", "今日"}},
	{KTimeFixed, "yesterday", []string{"昨天", "昨日"}},
	{KTimeFixed, "all", []string{"历史上", "有史以来", "所有时间", "全部时间"}},
	{KFrom, "", []string{"从", "自"}},
	{KTo, "", []string{"到", "至", "-", "~", "到了"}},
	{KSince, "", []string{"以来", "之后", "以后", "起", "开始"}},
	{KBefore, "", []string{"之前", "以前"}},
	{KMeasure, "spend", []string{"消费金额", "消费", "消费额", "花了", "花费", "购买金额", "累计消费金额", "总消费", "总消费金额", "消费总额", "花", "支付金额", "金额", "销售额", "销售金额", "营业额", "成交额", "成交金额", "gmv", "实付金额", "付款金额"}},
	{KMeasure, "orders", []string{"订单数", "购买次数", "下单次数", "消费次数", "订单量", "单数", "订单数量", "次数", "购买频次"}},
	{KMeasure, "aov", []string{"平均订单金额", "笔单价", "平均每单金额", "单均价"}},
	{KMeasure, "arpu", []string{"客单价", "人均消费", "人均消费金额", "平均消费金额", "平均消费", "人均花费", "人均消费额"}},
	{KMeasure, "repurchase", []string{"复购率", "回购率", "重复购买率"}},
	{KMeasure, "clv", []string{"预测价值", "未来一年预测价值", "预测未来一年价值", "预测未来一年的价值", "未来一年价值", "未来一年的价值", "未来一年的预测价值", "预测消费金额", "预测客户价值", "客户终身价值", "预测的价值", "clv", "ltv"}},
	{KMeasure, "exp_purchases", []string{"预测购买次数", "预计购买次数", "未来一年购买次数", "未来一年预计购买次数", "预测订单数"}},
	{KMeasure, "p_alive", []string{"活跃概率", "存活概率", "留存概率"}},
	{KMeasure, "new_customers", []string{"新客数", "新客户数", "新增客户数", "新客数量", "新客户数量", "新客人数", "新增客户", "首购客户数"}},
	{KMeasure, "customers", []string{"客户数", "客户数量", "顾客数", "会员数", "用户数", "人数", "客户人数"}},
	{KCmp, ">", []string{"超过", "大于", "高于", "多于", "超出"}},
	{KCmp, ">=", []string{"不少于", "至少", "大于等于", "不低于", "起码", "大于或等于", "满", "已满", "已经满"}},
	{KCmp, "<", []string{"少于", "低于", "不到", "小于", "不足", "未满", "不满"}},
	{KCmp, "<=", []string{"不超过", "小于等于", "不高于", "至多", "不多于", "小于或等于"}},
	{KCmp, "=", []string{"等于", "正好", "恰好"}},
	{KPostCmp, ">=", []string{"以上", "及以上", "或以上", "或更多", "及更多", "以上的"}},
	{KPostCmp, "<=", []string{"以下", "及以下", "或以下", "以内"}},
	{KBetween, "", []string{"之间", "区间"}},
	{KMoneyUnit, "", []string{"元", "块", "块钱", "rmb", "元钱"}},
	{KTimesUnit, "", []string{"次", "单", "笔", "回"}},
	{KAgeUnit, "", []string{"岁", "周岁"}},
	{KAge, "", []string{"年龄", "年纪", "岁数", "年龄在"}},
	{KGeneration, "", []string{"后"}},
	{KAnd, "", []string{"和", "与", "及", "以及", "并且", "且", "同时", "、", "并", "还", "而且", "跟", "加", "也", "又"}},
	{KOr, "", []string{"或", "或者", "或是", "还是"}},
	{KBut, "", []string{"但", "但是", "却", "而", "不过", "可是"}},
	{KAll, "", []string{"都", "均", "全都"}},
	{KIn, "", []string{"在", "通过", "于", "经"}},
	{KAmong, "", []string{"中", "其中", "里", "当中", "之中", "里面", "中的"}},
	{KGroup, "", []string{"各", "每个", "每", "按", "按照", "不同", "各个", "分", "每一个", "根据"}},
	{KDim, "rfm", []string{"rfm分群", "rfm", "分群", "客户分群", "rfm类别", "rfm分类", "价值分群", "客户价值分群", "rfm客户分群", "rfm分层", "分层"}},
	{KDim, "lifecycle", []string{"生命周期", "生命周期阶段", "阶段", "客户生命周期", "生命周期分群"}},
	{KDim, "city", []string{"城市"}},
	{KDim, "province", []string{"省份", "省"}},
	{KDim, "gender", []string{"性别"}},
	{KDim, "member_level", []string{"会员等级", "等级", "会员级别", "级别", "卡等级"}},
	{KDim, "register_channel", []string{"注册渠道", "来源渠道", "入会渠道"}},
	{KDim, "channel", []string{"渠道", "购买渠道", "下单渠道", "销售渠道"}},
	{KDistribution, "", []string{"分布", "分别", "分组", "统计", "来看", "拆分", "细分", "维度"}},
	{KTop, "", []string{"前", "top", "排名前", "头部"}},
	{KRank, "", []string{"名", "位", "个", "名的", "强"}},
	{KHighest, "desc", []string{"最高", "最多", "最大", "最高的", "最多的", "最大的"}},
	{KHighest, "asc", []string{"最低", "最少", "最小", "最低的", "最少的", "最小的"}},
	{KSortWord, "", []string{"排序", "排名", "排列", "排行", "从高到低排序", "降序排列", "降序排序"}},
	{KSortDir, "desc", []string{"从高到低", "降序", "由高到低", "倒序", "从多到少"}},
	{KSortDir, "asc", []string{"从低到高", "升序", "由低到高", "从少到多"}},
	{KRecentBuy, "", []string{"最近购买", "最近下单", "最近买", "最新购买", "最近购买时间", "最近购买日期", "最近下单时间", "最后购买时间", "最近一次购买", "最近一次购买时间"}},
	{KCount, "", []string{"多少", "几", "数量", "数", "有多少", "是多少", "多少人", "多少个", "几个", "几位", "多少位", "多少名", "总数", "共多少", "一共多少", "总共多少", "数目", "个数", "人数是多少", "count", "计数"}},
	{KList, "", []string{"哪些", "名单", "列表", "有哪些", "是哪些", "有谁", "是谁", "清单", "明细", "都有谁", "哪些人", "列出", "列一下", "找出", "筛选出", "圈出", "圈选", "导出"}},
	{KWho, "", []string{"客户", "顾客", "会员", "用户", "人", "消费者", "买家", "客人", "人群", "客群", "群体", "粉丝", "customer", "customers"}},
	{KFiller, "", []string{"的", "了", "呢", "吗", "吧", "啊", "请", "帮我", "帮忙", "麻烦", "查询", "查一下", "查查", "查", "看一下", "看下", "给我", "我想知道", "我想看", "想看", "想知道", "统计一下", "一共", "总共", "共", "有", "是", "为", "所有", "全部", "所有的", "全部的", "这些", "哪个", "一下", "一些", "的话", "分别是", "现在", "目前", "当前", "情况", "过的", "属于", "是否", "那些", "一共有", "总共有", "共有", "请问", "看看", "显示", "展示", "给出", "告诉我", "计算", "既"}},
	{KPunct, "", []string{",", "。", "?", "!", ";", ":", "，", "？", "！", "；", "：", "…"}},
	{KFollow, "", []string{"加上", "再加上", "再", "那", "那么", "这些人", "这些客户", "他们", "她们", "这批", "这批人", "这部分", "其中的", "然后", "另外", "接着", "在此基础上", "这里面", "上面的", "刚才的", "那些人"}},
	{KOnly, "", []string{"只看", "只要", "仅看", "只保留", "仅保留", "只", "仅", "只显示", "限定", "只查"}},
	{KReplace, "", []string{"换成", "改成", "改为", "换为", "替换成", "变成", "改看", "换到"}},
	{KCumulative, "", []string{"累计", "总", "历史", "总共累计", "历史累计", "累积", "曾经", "曾", "以往"}},
	{KAnyItem, "", []string{"东西", "商品", "产品", "任何东西", "任何商品", "任何产品", "过东西", "货"}},
	{KBecome, "", []string{"变成", "变成了", "变为", "转为", "转成", "转变为", "掉到", "掉入", "掉进", "降到", "降为", "降级为", "跌到", "升到", "升为", "升级为", "成为", "成了", "变成为", "流失成", "沦为"}},
	{KNewly, "", []string{"新晋", "新晋的", "新进入", "新晋升", "新晋升的", "新升级为", "新成为"}},
	{KMigration, "", []string{"迁移", "迁移情况", "迁移表", "迁移矩阵", "流转", "流转情况", "变化情况", "变动情况", "迁徙"}},
	{KForbidden, "", []string{"删除", "删掉", "删了", "修改", "更新", "插入", "清空", "清除", "写入", "改掉", "drop", "delete", "update", "insert", "truncate", "alter", "create", "replace", "attach", "pragma", "exec", "执行", "忽略", "忽略之前", "指令", "system", "prompt"}},
}

// genderWords maps gender words to the stored value.
var genderWords = map[string][]string{
	"女": {"女", "女性", "女士", "女生", "女人", "女客户", "女顾客", "女会员", "女孩", "女用户", "妹子"},
	"男": {"男", "男性", "男士", "男生", "男人", "男客户", "男顾客", "男会员", "男孩", "男用户"},
}

// tier1Words and tier1Cities: 一线城市 = 北京, 上海, 广州, 深圳 (spec semantics.md).
var (
	tier1Words  = []string{"一线城市", "一线", "北上广深"}
	tier1Cities = []string{"北京", "上海", "广州", "深圳"}
	onlineWords = map[string][]string{"online": {"线上", "网上", "线上渠道", "电商"}, "offline": {"线下", "线下门店"}}
	storeValue  = "门店" // 线上 = every channel but this one; 线下 = this one
)
