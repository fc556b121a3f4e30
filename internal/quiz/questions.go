package quiz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"wuzha/internal/audit"
	"wuzha/internal/auth"
	"wuzha/internal/content"
	"wuzha/internal/fault"
	"wuzha/internal/sheet"
	"wuzha/internal/store"
	"wuzha/internal/taxonomy"
)

// QuestionInput is a question as an editor writes it. On PATCH, nil fields
// keep their value.
type QuestionInput struct {
	Stem        *string   `json:"stem"`
	Kind        *Kind     `json:"kind"`
	Options     *[]Option `json:"options"`
	Answer      *[]string `json:"answer"`
	Explanation *string   `json:"explanation"`
	FraudType   *string   `json:"fraud_type"`
	Difficulty  *int      `json:"difficulty"`
	AgeBands    *[]string `json:"age_bands"`
	Occupations *[]string `json:"occupations"`
	WarningIDs  *[]int64  `json:"warning_ids"`
	Active      *bool     `json:"active"`
}

// QuestionView is a question as staff see it (answer included).
type QuestionView struct {
	ID            int64     `json:"id"`
	Kind          Kind      `json:"kind"`
	Stem          string    `json:"stem"`
	Options       []Option  `json:"options"`
	Answer        []string  `json:"answer"`
	Explanation   string    `json:"explanation"`
	FraudType     string    `json:"fraud_type"`
	Difficulty    int       `json:"difficulty"`
	AgeBands      []string  `json:"age_bands"`
	Occupations   []string  `json:"occupations"`
	WarningIDs    []int64   `json:"warning_ids"`
	Active        bool      `json:"active"`
	OwnerAreaCode string    `json:"owner_area_code"`
	Editable      bool      `json:"editable"`
	UpdatedAt     time.Time `json:"updated_at"`
	// Review: only approved questions are drawn. AuthorID and EditorID (the
	// last editor) may not review it.
	Status       QuestionStatus `json:"status"`
	Version      int            `json:"version"`
	RejectReason string         `json:"reject_reason"`
	AuthorID     *int64         `json:"author_id"`
	EditorID     *int64         `json:"editor_id"`
	ReviewerID   *int64         `json:"reviewer_id"`
	ReviewedAt   *time.Time     `json:"reviewed_at"`
}

func viewQuestion(q Question, c auth.Caller) QuestionView {
	ids := splitIDs(q.WarningIDs)
	if ids == nil {
		ids = []int64{}
	}
	return QuestionView{ID: q.ID, Kind: q.Kind, Stem: q.Stem, Options: q.options(), Answer: splitCodes(q.Answer), Explanation: q.Explanation,
		FraudType: q.FraudType, Difficulty: q.Difficulty, AgeBands: splitCodes(q.AgeBands), Occupations: splitCodes(q.Occupations),
		WarningIDs: ids, Active: q.Active, OwnerAreaCode: q.OwnerAreaCode, Editable: c.InScope(q.OwnerPath), UpdatedAt: q.UpdatedAt,
		Status: q.Status, Version: q.Version, RejectReason: q.RejectReason, AuthorID: q.AuthorID, EditorID: q.EditorID, ReviewerID: q.ReviewerID, ReviewedAt: q.ReviewedAt}
}

var optionKeys = []string{"A", "B", "C", "D", "E", "F"}

// checkQuestion validates a question; it returns the field errors.
func checkQuestion(q *Question, lists taxonomy.Lists, v *fault.Validation, prefix string) {
	add := func(field, msg string) { v.Add(prefix+field, msg) }
	if l := utf8.RuneCountInString(strings.TrimSpace(q.Stem)); l < 4 || l > 500 {
		add("stem", "题干应为 4–500 字")
	}
	if l := utf8.RuneCountInString(strings.TrimSpace(q.Explanation)); l < 4 || l > 1000 {
		add("explanation", "解析应为 4–1000 字，讲清为什么")
	}
	if !lists.Has(taxonomy.FraudType, q.FraudType) {
		add("fraud_type", "诈骗类型无效")
	}
	if q.Difficulty < 1 || q.Difficulty > 3 {
		add("difficulty", "难度应为 1–3")
	}
	opts := q.options()
	keys := map[string]bool{}
	for i, o := range opts {
		if i >= len(optionKeys) || o.Key != optionKeys[i] {
			add("options", "选项键应依次为 A、B、C…")
			break
		}
		if l := utf8.RuneCountInString(strings.TrimSpace(o.Text)); l < 1 || l > 200 {
			add("options", "选项内容应为 1–200 字")
			break
		}
		keys[o.Key] = true
	}
	answer := splitCodes(q.Answer)
	for _, a := range answer {
		if !keys[a] {
			add("answer", fmt.Sprintf("答案 %q 不是选项之一", a))
		}
	}
	switch q.Kind {
	case Single:
		if len(opts) < 2 || len(opts) > 6 || len(answer) != 1 {
			add("answer", "单选题需 2–6 个选项、恰好 1 个答案")
		}
	case Multiple:
		if len(opts) < 3 || len(opts) > 6 || len(answer) < 2 {
			add("answer", "多选题需 3–6 个选项、至少 2 个答案")
		}
	case TrueFalse:
		if len(opts) != 2 || opts[0].Text != "正确" || opts[1].Text != "错误" || len(answer) != 1 {
			add("options", "判断题的选项应为 A 正确、B 错误，恰好 1 个答案")
		}
	default:
		add("kind", "题型应为 single、multiple 或 true_false")
	}
	for _, c := range splitCodes(q.AgeBands) {
		if !lists.Has(taxonomy.AgeBand, c) {
			add("age_bands", fmt.Sprintf("年龄段 %q 无效", c))
		}
	}
	for _, c := range splitCodes(q.Occupations) {
		if !lists.Has(taxonomy.Occupation, c) {
			add("occupations", fmt.Sprintf("职业 %q 无效", c))
		}
	}
}

func apply(q *Question, in QuestionInput) {
	if in.Stem != nil {
		q.Stem = strings.TrimSpace(*in.Stem)
	}
	if in.Kind != nil {
		q.Kind = *in.Kind
	}
	if in.Options != nil {
		b, _ := json.Marshal(*in.Options)
		q.Options = string(b)
	}
	if in.Answer != nil {
		a := append([]string(nil), *in.Answer...)
		sort.Strings(a)
		q.Answer = strings.Join(dedupe(a), ",")
	}
	if in.Explanation != nil {
		q.Explanation = strings.TrimSpace(*in.Explanation)
	}
	if in.FraudType != nil {
		q.FraudType = *in.FraudType
	}
	if in.Difficulty != nil {
		q.Difficulty = *in.Difficulty
	}
	if in.AgeBands != nil {
		a := append([]string(nil), *in.AgeBands...)
		sort.Strings(a)
		q.AgeBands = strings.Join(dedupe(a), ",")
	}
	if in.Occupations != nil {
		a := append([]string(nil), *in.Occupations...)
		sort.Strings(a)
		q.Occupations = strings.Join(dedupe(a), ",")
	}
	if in.WarningIDs != nil {
		q.WarningIDs = joinIDs(*in.WarningIDs)
	}
	if in.Active != nil {
		q.Active = *in.Active
	}
}

func dedupe(sorted []string) []string {
	var out []string
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// CreateQuestion adds a question owned by the caller's scope area.
func (s *Service) CreateQuestion(ctx context.Context, c auth.Caller, in QuestionInput) (QuestionView, error) {
	if !c.Is(auth.Editor, auth.Reviewer) {
		return QuestionView{}, fault.ErrRole
	}
	q := Question{Active: true, OwnerAreaCode: c.AreaCode, OwnerPath: c.AreaPath, AuthorID: &c.UserID, EditorID: &c.UserID, Difficulty: 1,
		Status: QuestionInReview, Version: 1}
	apply(&q, in)
	if err := s.validQuestion(ctx, &q); err != nil {
		return QuestionView{}, err
	}
	now := time.Now().UTC()
	q.CreatedAt, q.UpdatedAt = now, now
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&q).Error; err != nil {
			return err
		}
		return audit.Record(tx, c.Actor(), "question.create", &audit.Place{Code: q.OwnerAreaCode, Path: q.OwnerPath}, fmt.Sprintf("question:%d", q.ID), nil)
	})
	if err != nil {
		return QuestionView{}, fmt.Errorf("quiz: create question: %w", err)
	}
	s.bank.invalidate()
	return viewQuestion(q, c), nil
}

func (s *Service) validQuestion(ctx context.Context, q *Question) error {
	lists, err := s.codes.Lists(ctx)
	if err != nil {
		return err
	}
	var v fault.Validation
	checkQuestion(q, lists, &v, "")
	if err := v.Err(); err != nil {
		return err
	}
	return s.checkWarnings(ctx, splitIDs(q.WarningIDs))
}

func (s *Service) checkWarnings(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	ok, err := content.AllExist(ctx, s.db, ids)
	if err != nil {
		return err
	}
	if !ok {
		var v fault.Validation
		v.Add("warning_ids", "关联的预警不存在")
		return v.Err()
	}
	return nil
}

// ownedQuestion loads question id if it is owned inside c's scope.
func (s *Service) ownedQuestion(ctx context.Context, c auth.Caller, id int64) (Question, error) {
	var q Question
	err := s.db.WithContext(ctx).Where("id = ? AND owner_path LIKE ?", id, c.ScopeLike()).Take(&q).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Question{}, ErrNotFound
	}
	return q, err
}

// UpdateQuestion edits a question owned inside the caller's scope. Attempts
// already served keep the answer they were served with.
func (s *Service) UpdateQuestion(ctx context.Context, c auth.Caller, id int64, in QuestionInput) (QuestionView, error) {
	if !c.Is(auth.Editor, auth.Reviewer) {
		return QuestionView{}, fault.ErrRole
	}
	q, err := s.ownedQuestion(ctx, c, id)
	if err != nil {
		return QuestionView{}, err
	}
	old := q
	apply(&q, in)
	if err := s.validQuestion(ctx, &q); err != nil {
		return QuestionView{}, err
	}
	now := time.Now().UTC()
	q.UpdatedAt, q.EditorID = now, &c.UserID
	// What residents see or are graded by (stem, options, answer, kind and
	// the explanation shown after submitting) needs review again; tags and
	// the active switch do not. A rejected question edited in any way is
	// resubmitted. An approved version that is replaced is kept, so attempts
	// served it still show it.
	content := old.Kind != q.Kind || old.Stem != q.Stem || old.Options != q.Options || old.Answer != q.Answer || old.Explanation != q.Explanation
	if content || old.Status == QuestionRejected {
		q.Status, q.RejectReason = QuestionInReview, ""
	}
	if content {
		q.Version = old.Version + 1 // a review approves the version it read
	}
	detail := map[string]any{"version": q.Version, "status": q.Status}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if content && old.Status == QuestionApproved {
			snap := QuestionVersion{QuestionID: old.ID, Version: old.Version, Stem: old.Stem, Options: old.Options, Answer: old.Answer, Explanation: old.Explanation, CreatedAt: now}
			if err := tx.Create(&snap).Error; err != nil {
				return err
			}
		}
		res := tx.Model(&Question{}).Where("id = ? AND version = ? AND status = ?", q.ID, old.Version, old.Status).
			Select("kind", "stem", "options", "answer", "explanation", "fraud_type", "difficulty", "age_bands", "occupations", "warning_ids", "active", "updated_at",
				"status", "version", "editor_id", "reject_reason").Updates(&q)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrQuestionChanged
		}
		return audit.Record(tx, c.Actor(), "question.update", &audit.Place{Code: q.OwnerAreaCode, Path: q.OwnerPath}, fmt.Sprintf("question:%d", q.ID), detail)
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return QuestionView{}, ErrQuestionChanged
	}
	if err != nil {
		return QuestionView{}, err
	}
	s.bank.invalidate()
	return viewQuestion(q, c), nil
}

// visibleQuestions is the query of questions a staff caller may read: owned
// at or above their area (usable in their quizzes) or inside it.
func (s *Service) visibleQuestions(ctx context.Context, c auth.Caller) *gorm.DB {
	return s.db.WithContext(ctx).Model(&Question{}).Where("owner_path IN ? OR owner_path LIKE ?", ancestors(c.AreaPath), c.ScopeLike())
}

// GetQuestion shows one question to staff who may use it.
func (s *Service) GetQuestion(ctx context.Context, c auth.Caller, id int64) (QuestionView, error) {
	if !c.Role.IsStaff() {
		return QuestionView{}, fault.ErrRole
	}
	var q Question
	err := s.visibleQuestions(ctx, c).Where("id = ?", id).Take(&q).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return QuestionView{}, ErrNotFound
	}
	if err != nil {
		return QuestionView{}, err
	}
	return viewQuestion(q, c), nil
}

// QuestionFilter narrows ListQuestions.
type QuestionFilter struct {
	FraudType string
	Kind      Kind
	Status    QuestionStatus
	Query     string // words of the stem, or the id
	AfterID   int64
	Limit     int
}

// ListQuestions lists the questions staff may use, oldest first.
func (s *Service) ListQuestions(ctx context.Context, c auth.Caller, f QuestionFilter) ([]QuestionView, error) {
	if !c.Is(auth.Editor, auth.Reviewer, auth.Admin) {
		return nil, fault.ErrRole
	}
	q := s.visibleQuestions(ctx, c)
	if f.FraudType != "" {
		q = q.Where("fraud_type = ?", f.FraudType)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	q = store.ContainsOrID(q, "stem", "id", f.Query)
	if f.AfterID > 0 {
		q = q.Where("id > ?", f.AfterID)
	}
	var rows []Question
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]QuestionView, len(rows))
	for i, r := range rows {
		out[i] = viewQuestion(r, c)
	}
	return out, nil
}

// exportColumns are the columns of the question exchange file.
var exportColumns = []string{"kind", "stem", "option_a", "option_b", "option_c", "option_d", "option_e", "option_f", "answer", "explanation", "fraud_type", "difficulty", "age_bands", "occupations"}

// ExportQuestions writes the questions the caller may use as CSV (UTF-8
// with BOM) or XLSX, in the format ImportQuestions reads. Cells that a
// spreadsheet would run as a formula are prefixed with a quote.
func (s *Service) ExportQuestions(ctx context.Context, c auth.Caller, format string) ([]byte, error) {
	qs, err := s.ListQuestions(ctx, c, QuestionFilter{})
	if err != nil {
		return nil, err
	}
	rows := [][]any{sheetRow(exportColumns)}
	for _, q := range qs {
		r := []string{string(q.Kind), q.Stem}
		for i := 0; i < 6; i++ {
			if i < len(q.Options) {
				r = append(r, q.Options[i].Text)
			} else {
				r = append(r, "")
			}
		}
		r = append(r, strings.Join(q.Answer, ""), q.Explanation, q.FraudType)
		for i := range r {
			r[i] = sheet.SafeCell(r[i])
		}
		row := append(sheetRow(r), q.Difficulty, sheet.SafeCell(strings.Join(q.AgeBands, ",")), sheet.SafeCell(strings.Join(q.Occupations, ",")))
		rows = append(rows, row)
	}
	if format == "xlsx" {
		return sheet.XLSX(sheet.Page{Name: "Sheet1", Rows: rows})
	}
	return sheet.CSV(sheet.Strings(rows))
}

func sheetRow(texts []string) []any { return sheet.Text([][]string{texts})[0] }

// MaxImportRows bounds one question import.
const MaxImportRows = 10000

// ImportQuestions reads a CSV or XLSX in the export format and adds every
// row as a question owned by the caller's area — all of them, or, if any row
// is bad, none, with every bad row named.
func (s *Service) ImportQuestions(ctx context.Context, c auth.Caller, name string, data []byte) (int, error) {
	if !c.Is(auth.Editor, auth.Reviewer) {
		return 0, fault.ErrRole
	}
	records, err := sheet.Read(name, data, sheet.Options{MaxRows: MaxImportRows})
	if fe, ok := fault.As(err); ok {
		return 0, fe // too many rows, too large
	}
	if err != nil || len(records) < 2 {
		return 0, fault.New(fault.Invalid, "import_unreadable", "无法读取文件：需要 UTF-8 CSV 或 XLSX，首行为列名（与导出文件相同）")
	}
	col := map[string]int{}
	for i, h := range records[0] {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"kind", "stem", "option_a", "option_b", "answer", "explanation", "fraud_type"} {
		if _, ok := col[need]; !ok {
			return 0, fault.New(fault.Invalid, "import_unreadable", "缺少列 "+need)
		}
	}
	lists, err := s.codes.Lists(ctx)
	if err != nil {
		return 0, err
	}
	cell := func(rec []string, k string) string {
		i, ok := col[k]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(strings.TrimPrefix(rec[i], "'"))
	}
	now := time.Now().UTC()
	var qs []Question
	var bad []fault.Field
	for i, rec := range records[1:] {
		line := i + 2
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		var opts []Option
		for j, k := range []string{"option_a", "option_b", "option_c", "option_d", "option_e", "option_f"} {
			if t := cell(rec, k); t != "" {
				opts = append(opts, Option{Key: optionKeys[j], Text: t})
			}
		}
		answer := strings.Split(strings.ToUpper(strings.NewReplacer(",", "", " ", "", "，", "").Replace(cell(rec, "answer"))), "")
		diff, err := strconv.Atoi(cell(rec, "difficulty"))
		if err != nil {
			diff = 0
		}
		kind := Kind(cell(rec, "kind"))
		in := QuestionInput{Stem: ptr(cell(rec, "stem")), Kind: &kind, Options: &opts, Answer: &answer, Explanation: ptr(cell(rec, "explanation")),
			FraudType: ptr(cell(rec, "fraud_type")), Difficulty: &diff, AgeBands: ptr(listCell(cell(rec, "age_bands"))), Occupations: ptr(listCell(cell(rec, "occupations")))}
		q := Question{Active: true, OwnerAreaCode: c.AreaCode, OwnerPath: c.AreaPath, AuthorID: &c.UserID, EditorID: &c.UserID, CreatedAt: now, UpdatedAt: now,
			Status: QuestionInReview, Version: 1}
		apply(&q, in)
		var v fault.Validation
		checkQuestion(&q, lists, &v, "")
		if err := v.Err(); err != nil {
			fe, _ := fault.As(err)
			for _, f := range fe.Fields {
				bad = append(bad, fault.Field{Row: line, Field: f.Field, Message: f.Message})
			}
			continue
		}
		qs = append(qs, q)
	}
	if len(bad) > 0 {
		return 0, sheet.BadRows("import_invalid", "导入文件有错误，未导入任何题目", bad)
	}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.CreateInBatches(&qs, 200).Error; err != nil {
			return err
		}
		return audit.Record(tx, c.Actor(), "question.import", &audit.Place{Code: c.AreaCode, Path: c.AreaPath}, "questions", map[string]any{"rows": len(qs), "status": QuestionInReview})
	})
	if err != nil {
		return 0, fmt.Errorf("quiz: import questions: %w", err)
	}
	s.bank.invalidate()
	return len(qs), nil
}

func ptr[T any](v T) *T { return &v }

func listCell(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ' ' }) {
		out = append(out, p)
	}
	return out
}

// SeedQuestion is a question shipped with wuzha (seed/content/questions.json).
type SeedQuestion struct {
	Slug         string   `json:"slug"`
	Kind         Kind     `json:"kind"`
	Stem         string   `json:"stem"`
	Options      []Option `json:"options"`
	Answer       []string `json:"answer"`
	Explanation  string   `json:"explanation"`
	FraudType    string   `json:"fraud_type"`
	Difficulty   int      `json:"difficulty"`
	AgeBands     []string `json:"age_bands"`
	Occupations  []string `json:"occupations"`
	WarningSlugs []string `json:"warning_slugs"`
}

// Seed adds the shipped questions that are not there yet (by slug), owned by
// the root area, linking the warnings named by slug.
func (s *Service) Seed(ctx context.Context, rootCode string, items []SeedQuestion, warningIDs map[string]int64) error {
	root, err := s.areas.Get(ctx, rootCode)
	if err != nil {
		return err
	}
	var have []string
	if err := s.db.WithContext(ctx).Model(&Question{}).Where("slug IS NOT NULL").Pluck("slug", &have).Error; err != nil {
		return err
	}
	exists := map[string]bool{}
	for _, h := range have {
		exists[h] = true
	}
	lists, err := s.codes.Lists(ctx)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	var qs []Question
	for _, it := range items {
		if exists[it.Slug] {
			continue
		}
		var wids []int64
		for _, ws := range it.WarningSlugs {
			if id, ok := warningIDs[ws]; ok {
				wids = append(wids, id)
			}
		}
		slug := it.Slug
		q := Question{Slug: &slug, Active: true, OwnerAreaCode: root.Code, OwnerPath: root.Path, CreatedAt: now, UpdatedAt: now,
			Status: QuestionApproved, Version: 1} // the shipped bank was reviewed before release
		apply(&q, QuestionInput{Stem: &it.Stem, Kind: &it.Kind, Options: &it.Options, Answer: &it.Answer, Explanation: &it.Explanation,
			FraudType: &it.FraudType, Difficulty: &it.Difficulty, AgeBands: &it.AgeBands, Occupations: &it.Occupations, WarningIDs: &wids})
		var v fault.Validation
		checkQuestion(&q, lists, &v, "")
		if err := v.Err(); err != nil {
			return fmt.Errorf("quiz: seed question %s: %w", it.Slug, err)
		}
		qs = append(qs, q)
	}
	if len(qs) == 0 {
		return nil
	}
	if err := s.db.WithContext(ctx).CreateInBatches(&qs, 200).Error; err != nil {
		return fmt.Errorf("quiz: seed questions: %w", err)
	}
	s.bank.invalidate()
	return nil
}

// SeedDemoQuiz publishes a city-wide demo quiz with a prize pool when the
// installation has no quiz at all, so a fresh `make run` has one to take.
func (s *Service) SeedDemoQuiz(ctx context.Context, rootCode string) error {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Quiz{}).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	root, err := s.areas.Get(ctx, rootCode)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	q := Quiz{Title: "全民反诈知识有奖问答（演示）", Description: "10 道题，60 分及格，及格即有机会获得防诈小礼品。本问答为演示数据。",
		AreaCode: root.Code, AreaPath: root.Path, Audience: Residents, Status: Published, StartsAt: now.Add(-time.Hour), EndsAt: now.AddDate(1, 0, 0),
		QuestionCount: 10, PassScore: 60, TimeLimitS: 900, MaxAttempts: 3, MinSecondsPerQuestion: 2, CountsForAwareness: true, CreatedAt: now, UpdatedAt: now}
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&q).Error; err != nil {
			return err
		}
		return createPool(tx, &PrizePool{QuizID: q.ID, Name: "防诈宣传帆布袋（演示）", Stock: 100, MinScore: 60, Probability: 1, CreatedAt: now})
	})
}
