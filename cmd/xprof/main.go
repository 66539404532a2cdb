package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/chatbi/chatbi/executor"
)

func main() {
	x, err := executor.Open(os.Args[1], executor.Options{Timeout: 60 * time.Second, MaxRows: 2000000})
	if err != nil {
		panic(err)
	}
	db := x.DB()
	ctx := context.Background()
	for _, q := range os.Args[2:] {
		var best time.Duration
		var out any
		for i := 0; i < 5; i++ {
			t := time.Now()
			rows, err := db.QueryContext(ctx, q)
			if err != nil {
				panic(err)
			}
			n := 0
			for rows.Next() {
				n++
				if n == 1 {
					cols, _ := rows.Columns()
					v := make([]any, len(cols))
					p := make([]any, len(cols))
					for i := range v {
						p[i] = &v[i]
					}
					rows.Scan(p...)
					out = fmt.Sprint(v...)
					if len(out.(string)) > 60 {
						out = out.(string)[:60]
					}
				}
			}
			rows.Close()
			d := time.Since(t)
			if best == 0 || d < best {
				best = d
			}
			out = fmt.Sprintf("%v rows=%d", out, n)
		}
		fmt.Printf("%8.2f ms  %v  %.90s\n", float64(best.Microseconds())/1000, out, q)
	}
}
