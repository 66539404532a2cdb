package strategy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every segment a marketer can name has a default suggestion.
func TestDefaultCoversEverySegment(t *testing.T) {
	d := Default()
	for _, s := range Segments() {
		got := d.For([]string{s})
		if len(got) != 1 || len([]rune(got[0].Action)) < 20 {
			t.Errorf("%s: %+v", s, got)
		}
	}
}

func TestRetailerFileOverrides(t *testing.T) {
	dir := t.TempDir()
	shop := filepath.Join(dir, "shop.txt")
	os.WriteFile(shop, []byte("# 我们店的做法\n重要挽留客户：店长亲自电话回访，送一次免费护理。\n"), 0o644)
	tb, err := Load(shop)
	if err != nil {
		t.Fatal(err)
	}
	got := tb.For([]string{"重要挽留客户", "重要价值客户", "重要挽留客户", "不存在的分群"})
	if len(got) != 2 || got[0].Action != "店长亲自电话回访，送一次免费护理。" || got[1].Segment != "重要价值客户" ||
		got[1].Action != Default().For([]string{"重要价值客户"})[0].Action {
		t.Errorf("override: %+v", got)
	}
	for _, c := range []struct{ body, want string }{
		{"火星客户: 送飞船\n", "shop.txt:1"},
		{"# x\n重要价值客户\n", "shop.txt:2"},
		{"重要价值客户:   \n", "没有建议"},
	} {
		os.WriteFile(shop, []byte(c.body), 0o644)
		if _, err := Load(shop); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error naming %q", c.body, err, c.want)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.txt")); err == nil {
		t.Error("a missing file loads")
	}
}
