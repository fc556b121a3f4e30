package content

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"wuzha/internal/area"
	"wuzha/internal/audit"
	"wuzha/internal/auth"
	"wuzha/internal/fault"
	"wuzha/internal/store"
	"wuzha/internal/taxonomy"
)

// Service writes, reviews, serves and measures warnings.
type Service struct {
	db     *store.DB
	areas  *area.Store
	codes  *taxonomy.Store
	render *Renderer
	live   liveCache
	// profiles place residents' reading and fill their feed (UseProfiles).
	profiles Profiles
}

// NewService wires the service.
func NewService(db *store.DB, areas *area.Store, codes *taxonomy.Store) *Service {
	return &Service{db: db, areas: areas, codes: codes, render: NewRenderer(), live: liveCache{ttl: 2 * time.Second}}
}

// Input is a warning's content and targeting as an editor writes it. On
// PATCH, nil fields keep their current value.
type Input struct {
	Title        *string    `json:"title"`
	Summary      *string    `json:"summary"`
	BodyMarkdown *string    `json:"body_markdown"`
	FraudType    *string    `json:"fraud_type"`
	AgeBands     *[]string  `json:"age_bands"`
	Occupations  *[]string  `json:"occupations"`
	AreaCodes    *[]string  `json:"area_codes"`
	PublishAt    *time.Time `json:"publish_at"`
	ExpireAt     *time.Time `json:"expire_at"`
}

// Detail is a warning as the API shows it.
type Detail struct {
	ID            int64      `json:"id"`
	Title         string     `json:"title"`
	Summary       string     `json:"summary"`
	BodyHTML      string     `json:"body_html"`
	BodyMarkdown  *string    `json:"body_markdown,omitempty"`
	FraudType     string     `json:"fraud_type"`
	FraudTypeName string     `json:"fraud_type_name"`
	AgeBands      []string   `json:"age_bands"`
	Occupations   []string   `json:"occupations"`
	AreaCodes     []string   `json:"area_codes"`
	Status        Status     `json:"status"`
	Live          bool       `json:"live"`
	Version       int        `json:"version"`
	PublishAt     *time.Time `json:"publish_at"`
	ExpireAt      *time.Time `json:"expire_at"`
	PublishedAt   *time.Time `json:"published_at"`
	OwnerAreaCode string     `json:"owner_area_code,omitempty"`
	AuthorID      *int64     `json:"author_id,omitempty"`
	ReviewerID    *int64     `json:"reviewer_id,omitempty"`
	RejectReason  string     `json:"reject_reason,omitempty"`
	UpdatedAt     *time.Time `json:"updated_at,omitempty"`
	Acknowledged  *bool      `json:"acknowledged,omitempty"`
}

func (s *Service) detail(w Warning, v Version, lists taxonomy.Lists, staff bool) Detail {
	d := Detail{ID: w.ID, Title: v.Title, Summary: v.Summary, BodyHTML: v.BodyHTML, FraudType: v.FraudType,
		AgeBands: splitCodes(v.AgeBands), Occupations: splitCodes(v.Occupations), AreaCodes: splitCodes(v.AreaCodes),
		Status: w.Status, Live: w.LiveVersionID != nil && w.Status != Archived, Version: v.Version,
		PublishAt: v.PublishAt, ExpireAt: v.ExpireAt, PublishedAt: w.FirstPublishedAt}
	for _, ft := range lists.FraudTypes {
		if ft.Code == v.FraudType {
			d.FraudTypeName = ft.Name
		}
	}
	if staff {
		md := v.BodyMarkdown
		d.BodyMarkdown = &md
		d.OwnerAreaCode, d.AuthorID, d.ReviewerID, d.RejectReason = w.OwnerAreaCode, w.AuthorID, w.ReviewerID, w.RejectReason
		u := w.UpdatedAt
		d.UpdatedAt = &u
	}
	return d
}

// validate checks in and turns it into a version, resolving targeted areas
// and requiring each to lie inside the editor's scope.
func (s *Service) validate(ctx context.Context, c auth.Caller, in Input, base Version) (Version, error) {
	v := base
	if in.Title != nil {
		v.Title = s.render.Text(*in.Title)
	}
	if in.Summary != nil {
		v.Summary = s.render.Text(*in.Summary)
	}
	if in.BodyMarkdown != nil {
		v.BodyMarkdown = *in.BodyMarkdown
	}
	if in.FraudType != nil {
		v.FraudType = *in.FraudType
	}
	if in.PublishAt != nil {
		t := in.PublishAt.UTC()
		v.PublishAt = &t
	}
	if in.ExpireAt != nil {
		t := in.ExpireAt.UTC()
		v.ExpireAt = &t
	}
	lists, err := s.codes.Lists(ctx)
	if err != nil {
		return v, err
	}
	var val fault.Validation
	if l := utf8.RuneCountInString(v.Title); l < 2 || l > 100 {
		val.Add("title", "标题应为 2–100 字")
	}
	if l := utf8.RuneCountInString(v.Summary); l < 2 || l > 300 {
		val.Add("summary", "摘要应为 2–300 字")
	}
	if l := utf8.RuneCountInString(strings.TrimSpace(v.BodyMarkdown)); l < 10 || len(v.BodyMarkdown) > 60000 {
		val.Add("body_markdown", "正文应为 10 字以上、60000 字节以内")
	}
	if !lists.Has(taxonomy.FraudType, v.FraudType) {
		val.Add("fraud_type", "诈骗类型无效")
	}
	codes := func(field, kind string, in *[]string, cur string) string {
		if in == nil {
			return cur
		}
		seen := map[string]bool{}
		var out []string
		for _, c := range *in {
			if !lists.Has(kind, c) {
				val.Add(field, fmt.Sprintf("代码 %q 无效", c))
				continue
			}
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
		sort.Strings(out)
		return joinCodes(out)
	}
	v.AgeBands = codes("age_bands", taxonomy.AgeBand, in.AgeBands, v.AgeBands)
	v.Occupations = codes("occupations", taxonomy.Occupation, in.Occupations, v.Occupations)
	if in.AreaCodes != nil {
		var out []string
		seen := map[string]bool{}
		for _, code := range *in.AreaCodes {
			a, err := s.areas.Get(ctx, code)
			if errors.Is(err, area.ErrNotFound) {
				val.Add("area_codes", fmt.Sprintf("区域 %q 不存在", code))
				continue
			}
			if err != nil {
				return v, err
			}
			if !c.InScope(a.Path) {
				return v, fault.ErrOutOfScope
			}
			if !seen[code] {
				seen[code] = true
				out = append(out, code)
			}
		}
		if len(out) > 50 {
			val.Add("area_codes", "最多指定 50 个区域")
		}
		sort.Strings(out)
		v.AreaCodes = joinCodes(out)
	}
	if v.PublishAt != nil && v.ExpireAt != nil && !v.ExpireAt.After(*v.PublishAt) {
		val.Add("expire_at", "失效时间必须晚于发布时间")
	}
	if v.ExpireAt != nil && v.ExpireAt.Before(time.Now()) {
		val.Add("expire_at", "失效时间不能早于现在")
	}
	if err := val.Err(); err != nil {
		return v, err
	}
	if v.BodyHTML, err = s.render.HTML(v.BodyMarkdown); err != nil {
		return v, fmt.Errorf("content: render: %w", err)
	}
	return v, nil
}

// Preview renders Markdown exactly as it would be published.
func (s *Service) Preview(markdown string) (string, error) {
	if len(markdown) > 60000 {
		return "", fault.New(fault.Invalid, "validation_failed", "正文过长")
	}
	return s.render.HTML(markdown)
}

// Create writes a new draft owned by the editor's scope area.
func (s *Service) Create(ctx context.Context, c auth.Caller, in Input) (Detail, error) {
	if !c.Is(auth.Editor) {
		return Detail{}, fault.ErrRole
	}
	v, err := s.validate(ctx, c, in, Version{})
	if err != nil {
		return Detail{}, err
	}
	now := time.Now().UTC()
	w := Warning{Status: Draft, OwnerAreaCode: c.AreaCode, OwnerPath: c.AreaPath, AuthorID: &c.UserID, CreatedAt: now, UpdatedAt: now}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&w).Error; err != nil {
			return err
		}
		v.WarningID, v.Version, v.EditorID, v.CreatedAt = w.ID, 1, &c.UserID, now
		if err := tx.Create(&v).Error; err != nil {
			return err
		}
		if err := tx.Model(&w).Update("head_version_id", v.ID).Error; err != nil {
			return err
		}
		return audit.Record(tx, c.Actor(), "warning.create", &audit.Place{Code: w.OwnerAreaCode, Path: w.OwnerPath}, fmt.Sprintf("warning:%d", w.ID), map[string]any{"title": v.Title})
	})
	if err != nil {
		return Detail{}, fmt.Errorf("content: create: %w", err)
	}
	return s.staffDetail(ctx, w.ID)
}

// load reads a warning the caller may see as staff (in scope), with its head version.
func (s *Service) load(ctx context.Context, c auth.Caller, id int64) (Warning, Version, error) {
	var w Warning
	err := s.db.WithContext(ctx).Where("id = ? AND owner_path LIKE ?", id, c.ScopeLike()).Take(&w).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return w, Version{}, ErrNotFound
	}
	if err != nil {
		return w, Version{}, err
	}
	var v Version
	if err := s.db.WithContext(ctx).Where("id = ?", *w.HeadVersionID).Take(&v).Error; err != nil {
		return w, v, fmt.Errorf("content: head version of %d: %w", id, err)
	}
	return w, v, nil
}

func (s *Service) staffDetail(ctx context.Context, id int64) (Detail, error) {
	var w Warning
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&w).Error; err != nil {
		return Detail{}, err
	}
	var v Version
	if err := s.db.WithContext(ctx).Where("id = ?", *w.HeadVersionID).Take(&v).Error; err != nil {
		return Detail{}, err
	}
	lists, err := s.codes.Lists(ctx)
	if err != nil {
		return Detail{}, err
	}
	return s.detail(w, v, lists, true), nil
}

// Update saves an edit as a new version. A draft stays a draft; a published
// warning gets a new draft version while the published one stays live. A
// warning in review or archived cannot be edited.
func (s *Service) Update(ctx context.Context, c auth.Caller, id int64, in Input) (Detail, error) {
	if !c.Is(auth.Editor) {
		return Detail{}, fault.ErrRole
	}
	w, head, err := s.load(ctx, c, id)
	if err != nil {
		return Detail{}, err
	}
	if w.Status != Draft && w.Status != Published {
		return Detail{}, ErrNotEditable
	}
	v, err := s.validate(ctx, c, in, head)
	if err != nil {
		return Detail{}, err
	}
	now := time.Now().UTC()
	v.ID, v.Version, v.EditorID, v.CreatedAt = 0, head.Version+1, &c.UserID, now
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&v).Error; err != nil {
			return err
		}
		res := tx.Model(&Warning{}).Where("id = ? AND status = ? AND head_version_id = ?", w.ID, w.Status, head.ID).
			Updates(map[string]any{"head_version_id": v.ID, "status": Draft, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrTransition // someone else changed it meanwhile
		}
		return audit.Record(tx, c.Actor(), "warning.update", &audit.Place{Code: w.OwnerAreaCode, Path: w.OwnerPath}, fmt.Sprintf("warning:%d", w.ID), map[string]any{"version": v.Version})
	})
	if err != nil {
		return Detail{}, err
	}
	return s.staffDetail(ctx, w.ID)
}

// Transition names a workflow step.
type Transition string

// Workflow steps.
const (
	Submit  Transition = "submit"
	Approve Transition = "approve"
	Reject  Transition = "reject"
	Archive Transition = "archive"
)

// Move applies a workflow step. Editors submit; reviewers approve or reject,
// never a warning they wrote or last edited; editors and reviewers archive a
// warning that has been published. Each step is one conditional update, so a
// concurrent step cannot apply twice.
func (s *Service) Move(ctx context.Context, c auth.Caller, id int64, t Transition, reason string) (Detail, error) {
	w, head, err := s.load(ctx, c, id)
	if err != nil {
		return Detail{}, err
	}
	now := time.Now().UTC()
	var from []Status
	updates := map[string]any{"updated_at": now}
	detail := map[string]any{"version": head.Version}
	switch t {
	case Submit:
		if !c.Is(auth.Editor) {
			return Detail{}, fault.ErrRole
		}
		from = []Status{Draft}
		updates["status"], updates["reject_reason"] = InReview, ""
	case Approve, Reject:
		if !c.Is(auth.Reviewer) {
			return Detail{}, fault.ErrRole
		}
		if w.Status != InReview {
			return Detail{}, ErrTransition
		}
		if (w.AuthorID != nil && *w.AuthorID == c.UserID) || (head.EditorID != nil && *head.EditorID == c.UserID) {
			return Detail{}, ErrOwnReview
		}
		from = []Status{InReview}
		updates["reviewer_id"], updates["reviewed_at"] = c.UserID, now
		if t == Approve {
			updates["status"], updates["live_version_id"] = Published, head.ID
			if w.FirstPublishedAt == nil {
				updates["first_published_at"] = now
			}
		} else {
			reason = s.render.Text(reason)
			if err := fault.CheckRejectReason(reason); err != nil {
				return Detail{}, err
			}
			updates["status"], updates["reject_reason"] = Draft, reason
			detail["reason"] = reason
		}
	case Archive:
		if !c.Is(auth.Editor, auth.Reviewer) {
			return Detail{}, fault.ErrRole
		}
		if w.LiveVersionID == nil {
			return Detail{}, ErrTransition
		}
		from = []Status{Draft, InReview, Published}
		updates["status"] = Archived
	default:
		return Detail{}, ErrNotFound
	}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&Warning{}).Where("id = ? AND status IN ? AND head_version_id = ?", w.ID, from, head.ID).Updates(updates)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrTransition
		}
		return audit.Record(tx, c.Actor(), "warning."+string(t), &audit.Place{Code: w.OwnerAreaCode, Path: w.OwnerPath}, fmt.Sprintf("warning:%d", w.ID), detail)
	})
	if err != nil {
		return Detail{}, err
	}
	if t == Approve || t == Archive {
		s.live.invalidate()
	}
	return s.staffDetail(ctx, w.ID)
}

// Filter narrows the staff list.
type Filter struct {
	Status    Status
	FraudType string
	Query     string // words of the title, or the id

	BeforeID int64
	Limit    int
}

// Summary is a warning in the staff list.
type Summary struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	FraudType string    `json:"fraud_type"`
	Status    Status    `json:"status"`
	Live      bool      `json:"live"`
	Version   int       `json:"version"`
	OwnerArea string    `json:"owner_area_code"`
	AuthorID  *int64    `json:"author_id"`
	UpdatedAt time.Time `json:"updated_at"`
}

// List lists warnings owned inside the caller's scope, newest first,
// filtered in the query by the scope's path.
func (s *Service) List(ctx context.Context, c auth.Caller, f Filter) ([]Summary, error) {
	if !c.Role.IsStaff() {
		return nil, fault.ErrRole
	}
	q := s.db.WithContext(ctx).Table("warnings").
		Select("warnings.id, warning_versions.title, warning_versions.fraud_type, warnings.status, warnings.live_version_id IS NOT NULL AND warnings.status <> 'archived' AS live, warning_versions.version, warnings.owner_area_code AS owner_area, warnings.author_id, warnings.updated_at").
		Joins("JOIN warning_versions ON warning_versions.id = warnings.head_version_id").
		Where("warnings.owner_path LIKE ?", c.ScopeLike())
	if f.Status != "" {
		q = q.Where("warnings.status = ?", f.Status)
	}
	if f.FraudType != "" {
		q = q.Where("warning_versions.fraud_type = ?", f.FraudType)
	}
	q = store.ContainsOrID(q, "warning_versions.title", "warnings.id", f.Query)
	if f.BeforeID > 0 {
		q = q.Where("warnings.id < ?", f.BeforeID)
	}
	out := []Summary{}
	if err := q.Order("warnings.id DESC").Limit(f.Limit).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("content: list: %w", err)
	}
	return out, nil
}

// VersionInfo is one entry of a warning's edit history.
type VersionInfo struct {
	Version  int    `json:"version"`
	Title    string `json:"title"`
	EditorID *int64 `json:"editor_id"`
	// EditorName is the editor's display name (auth.DisplayNames).
	EditorName string    `json:"editor_name"`
	CreatedAt  time.Time `json:"created_at"`
	Live       bool      `json:"live"`
}

// History lists a warning's versions, newest first.
func (s *Service) History(ctx context.Context, c auth.Caller, id int64) ([]VersionInfo, error) {
	w, _, err := s.load(ctx, c, id)
	if err != nil {
		return nil, err
	}
	var vs []Version
	if err := s.db.WithContext(ctx).Where("warning_id = ?", w.ID).Order("version DESC").Find(&vs).Error; err != nil {
		return nil, err
	}
	var ids []int64
	for _, v := range vs {
		if v.EditorID != nil {
			ids = append(ids, *v.EditorID)
		}
	}
	names, err := auth.DisplayNames(ctx, s.db.DB, ids)
	if err != nil {
		return nil, err
	}
	out := make([]VersionInfo, len(vs))
	for i, v := range vs {
		out[i] = VersionInfo{Version: v.Version, Title: v.Title, EditorID: v.EditorID, CreatedAt: v.CreatedAt, Live: w.LiveVersionID != nil && *w.LiveVersionID == v.ID && w.Status != Archived}
		if v.EditorID != nil {
			out[i].EditorName = names[*v.EditorID]
		}
	}
	return out, nil
}

// Get shows a warning: staff in scope see the newest version in any state;
// everyone else sees the live version of a published, current warning.
func (s *Service) Get(ctx context.Context, c auth.Caller, id int64) (Detail, error) {
	if c.Role.IsStaff() {
		w, v, err := s.load(ctx, c, id)
		if err == nil {
			lists, err := s.codes.Lists(ctx)
			if err != nil {
				return Detail{}, err
			}
			return s.detail(w, v, lists, true), nil
		}
		if !errors.Is(err, ErrNotFound) {
			return Detail{}, err
		}
	}
	lw, ok, err := s.live.get(ctx, s, id)
	if err != nil {
		return Detail{}, err
	}
	if !ok || !lw.current(time.Now()) {
		return Detail{}, ErrNotFound
	}
	return lw.detail, nil
}
