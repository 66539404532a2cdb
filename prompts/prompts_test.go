package prompts

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestPromptFitsBudget: 5,000 categories do not fit; the prompt keeps the
// ones the question names and stays within the budget.
func TestPromptFitsBudget(t *testing.T) {
	var cats []string
	for i := 0; i < 5000; i++ {
		cats = append(cats, fmt.Sprintf("品类%04d号", i))
	}
	cats = append(cats, "玫瑰精油")
	in := Input{Question: "近3个月买过玫瑰精油的客户", AsOf: "2026-11-22", Segments: "RFM …",
		Catalog: []Section{{Name: "品类 category", Values: cats}}}
	for _, budget := range []int{1500, 4000} {
		pr, err := Render(in, budget)
		if err != nil {
			t.Fatal(err)
		}
		if pr.Tokens > budget || Count(pr.System)+Count(pr.User) > budget {
			t.Fatalf("budget %d: %d tokens", budget, pr.Tokens)
		}
		if !strings.Contains(pr.System, "玫瑰精油") || !strings.Contains(pr.System, "未列出") {
			t.Fatalf("budget %d: the named category or the omission note is missing", budget)
		}
	}
	if _, err := Render(in, 50); !errors.Is(err, ErrTooSmall) {
		t.Fatalf("tiny budget: %v", err)
	}
}
