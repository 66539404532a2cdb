package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/server"
)

var mix = []string{
	"过去3个月买过口红没买过粉底液的重要价值客户", "近30天买过香奈儿的客户", "近一周买过资生堂的客户", "最近90天购买过眼影的会员有哪些",
	"近1个月买过睫毛膏的女性客户有多少", "重要价值客户的数量是多少", "一般发展客户有哪些", "从未买过面霜的重要保持客户", "沉默客户中买过防晒霜的",
	"杭州的女性客户中近3个月买过洗发水的", "30岁以上的重要价值客户有多少", "近3个月在门店买过口红的客户", "近3个月线上买过香水的客户",
	"近一年消费超过3000块的客户", "近一年买了3次以上的客户", "近3个月消费金额前10的客户", "上个月买过口红的客户", "各RFM分群的客户数",
	"各城市的重要价值客户数量", "各会员等级的复购率",
}

func main() {
	ctx := context.Background()
	svc, err := server.NewService(ctx, os.Args[1], executor.Options{Timeout: 2 * time.Minute, MaxRows: 2_000_000})
	if err != nil {
		panic(err)
	}
	svc.NoCache = true
	qs := mix
	if len(os.Args) > 2 {
		qs = os.Args[2:]
	}
	limit := 50
	var all []time.Duration
	for _, q := range qs {
		var ts []time.Duration
		var a *server.Answer
		for r := 0; r < 7; r++ {
			s := time.Now()
			a, err = svc.Ask(ctx, server.AskRequest{Question: q, Limit: &limit})
			if err != nil {
				panic(err)
			}
			ts = append(ts, time.Since(s))
		}
		all = append(all, ts...)
		sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
		fmt.Printf("%8.2f ms  total=%-7d %s %s\n", float64(ts[3].Microseconds())/1000, a.Total, a.Status, q)
		if os.Getenv("SQL") != "" {
			fmt.Println(a.SQL)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	fmt.Printf("p50 %.2f ms p99 %.2f ms\n", float64(all[len(all)/2].Microseconds())/1000, float64(all[len(all)*99/100].Microseconds())/1000)
}
