package server

import (
	"context"
	"testing"
)

// BenchmarkAskSeed: the whole ask path (parse, compile, guarded execution of
// count + first 50 rows, explanation) on the public warehouse.
func BenchmarkAskSeed(b *testing.B) {
	svc := MustOpenService(b)
	limit := 50
	req := AskRequest{Question: "过去3个月买过口红没买过粉底液的重要价值客户", Limit: &limit}
	for b.Loop() {
		if a, err := svc.Ask(context.Background(), req); err != nil || a.Status != "ok" {
			b.Fatal(err)
		}
	}
}
