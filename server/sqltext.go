package server

import (
	"encoding/hex"
	"strconv"
	"strings"
)

// InlineSQL is a statement with its bound values written in as SQL
// literals, for a person to paste into another tool (the page's SQL panel,
// an export's header). It is never executed: values stay parameters there.
// A '?' inside a quoted literal or identifier is left alone.
func InlineSQL(sql string, args []any) string {
	var b strings.Builder
	next := 0
	var quote rune
	for _, r := range sql {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '?' && next < len(args):
			b.WriteString(sqlLiteral(args[next]))
			next++
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func sqlLiteral(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	case []byte:
		return "X'" + hex.EncodeToString(x) + "'"
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return "1"
		}
		return "0"
	}
	return "'" + strings.ReplaceAll(cellText(v), "'", "''") + "'"
}

// columnLabel is a result column as people read it; the API keeps the
// machine name (customer_id), pages and exports show this.
func columnLabel(col string) string {
	if l, ok := columnLabels[col]; ok {
		return l
	}
	return col
}

var columnLabels = map[string]string{"customer_id": "客户编号"}

// exportName is a download's file name: the question and the as-of date
// (重要价值客户-2026-11-22.xlsx), without characters file systems refuse.
func exportName(question, asOf, format string) string {
	q := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < 32 {
			return -1
		}
		return r
	}, strings.TrimSpace(question))
	if rs := []rune(q); len(rs) > 40 {
		q = string(rs[:40])
	}
	if q == "" {
		q = "chatbi"
	}
	return q + "-" + asOf + "." + format
}
