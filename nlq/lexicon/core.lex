# chatbi's core lexicon: how marketers say each part of a question.
# One line a sense: KIND[=VALUE]: word word word ...  (words separated by spaces;
# a word is matched after normalization: full-width folded, lower case, no spaces).
# The longest word wins; a surface keeps the first sense it is given. Values from the
# warehouse (categories, brands, cities, levels, channels, segments) come from its
# catalog, not from here. A retailer adds words in a file of its own (README).

buy: 下过单 下过订单 下过 下了 有下单 有过下单 买过单 买过 买了 买 购买过 购买了 购买 购入 下单过 下单了 下单 消费过 入手过 入手了 入手 有购买 有过购买 有消费 买入 选购过 购买过的 订购过 订购 下 来买过 来买 来消费过 来消费 来店买过 过来买过 成交过 成交了 成交 有过订单 有订单 有过订单记录 有订单记录 有过下单记录
neg: 没 没有 未 未曾 不曾 没再 没有再 不再 一单都没 一单也没 一次都没 一次也没 一笔都没 一笔也没 都没 也没 再也没 再也没有 都没有 没有任何 没任何 无任何 没有过任何 完全没有 完全没 根本没有 根本没 压根没有 压根没 从头到尾没 还没 还没有 尚未 仍未 还未 从没在这段时间 在这段时间没 这段时间都没 这段时间没 期间没有 期间没
never: 从未 从来没 从来没有 从没 从没有 一直没 一直没有 从来未 从不 从来不
exclude: 不是 非 不属于 并非 排除 排除掉 去掉 去除 剔除 不包括 不包含 除去 扣除 除了 不在 不来自
register: 注册 注册的 开卡 入会 注册时间 注册时长 入会时间 开卡时间 成为会员
new_reg: 新注册 新入会 新开卡 新增会员 新增用户 新注册会员 新注册用户 新注册客户 新入会会员 新增 新加入 新入会的
birthday: 生日 过生日 的生日 生日在
repeat_buyer: 复购客户 复购的客户 复购用户 复购会员 回头客 复购人群 多次购买的客户
first_buy: 首次购买 首购 第一次购买 首单 首次下单 第一次下单 首次消费 第一次消费
time_rel: 过去 近 最近 最近的 过去的 在过去 近期的
time_unit=d: 天 日 天内 日内 天里
time_unit=w: 周 星期 个星期 周内 礼拜 个礼拜
time_unit=m: 个月 个月内 个月里 月内
time_unit=q: 季度 个季度
time_unit=y: 年内 年里
year: 年 年度
except: 以外 之外 以外的 之外的
share: 占比 比例 份额 百分比 占比情况 所占比例 的占比
period=h1: 上半年 上半年度
period=h2: 下半年 下半年度
period=q1: 第一季度 第1季度 一季度 1季度 q1 一季
period=q2: 第二季度 第2季度 二季度 2季度 q2 二季
period=q3: 第三季度 第3季度 三季度 3季度 q3 三季
period=q4: 第四季度 第4季度 四季度 4季度 q4 四季
month_mark: 月 月份
day_mark: 号
time_fixed=this_month: 本月 这个月 当月 本月份
time_fixed=last_month: 上个月 上月 上一个月
time_fixed=next_month: 下个月 下月 下一个月
time_fixed=this_year: 今年 本年 本年度 今年以来
time_fixed=last_year: 去年 上一年 去年一年
time_fixed=year_before_last: 前年
time_fixed=this_week: 本周 这周 这个星期 这一周
time_fixed=last_week: 上周 上个星期 上一周
time_fixed=this_quarter: 本季度 这个季度
time_fixed=last_quarter: 上季度 上个季度 上一季度
time_fixed=today: 今天 当天 今日
time_fixed=yesterday: 昨天 昨日
time_fixed=all: 历史上 有史以来 所有时间 全部时间
from: 从 自
to: 到 至 - ~ 到了
since: 以来 之后 以后 起 开始
before: 之前 以前
measure=spend: 卖了多少钱 卖了多少 卖出多少钱 卖了 消费金额 消费 消费额 花了 花费 购买金额 累计消费金额 总消费 总消费金额 消费总额 花 支付金额 金额 销售额 销售金额 营业额 成交额 成交金额 gmv 实付金额 付款金额 花钱 花的钱 花销 花了多少钱
measure=orders: 订单数 购买次数 下单次数 消费次数 订单量 单数 订单数量 次数 购买频次
measure=aov: 平均订单金额 笔单价 平均每单金额 单均价 平均每单 每单平均 平均每单金额 单均 平均每笔 每笔平均
measure=arpu: 客单价 人均消费 人均消费金额 平均消费金额 平均消费 人均花费 人均消费额
measure=repurchase: 复购率 回购率 重复购买率
measure=clv: 预测价值 未来一年预测价值 预测未来一年价值 预测未来一年的价值 未来一年价值 未来一年的价值 未来一年的预测价值 预测消费金额 预测客户价值 客户终身价值 预测的价值 clv ltv
measure=exp_purchases: 预测购买次数 预计购买次数 未来一年购买次数 未来一年预计购买次数 预测订单数
measure=p_alive: 活跃概率 存活概率 留存概率
measure=new_customers: 新客数 新客户数 新增客户数 新客数量 新客户数量 新客人数 新增客户 首购客户数
measure=customers: 客户数 客户数量 顾客数 会员数 用户数 人数 客户人数 会员数量 顾客数量 用户数量 客户的数量 会员的数量
cmp=>: 超过 大于 高于 多于 超出 超 超了 超出了
cmp=>=: 不少于 至少 大于等于 不低于 起码 大于或等于 满 已满 已经满 不小于 达到 达 到达
cmp=<: 少于 低于 不到 小于 不足 未满 不满
cmp=<=: 不超过 小于等于 不高于 至多 不多于 小于或等于 不大于
cmp==: 等于 正好 恰好
post_cmp=>=: 以上 及以上 或以上 或更多 及更多 以上的
post_cmp=<=: 以下 及以下 或以下 以内
between: 之间 区间
money_unit: 元 块 块钱 rmb 元钱
times_unit: 次 单 笔 回
age_unit: 岁 周岁
age: 年龄 年纪 岁数 年龄在
generation: 后
and: 和 与 及 以及 并且 且 同时 、 并 还 而且 跟 加 也 又
or: 或 或者 或是 还是 /
but: 但 但是 却 而 不过 可是
all: 都 均 全都
in: 在 通过 于 经 介于 处于 位于
among: 中 其中 里 当中 之中 里面 中的
group: 各 每个 每 按 按照 不同 各个 分 每一个 根据 每种 每一种 每类 每一类 每样 各种 各类
dim=rfm: rfm分群 rfm 分群 客户分群 rfm类别 rfm分类 价值分群 客户价值分群 rfm客户分群 rfm分层 分层
dim=lifecycle: 生命周期 生命周期阶段 阶段 客户生命周期 生命周期分群
dim=city: 城市
dim=province: 省份 省
dim=gender: 性别
dim=member_level: 会员等级 等级 会员级别 级别 卡等级
dim=register_channel: 注册渠道 来源渠道 入会渠道
dim=channel: 渠道 购买渠道 下单渠道 销售渠道 平台
distribution: 分布 分别 分组 统计 来看 拆分 细分 拆 拆开 拆开看 维度 看 构成 组成 结构 分布情况
top: 前 top 排名前 头部 排行前 排行榜前 排名在前 排前 排在前
rank: 名 位 个 名的 强
highest=desc: 最高 最多 最大 最高的 最多的 最大的
highest=asc: 最低 最少 最小 最低的 最少的 最小的
sort_word: 排序 排名 排列 排行 从高到低排序 降序排列 降序排序
sort_dir=desc: 从高到低 降序 由高到低 倒序 从多到少
sort_dir=asc: 从低到高 升序 由低到高 从少到多
recent_buy: 最近购买 最近下单 最近买 最新购买 最近购买时间 最近购买日期 最近下单时间 最后购买时间 最近一次购买 最近一次购买时间
count: 多少 几 多不多 多吗 较多吗 算多吗 多不多呢 数量 数 有多少 是多少 多少人 多少个 几个 几位 多少位 多少名 总数 共多少 一共多少 总共多少 数目 个数 人数是多少 count 计数 有多少个 有几个 有几位 有几人 几个人 多少个人 有多少位 有多少名 有多少人 一共多少人 总共多少人 共多少人
list: 哪些 名单 列表 有哪些 是哪些 有谁 是谁 清单 明细 都有谁 哪些人 列出 列一下 找出 筛选出 圈出 圈选 导出 列出来 拉出来 导出来 找出来 筛出来
who: 客户 顾客 会员 用户 人 消费者 客人 人群 客群 群体 粉丝 customer customers 老顾客 老客户 老客人 老会员 谁
filler: 期间 活动期 活动期间 大促 大促期间 当天期间 的 了 呢 吗 吧 啊 请 帮我 帮忙 麻烦 查询 查一下 查查 查 看一下 看下 给我 我想知道 我想看 想看 想知道 统计一下 一共 总共 共 有 是 为 所有 全部 所有的 全部的 哪个 一下 一些 的话 现在 目前 当前 情况 过的 属于 是否 一共有 总共有 共有 请问 看看 显示 展示 给出 告诉我 计算 既 拉一个 拉一份 拉个 拉一下 帮我拉 帮我拉一个 给我拉 查下 帮我查下 帮我查 帮我找出 找一下 我要一份 我要 我想要 要一份 能不能 能否 能不能帮我 可以帮我 想了解 了解一下 我想了解 记录 一件 时间 时间范围 日期 把 你好 您好 嗨 hi hello 贡献 贡献的 已经 已 住在 家住 居住在 常住 地区 一带 那边 这边 那一带 能帮我 能否帮我 可不可以帮我 可以帮我吗 能帮忙 吗 找找 找一找 找下 帮我找找 有过 一份 一份儿 调一下 调出 调取 帮我调 在我们这 在我们这里 在本店 在我们店 我们这 我们这里 本店 其中一个 其中之一 其一 之一 任意一个 任一 筛选一下 筛一下 你帮我 你给我 能查到 查到 能查 可以查到 你 有没有 内 两样 两种 这几样 这两样
punct: , 。 ? ! ; : ， ？ ！ ； ： … ( ) [ ] 【 】 「 」 《 》 〔 〕
follow: 加上 再加上 再 那 那么 这些人 这些客户 他们 她们 这批 这批人 这部分 其中的 然后 另外 接着 在此基础上 这里面 上面的 刚才的 那些人 再加个条件 加个条件 加一个条件 再加一个条件 再加条件 增加条件 增加一个条件 这些 那些
only: 只看 只要 仅看 只保留 仅保留 只 仅 只显示 限定 只查
replace: 换成 改成 改为 换为 替换成 变成 改看 换到
cumulative: 累计 总 历史 总共累计 历史累计 累积 曾经 曾 以往
any_item: 东西 商品 产品 任何东西 任何商品 任何产品 过东西 货
become: 变成 变成了 变为 转为 转成 转变为 掉到 掉入 掉进 降到 降为 降级为 跌到 升到 升为 升级为 成为 成了 变成为 流失成 沦为
newly: 新晋 新晋的 新进入 新晋升 新晋升的 新升级为 新成为
migration: 迁移 迁移情况 迁移表 迁移矩阵 流转 流转情况 变化情况 变动情况 迁徙
forbidden: 删除 删掉 删了 修改 更新 插入 清空 清除 写入 改掉 drop delete update insert truncate alter create replace attach pragma exec 执行 忽略 忽略之前 指令 system prompt
gender=女: 女 女性 女士 女生 女人 女客户 女顾客 女会员 女孩 女用户 妹子
gender=男: 男 男性 男士 男生 男人 男客户 男顾客 男会员 男孩 男用户
tier1: 一线城市 一线 北上广深
online=online: 线上 网上 线上渠道 电商
online=offline: 线下 线下门店 店里 店内 实体店 线下店

buyer: 购买者 购买人 买家 购买客户 购买用户 购买会员 购买人群 买主
cond_word: 条件 限制 筛选条件 这个条件 这一条件 筛选 限定条件
no_limit: 不限 不限制 不管 不区分 不论
# …这个条件去了 / 条件不要了: only after 条件 do these drop it; elsewhere they
# are not understood (去了门店 is not an exclusion).
drop_verb: 去 去了 不要 不要了 删 删掉 删了 删除 拿掉 拿掉吧 移除 取消 取消掉 撤掉 去掉吧
# Shopping festivals (spec semantics.md): a window each year. A retailer adds
# its own in its lexicon file: festival=09-20..09-25: 周年庆
festival=11-01..11-11: 双十一 双11 1111 双十一购物节
festival=12-01..12-12: 双十二 双12 1212
festival=06-01..06-18: 618 六一八 618大促
festival=03-01..03-08: 三八节 女神节 女王节 妇女节
# Coupons and promotions (spec semantics.md): a purchase with a coupon
# (coupon_used = 1), or with a coupon or a discount.
promo=coupon: 用过优惠券 使用过优惠券 用了优惠券 用过券 用券 使用优惠券 用优惠券 领券 用过优惠卷 使用过券
promo=promo: 参加过促销 参与过促销 享受过优惠 享受过折扣 参加过活动 参加促销 参与促销 有过折扣 享受优惠 用过折扣
# Rates over a group's buyers and the repurchase interval (spec semantics.md).
measure=churn_rate: 流失率 流失比例 流失占比 客户流失率
measure=active_rate: 活跃率 活跃度 活跃比例 活跃占比 客户活跃率
measure=repurchase_interval: 复购间隔 复购周期 平均复购间隔 回购间隔 复购时间间隔 首次购买到复购的时间 首购到复购的时间 首次购买到复购的间隔
# Item-level measures and groups (spec semantics.md): X的销售额, 销量, 购买人数;
# 各品类 / 各品牌 / 各商品 group order lines by the item.
measure=units: 销量 销售量 卖了多少件 卖出多少件 卖出几件 件数 销售件数 卖出件数 卖出的件数 卖出数量 售出件数
measure=buyers: 购买人数 购买客户数 买的人数 购买的人数 购买者数量 购买者人数
dim=category: 品类 类目 商品品类 商品类别 品类别
dim=category_l1: 大类 一级品类 一级类目 商品大类
dim=brand: 品牌 牌子
dim=product: 单品 商品名称 产品名称 sku
dim=tag: 行为标签 标签 行为类型 客户标签 购买行为标签 行为分群
# Asking how to act on a segment: the answer is its size and the suggested
# action (server/strategy).
strategy: 怎么运营 如何运营 该怎么运营 应该怎么运营 要怎么运营 怎样运营 运营策略 运营建议 营销策略 营销建议 运营方案 营销方案 怎么营销 如何营销 该怎么做 应该怎么做 怎么做 怎么办 如何维护 怎么维护 如何挽回 怎么挽回 如何召回 怎么召回 如何激活 怎么激活 怎么唤醒 如何唤醒 怎么跟进 如何跟进 策略建议 有什么建议 有什么策略 什么策略 用什么策略 采取什么策略 什么建议 什么营销建议 什么运营建议 有什么营销建议 有什么运营建议 有哪些建议 哪些建议 有什么办法 什么办法 有什么好办法 该做什么
# Why a segment or a rate changed between two snapshots (server/insight).
why: 为什么 为何 为啥 什么原因 是什么原因 原因是什么 因为什么 怎么回事 是什么导致 什么导致 的原因 原因
change=up: 变多 变多了 增加 增加了 增多 增多了 上升 上升了 升高 升高了 涨 涨了 上涨 上涨了 多了 提高 提高了 变高 变高了 增长 增长了 走高
change=down: 变少 变少了 减少 减少了 下降 下降了 降低 降低了 跌 跌了 下跌 少了 变低 变低了 下滑 下滑了 走低
change=any: 变 变了 变化 有变化 发生变化 变动 波动
compare: 比 相比 对比 相较 较 比起 相比于 相较于 比较
# Behaviour tags (spec semantics.md): the names and how marketers say them.
tag=高频购买型: 高频购买型 高频购买 高频客户 高频购买客户 高频消费客户 高频消费者 高频用户 高频买家 高频会员 购买频繁的 经常购买的 买得勤的
tag=偶发大额型: 偶发大额型 偶发大额 偶发大额客户 偶尔大额消费的 偶尔大额购买的 低频大额 低频大额客户 偶尔买但买得多的
tag=促销敏感型: 促销敏感型 促销敏感 促销敏感的 对促销敏感的 促销敏感客户 优惠敏感型 优惠敏感的 对优惠敏感的 价格敏感型 爱用券的 薅羊毛的 羊毛党
tag=品牌忠诚型: 品牌忠诚型 品牌忠诚 品牌忠诚的 品牌忠诚客户 忠于某个品牌的 忠于某一品牌的 忠于品牌的 品牌忠实 品牌忠实的 认准一个品牌的 只认一个品牌的
tag=品类探索型: 品类探索型 品类探索 品类探索的 品类探索客户 爱尝鲜的 喜欢尝试新品类的 多品类购买的 跨品类购买的 买很多品类的
# A whole negated purchase in one idiom: no completed order in the window.
no_order: 一笔订单都没有 一笔订单也没有 一个订单都没有 一个订单也没有 一单都没有 一单也没有 一笔都没有 一次都没有 一次也没有 没有订单 没有任何订单 零订单 没有订单记录 没有购买记录 没有消费记录 零消费 零购买 无消费 无订单
# 消费比5000元多: after 比 and an amount, the direction of the comparison.
than=>: 多 高 大 更多 更高 还多 还高 还要多 还要高 要多 要高
than=<: 少 低 小 更少 更低 还少 还低 还要少 还要低 要少 要低
# Words with no agreed cut-off: asked back with what to say instead (never
# guessed; the value names the reason in nlq/parser.go).
vague=freq: 常买 经常买 常常买 总买 老买 常来买 经常来买 买得多 买得比较多 买得很多 比较常买 经常消费 常消费 买的多
vague=big: 高消费 大客户 大户 有钱的 土豪 消费能力强 消费能力强的
