package server

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"github.com/chatbi/chatbi/executor"
	"github.com/chatbi/chatbi/nlq"
)

// Export limits: a whole list, but not an unbounded one.
const (
	MaxExportRows = 2_000_000
	exportBudget  = 2 * time.Minute
)

// exportSig signs an answer's download for a format until expires.
func (s *Server) exportSig(id, format string, expires int64) string {
	m := hmac.New(sha256.New, s.cfg.ExportSecret)
	fmt.Fprintf(m, "%s.%s.%d", id, format, expires)
	return hex.EncodeToString(m.Sum(nil))
}

// exportLinks are the signed, expiring links for an answer (the chat page's
// buttons and the bots' "download the whole list" use them).
func (s *Server) exportLinks(id string) *ExportLinks {
	exp := s.cfg.Now().Add(s.cfg.ExportTTL).Unix()
	link := func(format string) string {
		q := url.Values{"expires": {strconv.FormatInt(exp, 10)}, "sig": {s.exportSig(id, format, exp)}}
		return "/api/v1/export/" + id + "." + format + "?" + q.Encode()
	}
	return &ExportLinks{CSV: link("csv"), XLSX: link("xlsx"), Expires: exp}
}

// ExportURL is the signed link for an answer in one format (for the bots).
func (s *Server) ExportURL(id, format string) string {
	l := s.exportLinks(id)
	if format == "xlsx" {
		return l.XLSX
	}
	return l.CSV
}

var errBadLink = newError(CodeUnauthorized, "下载链接无效或已过期，请重新提问 (invalid or expired export link)", nil)

// exportAuth admits an export by a valid, unexpired signed link (the link
// was handed to the answer's owner and is its capability) or by a valid
// key whose principal owns the answer. Anything else is 401, and another
// principal's answer is 404. The caller it sets is the answer's owner, so
// the rate limit and in-flight cap count exports against that principal.
func (s *Server) exportAuth(c *gin.Context) {
	id, format, ok := strings.Cut(c.Param("file"), ".")
	if !ok || (format != "csv" && format != "xlsx") {
		s.fail(c, newError(CodeNotFound, "导出格式只能是 .csv 或 .xlsx (export as .csv or .xlsx)", nil))
		return
	}
	signed := false
	if sig := c.Query("sig"); sig != "" {
		exp, err := strconv.ParseInt(c.Query("expires"), 10, 64)
		want := s.exportSig(id, format, exp)
		signed = err == nil && s.cfg.Now().Unix() <= exp && subtle.ConstantTimeCompare([]byte(sig), []byte(want)) == 1
		if !signed {
			s.fail(c, errBadLink)
			return
		}
	}
	who, _, keyed := s.keyHolder(c)
	if !signed && !keyed {
		c.Header("WWW-Authenticate", `Bearer realm="chatbi"`)
		s.fail(c, errBadLink)
		return
	}
	stored, err := s.svc.Convs.GetAnswer(id)
	switch {
	case errors.Is(err, ErrNoEntry), err == nil && !signed && stored.Owner != who:
		s.fail(c, errNoAnswer)
		return
	case err != nil:
		s.fail(c, storeError(err))
		return
	}
	c.Set("caller", stored.Owner)
	c.Set("export_plan", stored.Plan)
	c.Set("export_format", format)
	c.Set("export_id", id)
	c.Next()
}

// export streams a whole answer (every row, not the page) as CSV with a BOM
// (so Excel opens the Chinese correctly) or as XLSX. At most MaxExports
// stream at once; one more is told to come back (503, Retry-After).
func (s *Server) export(c *gin.Context) {
	plan := c.MustGet("export_plan").(*nlq.Plan)
	id, format := c.GetString("export_id"), c.GetString("export_format")
	select {
	case s.exports <- struct{}{}:
		defer func() { <-s.exports }()
	default:
		s.fail(c, retryError(CodeBusy, "导出任务过多，请稍后再下载 (too many exports at once)", 5, nil))
		return
	}
	v := s.svc.wh.acquire(c.Request.Context())
	defer v.release()
	q, err := v.Engine.Compile(plan, nlq.Page{Limit: MaxExportRows})
	if err != nil {
		s.fail(c, newError(CodeInvalid, err.Error(), err))
		return
	}
	st := executor.Statement{SQL: q.SQL, Args: q.Args, PII: q.PII, TotalColumn: q.TotalColumn}
	name := "chatbi-" + id + "." + format
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, name, url.PathEscape(name)))
	var werr error
	if format == "csv" {
		werr = s.exportCSV(c, v.Exec, st)
	} else {
		werr = s.exportXLSX(c, v.Exec, st)
	}
	if werr != nil {
		if !c.Writer.Written() {
			s.fail(c, mapRunError(werr))
			return
		}
		s.log.Error("export interrupted", "id", c.GetString("request_id"), "err", werr)
	}
}

func (s *Server) exportCSV(c *gin.Context, x *executor.Executor, st executor.Statement) error {
	var w *csv.Writer
	var bw *bufio.Writer
	rows := 0
	err := x.Each(c.Request.Context(), st, exportBudget, MaxExportRows,
		func(cols []string) {
			c.Header("Content-Type", "text/csv; charset=utf-8")
			c.Status(http.StatusOK)
			bw = bufio.NewWriterSize(c.Writer, 64<<10)
			bw.WriteString("\uFEFF")
			w = csv.NewWriter(bw)
			w.Write(cols)
		},
		func(_ int, row []any) error {
			rec := make([]string, len(row))
			for i, v := range row {
				rec[i] = csvCell(v)
			}
			rows++
			if rows%10000 == 0 {
				w.Flush()
				bw.Flush()
				c.Writer.Flush()
			}
			return w.Write(rec)
		})
	if w != nil {
		w.Flush()
		bw.Flush()
	}
	return err
}

func (s *Server) exportXLSX(c *gin.Context, x *executor.Executor, st executor.Statement) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	r := 1
	err = x.Each(c.Request.Context(), st, exportBudget, MaxExportRows,
		func(cols []string) {
			head := make([]any, len(cols))
			for i, col := range cols {
				head[i] = col
			}
			sw.SetRow("A1", head)
		},
		func(_ int, row []any) error {
			r++
			cell, _ := excelize.CoordinatesToCellName(1, r)
			return sw.SetRow(cell, row)
		})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Status(http.StatusOK)
	return f.Write(c.Writer)
}

// csvCell is a cell as CSV text that no spreadsheet runs as a formula:
// text starting with = + - @ tab or CR gets a leading apostrophe (OWASP's
// rule for CSV injection). Numbers are numbers and stay as they are.
func csvCell(v any) string {
	t := cellText(v)
	if _, isText := v.(string); isText && t != "" && strings.ContainsRune("=+-@\t\r", rune(t[0])) {
		return "'" + t
	}
	return t
}

func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return x
	}
	return fmt.Sprint(v)
}
