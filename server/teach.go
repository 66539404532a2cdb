package server

import (
	"bufio"
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chatbi/chatbi/nlq"
)

// Teaching: an admin maps a word the parser did not know to something it
// does — a synonym of a catalog term or value (alias=口红: 口脂), a word of a
// kind of the lexicon (buy: 囤过) or filler. Teachings are lexicon lines kept
// in the app database: they apply at once to every later question in
// every channel, survive restarts and re-imports, and are undone by
// marking (so each change keeps who and when).

// Teaching is one taught word.
type Teaching struct {
	ID       int64  `json:"id"`
	Word     string `json:"word"`
	Kind     string `json:"kind"`   // alias, filler, or a lexicon kind (buy, neg, who …)
	Target   string `json:"target"` // for alias (and valued kinds): what the word means
	TaughtBy string `json:"taught_by"`
	TaughtAt string `json:"taught_at"`
	UndoneBy string `json:"undone_by,omitempty"`
	UndoneAt string `json:"undone_at,omitempty"`
}

// entry is the teaching as a lexicon entry, checked like a line of a
// retailer's lexicon file.
func (t Teaching) entry() (nlq.Entry, error) {
	head := t.Kind
	if t.Target != "" {
		head += "=" + t.Target
	}
	if strings.ContainsAny(t.Word+head, ":：\n") || strings.TrimSpace(t.Word) == "" || strings.Contains(strings.TrimSpace(t.Word), " ") {
		return nlq.Entry{}, fmt.Errorf("词语不能为空，也不能含空格、冒号或换行")
	}
	es, err := nlq.ParseLexicon(fmt.Sprintf("teaching#%d", t.ID), []byte(head+": "+strings.TrimSpace(t.Word)))
	if err != nil {
		return nlq.Entry{}, err
	}
	return es[0], nil
}

// Example is a question an admin verified, with the plan it must keep.
type Example struct {
	Question string    `json:"question"`
	Plan     *nlq.Plan `json:"plan"`
	SavedBy  string    `json:"saved_by"`
	SavedAt  string    `json:"saved_at"`
}

// Conflict is an earlier answer a teaching would change.
type Conflict struct {
	Question string `json:"question"`
	Before   string `json:"before"` // how it reads now
	After    string `json:"after"`  // how it would read
}

// ErrNoApp: the admin features need the app database (chatbi serve has one).
var ErrNoApp = newError(CodeUnavailable, "管理功能需要应用数据库（chatbi serve 会创建） (no app database)", nil)

// regressionFile is the public question set's single questions: with the
// admins' verified examples, what a teaching must not change.
//
//go:embed regression.txt
var regressionFile string

func regressionQuestions() []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(regressionFile))
	for sc.Scan() {
		if q := strings.TrimSpace(sc.Text()); q != "" && !strings.HasPrefix(q, "#") {
			out = append(out, q)
		}
	}
	return out
}

// Teachings lists every teaching, newest first, undone ones included.
func (a *AppDB) Teachings(ctx context.Context) ([]Teaching, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT id, word, kind, target, taught_by, taught_at, coalesce(undone_by, ''), coalesce(undone_at, '')
		FROM teachings ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("read teachings: %w", err)
	}
	defer rows.Close()
	out := []Teaching{}
	for rows.Next() {
		var t Teaching
		if err := rows.Scan(&t.ID, &t.Word, &t.Kind, &t.Target, &t.TaughtBy, &t.TaughtAt, &t.UndoneBy, &t.UndoneAt); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// activeEntries are the lexicon entries of the teachings in force.
func activeEntries(ts []Teaching) ([]nlq.Entry, error) {
	var out []nlq.Entry
	for i := len(ts) - 1; i >= 0; i-- { // oldest first: a later teaching of a word wins
		if ts[i].UndoneAt != "" {
			continue
		}
		e, err := ts[i].entry()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Examples lists the verified examples.
func (a *AppDB) Examples(ctx context.Context) ([]Example, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT question, plan_json, saved_by, saved_at FROM examples ORDER BY saved_at`)
	if err != nil {
		return nil, fmt.Errorf("read examples: %w", err)
	}
	defer rows.Close()
	out := []Example{}
	for rows.Next() {
		var x Example
		var pj string
		if err := rows.Scan(&x.Question, &pj, &x.SavedBy, &x.SavedAt); err != nil {
			return nil, err
		}
		x.Plan = &nlq.Plan{}
		if err := json.Unmarshal([]byte(pj), x.Plan); err != nil {
			return nil, fmt.Errorf("read example %q: %w", x.Question, err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// LoadTeachings applies the stored teachings (at start).
func (s *Service) LoadTeachings(ctx context.Context) error {
	if s.App == nil {
		return nil
	}
	ts, err := s.App.Teachings(ctx)
	if err != nil {
		return err
	}
	es, err := activeEntries(ts)
	if err != nil {
		return err
	}
	return s.wh.relearn(ctx, es)
}

// Teach checks a teaching against every verified example and the public
// question set, and stores and applies it if it changes none of them;
// otherwise it returns the answers it would change and stores nothing.
func (s *Service) Teach(ctx context.Context, t Teaching) (*Teaching, []Conflict, error) {
	if s.App == nil {
		return nil, nil, ErrNoApp
	}
	e, err := t.entry()
	if err != nil {
		return nil, nil, newError(CodeInvalid, "这条教学不成立："+err.Error(), err)
	}
	ts, err := s.App.Teachings(ctx)
	if err != nil {
		return nil, nil, storeError(err)
	}
	now, err := activeEntries(ts)
	if err != nil {
		return nil, nil, storeError(err)
	}
	if s.Engine().Lex.Knows(strings.TrimSpace(t.Word)) {
		return nil, nil, newError(CodeInvalid, "「"+strings.TrimSpace(t.Word)+"」已经是认识的词，教学不会改变它的意思", nil)
	}
	conflicts, err := s.verify(ctx, append(append([]nlq.Entry{}, now...), e))
	if err != nil || len(conflicts) > 0 {
		return nil, conflicts, err
	}
	t.TaughtAt = time.Now().UTC().Format(time.RFC3339)
	res, err := s.App.db.ExecContext(ctx, `INSERT INTO teachings(word, kind, target, taught_by, taught_at) VALUES (?, ?, ?, ?, ?)`,
		strings.TrimSpace(t.Word), t.Kind, t.Target, t.TaughtBy, t.TaughtAt)
	if err != nil {
		return nil, nil, storeError(err)
	}
	t.ID, _ = res.LastInsertId()
	return &t, nil, s.LoadTeachings(ctx)
}

// Undo marks a teaching undone and applies the rest.
func (s *Service) Undo(ctx context.Context, id int64, by string) error {
	if s.App == nil {
		return ErrNoApp
	}
	res, err := s.App.db.ExecContext(ctx, `UPDATE teachings SET undone_by = ?, undone_at = ? WHERE id = ? AND undone_at IS NULL`,
		by, time.Now().UTC().Format(time.RFC3339), id)
	if err != nil {
		return storeError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return newError(CodeNotFound, "没有这条生效中的教学 (no such teaching in force)", nil)
	}
	return s.LoadTeachings(ctx)
}

// SaveExample verifies a question as it reads now: later teachings must
// keep it reading so.
func (s *Service) SaveExample(ctx context.Context, question, by string) (*Example, error) {
	if s.App == nil {
		return nil, ErrNoApp
	}
	v := s.wh.acquire(ctx)
	defer v.release()
	p, err := v.Engine.Parse(question, nlq.D(v.Engine.Catalog.AsOf), nil)
	if err != nil {
		return nil, newError(CodeInvalid, "这个问题现在还不能回答，不能存为示例："+err.Error(), err)
	}
	pj, _ := json.Marshal(p)
	x := &Example{Question: question, Plan: p, SavedBy: by, SavedAt: time.Now().UTC().Format(time.RFC3339)}
	if _, err := s.App.db.ExecContext(ctx, `INSERT OR REPLACE INTO examples(question, plan_json, saved_by, saved_at) VALUES (?, ?, ?, ?)`,
		question, string(pj), by, x.SavedAt); err != nil {
		return nil, storeError(err)
	}
	return x, nil
}

// verify parses the examples and the public questions with the lexicon
// the teachings would make, and returns those that read differently from
// now (a question asked back now may be answered after: that is the point).
func (s *Service) verify(ctx context.Context, taught []nlq.Entry) ([]Conflict, error) {
	v := s.wh.acquire(ctx)
	defer v.release()
	cand, err := nlq.NewEngineWith(v.Engine.Catalog, append(append([]nlq.Entry{}, s.wh.lex...), taught...))
	if err != nil {
		return nil, newError(CodeInvalid, "这条教学不成立："+err.Error(), err)
	}
	stored, err := s.App.Examples(ctx)
	if err != nil {
		return nil, storeError(err)
	}
	// An example that no longer reads as verified (a teaching it relied on
	// was undone) cannot hold the next teaching back.
	var examples []Example
	for _, x := range stored {
		if now, err := v.Engine.Parse(x.Question, x.Plan.AsOf, nil); err == nil && samePlan(now, x.Plan) {
			examples = append(examples, x)
		}
	}
	asOf := nlq.D(v.Engine.Catalog.AsOf)
	for _, q := range regressionQuestions() {
		if p, err := v.Engine.Parse(q, asOf, nil); err == nil {
			examples = append(examples, Example{Question: q, Plan: p})
		}
	}
	var out []Conflict
	for _, x := range examples {
		after, err := cand.Parse(x.Question, x.Plan.AsOf, nil)
		if err == nil && samePlan(after, x.Plan) {
			continue
		}
		c := Conflict{Question: x.Question, Before: v.Engine.Explain(x.Plan)}
		if err != nil {
			c.After = "需要澄清：" + err.Error()
		} else {
			c.After = cand.Explain(after)
		}
		out = append(out, c)
	}
	return out, nil
}

func samePlan(a, b *nlq.Plan) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// PutFeedback records the owner's rating of one of their answers; the
// answer is found in the audit log (every answer is there, clarifies and
// counts too).
func (a *AppDB) PutFeedback(ctx context.Context, answerID, owner, rating, comment string) error {
	var who string
	err := a.db.QueryRowContext(ctx, `SELECT api_key FROM audit WHERE answer_id = ?`, answerID).Scan(&who)
	if errors.Is(err, sql.ErrNoRows) || err == nil && who != owner {
		return errNoAnswer
	}
	if err != nil {
		return storeError(err)
	}
	if _, err := a.db.ExecContext(ctx, `INSERT INTO feedback(answer_id, owner, rating, comment, at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(answer_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment, at = excluded.at`,
		answerID, owner, rating, comment, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
		return storeError(err)
	}
	return nil
}
