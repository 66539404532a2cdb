package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/chatbi/chatbi/nlq"
)

// Saved lists (保存为人群): a user saves a customer list under a name and
// uses the name in later questions ("在「双11召回名单」里近30天没下单的").
// A list keeps its customers' ids as they were when saved, in the app
// database; it belongs to the user who saved it.

// CohortView is a saved list as listed.
type CohortView struct {
	Name    string `json:"name"`
	Size    int    `json:"size"`
	SavedAt string `json:"saved_at"`
}

// SaveCohort saves the customers of one of the caller's list answers
// under name (replacing a list of that name).
func (s *Service) SaveCohort(ctx context.Context, caller, answerID, name string) (*CohortView, error) {
	if s.App == nil {
		return nil, ErrNoApp
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 30 || strings.ContainsAny(name, "「」“”\"\n") {
		return nil, newError(CodeInvalid, "人群名称要有 1 到 30 个字，不能含引号或括号「」", nil)
	}
	stored, err := owned(s.Convs.GetAnswer, answerID, caller, errNoAnswer)
	if err == errNoAnswer {
		// A count or a clarify of theirs is not kept as a list.
		var who string
		if s.App.db.QueryRowContext(ctx, `SELECT api_key FROM audit WHERE answer_id = ?`, answerID).Scan(&who) == nil && who == caller {
			return nil, newError(CodeInvalid, "只有客户名单可以保存为人群", nil)
		}
	}
	if err != nil {
		return nil, err
	}
	if stored.Plan == nil || stored.Plan.Answer != nlq.AnswerCustomers {
		return nil, newError(CodeInvalid, "只有客户名单可以保存为人群", nil)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*s.budget)
	defer cancel()
	v := s.wh.acquire(ctx)
	defer v.release()
	q, err := v.Engine.Compile(stored.Plan, nlq.Page{Limit: nlq.MaxCohort + 1})
	if err != nil {
		return nil, newError(CodeInvalid, err.Error(), err)
	}
	// Only the first column (customer_id) is read, past the row cap of an
	// answer's page: a list is saved whole or not at all.
	rows, err := v.Exec.DB().QueryContext(ctx, q.SQL, q.Args...)
	if err != nil {
		return nil, mapRunError(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	dest := make([]any, len(cols))
	var id any
	dest[0] = &id
	for i := 1; i < len(dest); i++ {
		dest[i] = new(any)
	}
	var ids []string
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, mapRunError(err)
		}
		ids = append(ids, fmt.Sprint(id))
	}
	if err := rows.Err(); err != nil {
		return nil, mapRunError(err)
	}
	if len(ids) == 0 || len(ids) > nlq.MaxCohort {
		return nil, newError(CodeInvalid, fmt.Sprintf("人群要有 1 到 %d 位客户（这份名单有 %d 位以上）", nlq.MaxCohort, len(ids)), nil)
	}
	js, _ := json.Marshal(ids)
	at := time.Now().UTC().Format(time.RFC3339)
	if _, err := s.App.db.ExecContext(ctx, `INSERT INTO cohorts(owner, name, ids_json, size, answer_id, saved_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(owner, name) DO UPDATE SET ids_json = excluded.ids_json, size = excluded.size, answer_id = excluded.answer_id, saved_at = excluded.saved_at`,
		caller, name, string(js), len(ids), answerID, at); err != nil {
		return nil, storeError(err)
	}
	return &CohortView{Name: name, Size: len(ids), SavedAt: at}, nil
}

// cohortsIn are the caller's saved lists whose names the question says.
func (s *Service) cohortsIn(ctx context.Context, caller, question string) ([]nlq.Cohort, error) {
	if s.App == nil {
		return nil, nil
	}
	rows, err := s.App.db.QueryContext(ctx, `SELECT name, ids_json FROM cohorts WHERE owner = ? AND instr(?, name) > 0`, caller, question)
	if err != nil {
		return nil, storeError(err)
	}
	defer rows.Close()
	var out []nlq.Cohort
	for rows.Next() {
		var c nlq.Cohort
		var js string
		if err := rows.Scan(&c.Name, &js); err != nil {
			return nil, storeError(err)
		}
		if err := json.Unmarshal([]byte(js), &c.IDs); err != nil {
			return nil, storeError(err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *Server) saveCohort(c *gin.Context) {
	var req struct {
		AnswerID string `json:"answer_id"`
		Name     string `json:"name"`
	}
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.svc.SaveCohort(c.Request.Context(), c.GetString("caller"), req.AnswerID, req.Name)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Render(http.StatusCreated, jsonRender{v})
}

func (s *Server) listCohorts(c *gin.Context) {
	app, ok := s.app(c)
	if !ok {
		return
	}
	rows, err := app.db.QueryContext(c.Request.Context(), `SELECT name, size, saved_at FROM cohorts WHERE owner = ? ORDER BY saved_at DESC`, c.GetString("caller"))
	if err != nil {
		s.fail(c, storeError(err))
		return
	}
	renderRows(s, c, "cohorts", rows, func(v *CohortView) []any { return []any{&v.Name, &v.Size, &v.SavedAt} })
}

func (s *Server) deleteCohort(c *gin.Context) {
	app, ok := s.app(c)
	if !ok {
		return
	}
	res, err := app.db.ExecContext(c.Request.Context(), `DELETE FROM cohorts WHERE owner = ? AND name = ?`, c.GetString("caller"), c.Param("name"))
	if err != nil {
		s.fail(c, storeError(err))
		return
	}
	if n, _ := res.RowsAffected(); n == 0 {
		s.fail(c, newError(CodeNotFound, "没有这个人群 (no such saved list)", nil))
		return
	}
	c.Render(http.StatusOK, jsonRender{gin.H{"deleted": c.Param("name")}})
}
