package server

import (
	"bufio"
	"context"
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
	info := exportInfo{Question: s.questionOf(c.Request.Context(), id), AsOf: plan.AsOf.String(), Explanation: v.Engine.Explain(plan),
		SQL: InlineSQL(q.SQL, q.Args), Made: s.cfg.Now().Format("2006-01-02 15:04:05")}
	name := exportName(info.Question, info.AsOf, format)
	// An ASCII fallback name for old clients, the real one in filename*.
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="chatbi-%s.%s"; filename*=UTF-8''%s`, info.AsOf, format, url.PathEscape(name)))
	// On ClickHouse an export reads one copy throughout, as an answer does:
	// none starts while a new copy is being published, and one whose copy
	// changed under it is cut (below).
	each := func(head func([]string), row func(int, []any) error) error {
		return s.svc.wh.readOneCopy(c.Request.Context(), v, func() error {
			return v.Exec.Each(c.Request.Context(), st, exportBudget, MaxExportRows, head, row)
		})
	}
	var werr error
	if format == "csv" {
		werr = s.exportCSV(c, each, st.TotalColumn, info)
	} else {
		werr = s.exportXLSX(c, each, info)
	}
	if werr != nil {
		if !c.Writer.Written() {
			s.fail(c, mapRunError(werr))
			return
		}
		// Rows went out already: cut the connection, so the download fails
		// instead of ending like a whole file.
		s.log.Error("export interrupted", "id", c.GetString("request_id"), "err", werr)
		cutConnection(c)
	}
}

// cutConnection closes the response's connection without ending the
// response (HTTP/1.1: the chunked body never gets its last chunk), so the
// client's download fails. gin refuses to hijack once body bytes are
// written; net/http does not, so the hijack goes to the writer under
// gin's.
func cutConnection(c *gin.Context) {
	var w http.ResponseWriter = c.Writer
	if u, ok := w.(interface{ Unwrap() http.ResponseWriter }); ok {
		w = u.Unwrap()
	}
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
	}
}

// eachRow runs an export's statement: the column names, then every row.
type eachRow func(head func(cols []string), row func(total int, row []any) error) error

// exportInfo is what an export says about itself: what was asked, as of
// when, how it was read, the SQL with its values, how many rows, when made.
type exportInfo struct {
	Question, AsOf, Explanation, SQL, Made string
	Rows                                   int
}

func (e exportInfo) lines() [][2]string {
	return [][2]string{{"问题", e.Question}, {"数据截至", e.AsOf}, {"理解", e.Explanation}, {"SQL（已代入参数）", e.SQL},
		{"行数", strconv.Itoa(e.Rows)}, {"导出时间", e.Made}}
}

// questionOf is the question an answer answered (from the audit log), or "".
func (s *Server) questionOf(ctx context.Context, answerID string) string {
	if s.svc.App == nil {
		return ""
	}
	var q string
	s.svc.App.db.QueryRowContext(ctx, `SELECT question FROM audit WHERE answer_id = ?`, answerID).Scan(&q)
	return q
}

// exportCSV streams the answer after a header block (问题, 数据截至, 理解, SQL,
// 行数, 导出时间) and a blank line. A list knows its row count from its first
// row; a table (a few groups) is held until its end.
func (s *Server) exportCSV(c *gin.Context, each eachRow, streamed bool, info exportInfo) error {
	var w *csv.Writer
	var bw *bufio.Writer
	var cols []string
	var held [][]string
	started := false
	start := func(rows int) {
		info.Rows = rows
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Status(http.StatusOK)
		bw = bufio.NewWriterSize(c.Writer, 64<<10)
		bw.WriteString("\uFEFF")
		w = csv.NewWriter(bw)
		for _, l := range info.lines() {
			w.Write([]string{l[0], csvCell(l[1])})
		}
		w.Write(nil)
		head := make([]string, len(cols))
		for i, col := range cols {
			head[i] = columnLabel(col)
		}
		w.Write(head)
		started = true
	}
	rows := 0
	err := each(func(cs []string) { cols = cs },
		func(total int, row []any) error {
			rec := make([]string, len(row))
			for i, v := range row {
				rec[i] = csvCell(v)
			}
			rows++
			if !streamed {
				held = append(held, rec)
				return nil
			}
			if !started {
				start(total)
			}
			if rows%10000 == 0 {
				w.Flush()
				bw.Flush()
				c.Writer.Flush()
			}
			return w.Write(rec)
		})
	if err == nil && !started {
		start(rows)
	}
	if w != nil && err == nil {
		for _, rec := range held {
			w.Write(rec)
		}
		w.Flush()
		bw.Flush()
	}
	return err
}

// exportXLSX writes a 说明 sheet (what was asked, as of when, how it was
// read, the SQL with its values, rows, when made) and a 数据 sheet with
// Chinese headers and the header row frozen; rows stream into it.
func (s *Server) exportXLSX(c *gin.Context, each eachRow, info exportInfo) error {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "说明")
	if _, err := f.NewSheet("数据"); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter("数据")
	if err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	r := 1
	err = each(func(cols []string) {
		head := make([]any, len(cols))
		for i, col := range cols {
			head[i] = columnLabel(col)
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
	info.Rows = r - 1
	for i, l := range info.lines() {
		f.SetCellValue("说明", fmt.Sprintf("A%d", i+1), l[0])
		f.SetCellValue("说明", fmt.Sprintf("B%d", i+1), l[1])
	}
	f.SetColWidth("说明", "A", "A", 18)
	f.SetColWidth("说明", "B", "B", 100)
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
