package supervision

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"wuzha/internal/area"
	"wuzha/internal/audit"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/fault"
	"wuzha/internal/rule"
	"wuzha/internal/store"
)

// NewItem is what an admin issues.
type NewItem struct {
	AreaCode string     `json:"area_code"`
	UnitID   *int64     `json:"unit_id"`
	Title    string     `json:"title"`
	Detail   string     `json:"detail"`
	DueAt    *time.Time `json:"due_at"`
	Period   string     `json:"period"`
	Metric   string     `json:"metric"`
}

// ErrAlreadyOpen is a second open item on the same period, area and metric.
var ErrAlreadyOpen = fault.New(fault.Conflict, "already_open", "该区域本考核期同一指标已有未销号的整改事项")

func checkDue(v *fault.Validation, field string, due *time.Time, now time.Time) {
	switch {
	case due == nil:
		v.Add(field, "必须填写整改期限")
	case !due.After(now):
		v.Add(field, "整改期限不能早于当前时间")
	case due.After(now.AddDate(1, 0, 0)):
		v.Add(field, "整改期限不能超过一年")
	}
}

func checkText(v *fault.Validation, field, val, what string, max int, required bool) {
	n := utf8.RuneCountInString(strings.TrimSpace(val))
	switch {
	case required && n == 0:
		v.Add(field, what+"必须填写")
	case n > max:
		v.Add(field, fmt.Sprintf("%s不超过 %d 字", what, max))
	}
}

// sides says how a caller stands to an item.
type sides struct{ addressed, issuing, visible bool }

func sideOf(c auth.Caller, it Item) sides {
	var s sides
	if it.UnitID != nil {
		s.addressed = c.Role == auth.UnitLiaison && c.UnitID == *it.UnitID
		s.issuing = c.Role == auth.Admin && c.APIKeyID == 0 && c.InScope(it.AreaPath)
	} else {
		s.addressed = c.Role == auth.Admin && c.APIKeyID == 0 && c.AreaCode == it.AreaCode
		s.issuing = c.Role == auth.Admin && c.APIKeyID == 0 && c.InScope(it.AreaPath) && it.AreaPath != c.AreaPath
	}
	s.visible = s.addressed || s.issuing || (c.Role == auth.Assessor && c.InScope(it.AreaPath))
	return s
}

func openKey(period, areaCode, metric string) *string {
	if metric == "" {
		return nil
	}
	k := period + "|" + areaCode + "|" + metric
	return &k
}

// Create issues an item: to an area strictly inside the admin's scope, or,
// by a root admin, to a member unit.
func (s *Service) Create(ctx context.Context, c auth.Caller, in NewItem) (View, error) {
	if c.Role != auth.Admin || c.APIKeyID != 0 {
		return View{}, fault.ErrRole
	}
	now := s.clock()
	var v fault.Validation
	in.Title, in.Detail = strings.TrimSpace(in.Title), strings.TrimSpace(in.Detail)
	checkText(&v, "title", in.Title, "标题", 200, true)
	checkText(&v, "detail", in.Detail, "整改要求", 5000, false)
	checkDue(&v, "due_at", in.DueAt, now)
	switch in.Metric {
	case "", MetricRate, MetricCoverage:
	default:
		v.Add("metric", "指标应为 rate 或 coverage")
	}
	if in.Period != "" {
		if _, err := awareness.ParsePeriod(in.Period, now); err != nil {
			v.Add("period", "考核期格式应为 2026Q3 或 2026-09，且不能晚于当前")
		}
	} else if in.Metric != "" {
		v.Add("period", "指定指标时必须填写考核期")
	}
	if (in.AreaCode == "") == (in.UnitID == nil) {
		v.Add("area_code", "须指定一个区域（area_code）或一个成员单位（unit_id）")
		return View{}, v.Err()
	}
	it := Item{IssuerID: c.UserID, IssuerName: c.Username, Title: in.Title, Detail: in.Detail, Status: Assigned,
		Period: in.Period, Metric: in.Metric, CreatedAt: now, UpdatedAt: now}
	if in.DueAt != nil {
		it.DueAt = in.DueAt.UTC()
	}
	if in.UnitID != nil {
		if !rule.AtRoot(c) {
			return View{}, ErrRootOnly
		}
		if in.Metric != "" {
			v.Add("metric", "成员单位的事项不对应区域指标")
		}
		if _, err := s.unit(ctx, *in.UnitID); err != nil {
			v.Add("unit_id", "成员单位不存在")
		}
		if err := v.Err(); err != nil {
			return View{}, err
		}
		it.AreaCode, it.AreaPath, it.UnitID = c.AreaCode, c.AreaPath, in.UnitID
	} else {
		a, err := s.areas.Get(ctx, in.AreaCode)
		if errors.Is(err, area.ErrNotFound) {
			v.Add("area_code", "区域代码不存在")
			return View{}, v.Err()
		}
		if err != nil {
			return View{}, err
		}
		if !c.InScope(a.Path) || a.Path == c.AreaPath {
			return View{}, fault.ErrOutOfScope
		}
		if err := v.Err(); err != nil {
			return View{}, err
		}
		it.AreaCode, it.AreaPath = a.Code, a.Path
		it.OpenKey = openKey(in.Period, a.Code, in.Metric)
	}
	err := s.db.Tx(ctx, func(tx *gorm.DB) error { return s.insert(tx, c, &it, "issue", it.Title) })
	if store.IsUniqueViolation(err) {
		return View{}, ErrAlreadyOpen
	}
	if err != nil {
		return View{}, err
	}
	return s.Get(ctx, c, it.ID)
}

// insert stores a new item with its first event and audit record.
func (s *Service) insert(tx *gorm.DB, c auth.Caller, it *Item, action, text string) error {
	if err := tx.Create(it).Error; err != nil {
		return err
	}
	if err := addEvent(tx, it.ID, it.CreatedAt, c, action, text); err != nil {
		return err
	}
	return audit.Record(tx, c.Actor(), "rectification."+action, &audit.Place{Code: it.AreaCode, Path: it.AreaPath},
		fmt.Sprintf("rectification:%d", it.ID), map[string]any{"title": it.Title, "due_at": it.DueAt, "metric": it.Metric, "period": it.Period, "unit_id": it.UnitID})
}

func addEvent(tx *gorm.DB, itemID int64, at time.Time, c auth.Caller, action, text string) error {
	e := Event{ItemID: itemID, At: at, Actor: c.Username, Action: action, Text: text}
	if c.UserID != 0 {
		id := c.UserID
		e.ActorID = &id
	}
	if e.Actor == "" {
		e.Actor = "system"
	}
	return tx.Create(&e).Error
}

// load reads an item the caller can see; anything else is ErrNotFound.
func (s *Service) load(ctx context.Context, c auth.Caller, id int64) (Item, sides, error) {
	var it Item
	res := s.db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&it)
	if res.Error != nil {
		return Item{}, sides{}, res.Error
	}
	if res.RowsAffected == 0 {
		return Item{}, sides{}, ErrNotFound
	}
	sd := sideOf(c, it)
	if !sd.visible {
		return Item{}, sides{}, ErrNotFound
	}
	return it, sd, nil
}

// Step is one move on an item's timeline.
type Step struct {
	Text          string     `json:"text"`
	Reason        string     `json:"reason"`
	DueAt         *time.Time `json:"due_at"`
	AttachmentIDs []int64    `json:"attachment_ids"`
}

// Actions of Move.
const (
	Accept  = "accept"
	Report  = "report"
	Return  = "return"
	Close   = "close"
	Extend  = "extension"
	Approve = "extension_approve"
	Reject  = "extension_reject"
)

// Move takes one step on item id: accept, report, return, close,
// extension, extension_approve or extension_reject.
func (s *Service) Move(ctx context.Context, c auth.Caller, id int64, action string, in Step) (View, error) {
	it, sd, err := s.load(ctx, c, id)
	if err != nil {
		return View{}, err
	}
	now := s.clock()
	var v fault.Validation
	var from []string
	to, text := "", ""
	addressed := true
	set := map[string]any{}
	ext := "" // "none": no pending request allowed; "pending": one required
	switch action {
	case Accept:
		from, to, text = []string{Assigned}, InProgress, "签收"
	case Report:
		checkText(&v, "text", in.Text, "整改情况", 5000, true)
		from, to, text = []string{InProgress}, Reported, strings.TrimSpace(in.Text)
		if len(in.AttachmentIDs) > 10 {
			v.Add("attachment_ids", "附件最多 10 个")
		}
	case Return:
		checkText(&v, "reason", in.Reason, "退回理由", 1000, true)
		from, to, text, addressed = []string{Reported}, InProgress, strings.TrimSpace(in.Reason), false
	case Close:
		checkText(&v, "text", in.Text, "销号意见", 1000, false)
		from, to, text, addressed = []string{Reported}, Closed, strings.TrimSpace(in.Text), false
		set["open_key"], set["closed_at"] = nil, now
	case Extend:
		checkText(&v, "reason", in.Reason, "延期理由", 1000, true)
		checkDue(&v, "due_at", in.DueAt, now)
		if in.DueAt != nil && !in.DueAt.After(it.DueAt) {
			v.Add("due_at", "延期后的期限应晚于当前期限")
		}
		from, ext = []string{Assigned, InProgress, Reported}, "none"
		if in.DueAt != nil {
			text = fmt.Sprintf("申请延期至 %s：%s", in.DueAt.In(area.Shanghai).Format("2006-01-02 15:04"), strings.TrimSpace(in.Reason))
			set["ext_due_at"], set["ext_reason"] = in.DueAt.UTC(), strings.TrimSpace(in.Reason)
		}
	case Approve:
		from, ext, addressed = []string{Assigned, InProgress, Reported}, "pending", false
		if it.ExtDueAt != nil {
			text = "同意延期至 " + it.ExtDueAt.In(area.Shanghai).Format("2006-01-02 15:04")
			set["due_at"] = *it.ExtDueAt
		}
		set["ext_due_at"], set["ext_reason"], set["reminded_light"] = nil, nil, ""
	case Reject:
		checkText(&v, "reason", in.Reason, "不同意延期的理由", 1000, true)
		from, ext, addressed, text = []string{Assigned, InProgress, Reported}, "pending", false, "不同意延期："+strings.TrimSpace(in.Reason)
		set["ext_due_at"], set["ext_reason"] = nil, nil
	default:
		return View{}, ErrNotFound
	}
	if (addressed && !sd.addressed) || (!addressed && !sd.issuing) {
		return View{}, ErrNotYourSide
	}
	if err := v.Err(); err != nil {
		return View{}, err
	}
	ok := false
	for _, f := range from {
		ok = ok || it.Status == f
	}
	switch {
	case !ok:
		return View{}, ErrInvalidTransition
	case ext == "none" && it.ExtDueAt != nil:
		return View{}, ErrExtensionPending
	case ext == "pending" && it.ExtDueAt == nil:
		return View{}, ErrNoExtension
	}
	if action == Close && it.Metric != "" {
		if err := s.recovered(ctx, c, it); err != nil {
			return View{}, err
		}
	}
	if to != "" {
		set["status"] = to
	}
	set["updated_at"] = now
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		q := tx.Model(&Item{}).Where("id = ? AND status = ?", it.ID, it.Status)
		switch ext {
		case "none":
			q = q.Where("ext_due_at IS NULL")
		case "pending":
			q = q.Where("ext_due_at IS NOT NULL")
		}
		res := q.Updates(set)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrInvalidTransition // a concurrent step moved it first
		}
		if err := addEvent(tx, it.ID, now, c, action, text); err != nil {
			return err
		}
		if action == Report && len(in.AttachmentIDs) > 0 {
			var ev Event
			if err := tx.Where("item_id = ?", it.ID).Order("id DESC").Limit(1).Find(&ev).Error; err != nil {
				return err
			}
			res := tx.Model(&Attachment{}).Where("item_id = ? AND event_id IS NULL AND id IN ?", it.ID, in.AttachmentIDs).Update("event_id", ev.ID)
			if res.Error != nil {
				return res.Error
			}
			if int(res.RowsAffected) != len(dedupe(in.AttachmentIDs)) {
				var fv fault.Validation
				fv.Add("attachment_ids", "附件不存在或已用于之前的反馈")
				return fv.Err()
			}
		}
		return audit.Record(tx, c.Actor(), "rectification."+action, &audit.Place{Code: it.AreaCode, Path: it.AreaPath},
			fmt.Sprintf("rectification:%d", it.ID), map[string]any{"from": it.Status, "to": to, "text": text})
	})
	if err != nil {
		return View{}, err
	}
	return s.Get(ctx, c, it.ID)
}

func dedupe(ids []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// Figures is how an area stands against the rule in a period.
type Figures struct {
	Respondents int64    `json:"respondents"`
	Rate        *float64 `json:"rate"`
	Coverage    *float64 `json:"coverage"`
}

// short reports whether figures f fall short of rule r on metric.
func short(r rule.Rule, metric string, f Figures) bool {
	switch metric {
	case MetricRate:
		return f.Respondents < int64(r.MinRespondents) || f.Rate == nil || *f.Rate < r.TargetRate
	case MetricCoverage:
		return f.Coverage == nil || *f.Coverage < r.TargetCoverage
	}
	return false
}

// recovered checks that the item's area now meets the rule on its metric
// in its period, by the live figures; ErrTargetNotMet otherwise.
func (s *Service) recovered(ctx context.Context, c auth.Caller, it Item) error {
	p, err := awareness.ParsePeriod(it.Period, s.clock())
	if err != nil {
		return err
	}
	f, err := s.awareness.Compute(ctx, c, it.AreaCode, p)
	if err != nil {
		return err
	}
	r, err := s.assessment.Rules().Get(ctx, c)
	if err != nil {
		return err
	}
	fig := Figures{Respondents: f.Respondents, Rate: f.Rate.Rate, Coverage: f.Coverage}
	if short(r, it.Metric, fig) {
		e := *ErrTargetNotMet
		e.Message = fmt.Sprintf("%s在 %s 的最新数据仍未达标（%s），不能销号", it.AreaCode, it.Period, describe(r, it.Metric, fig))
		return &e
	}
	return nil
}

func pct(p *float64) string {
	if p == nil {
		return "无数据"
	}
	return fmt.Sprintf("%.1f%%", *p*100)
}

// describe says a metric's figure against its target, in Chinese.
func describe(r rule.Rule, metric string, f Figures) string {
	if metric == MetricCoverage {
		return fmt.Sprintf("覆盖率 %s，目标 %s", pct(f.Coverage), pct(&r.TargetCoverage))
	}
	return fmt.Sprintf("知晓率 %s（样本 %d 人，最少 %d 人），目标 %s", pct(f.Rate), f.Respondents, r.MinRespondents, pct(&r.TargetRate))
}

// Get answers an item with its timeline and attachments.
func (s *Service) Get(ctx context.Context, c auth.Caller, id int64) (View, error) {
	it, sd, err := s.load(ctx, c, id)
	if err != nil {
		return View{}, err
	}
	views, err := s.views(ctx, c, []Item{it})
	if err != nil {
		return View{}, err
	}
	v := views[0]
	v.CanAct, v.CanDecide = sd.addressed, sd.issuing
	db := s.db.WithContext(ctx)
	if err := db.Where("item_id = ?", id).Order("id").Find(&v.Events).Error; err != nil {
		return View{}, err
	}
	var atts []Attachment
	if err := db.Where("item_id = ?", id).Order("id").Find(&atts).Error; err != nil {
		return View{}, err
	}
	v.Attachments = []AttachmentView{}
	byEvent := map[int64][]AttachmentView{}
	for _, a := range atts {
		av := AttachmentView{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size, CreatedAt: a.CreatedAt, Reported: a.EventID != nil}
		v.Attachments = append(v.Attachments, av)
		if a.EventID != nil {
			byEvent[*a.EventID] = append(byEvent[*a.EventID], av)
		}
	}
	for i := range v.Events {
		v.Events[i].Attachments = byEvent[v.Events[i].ID]
	}
	if v.Events == nil {
		v.Events = []Event{}
	}
	return v, nil
}

// views turns items into views (names of areas and units, lights).
func (s *Service) views(ctx context.Context, c auth.Caller, items []Item) ([]View, error) {
	now := s.clock()
	names := map[string]string{}
	units := map[int64]string{}
	out := make([]View, 0, len(items))
	for _, it := range items {
		if _, ok := names[it.AreaCode]; !ok {
			a, err := s.areas.Get(ctx, it.AreaCode)
			if err == nil {
				names[it.AreaCode] = a.Name
			}
		}
		light, overdue := lightOf(it, now)
		v := View{ID: it.ID, AreaCode: it.AreaCode, AreaName: names[it.AreaCode], UnitID: it.UnitID, Title: it.Title, Detail: it.Detail,
			Status: it.Status, DueAt: it.DueAt, Overdue: overdue, Light: light, IssuedBy: it.IssuerName,
			CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, ClosedAt: it.ClosedAt}
		if it.UnitID != nil {
			if _, ok := units[*it.UnitID]; !ok {
				if u, err := s.unit(ctx, *it.UnitID); err == nil {
					units[*it.UnitID] = u.Name
				}
			}
			n := units[*it.UnitID]
			v.UnitName = &n
		}
		if it.Metric != "" {
			m := it.Metric
			v.Metric = &m
		}
		if it.Period != "" {
			p := it.Period
			v.Period = &p
		}
		if it.ExtDueAt != nil {
			v.Extension = &Extension{DueAt: *it.ExtDueAt, Reason: deref(it.ExtReason)}
		}
		sd := sideOf(c, it)
		v.CanAct, v.CanDecide = sd.addressed, sd.issuing
		out = append(out, v)
	}
	return out, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Filter narrows List.
type Filter struct {
	Status   string
	AreaCode string
	Light    string
	Box      string // "todo": addressed to me; "issued": I am the issuing side
	Overdue  bool
	BeforeID int64
	Limit    int
}

// ErrBadFilter is an unknown filter value.
var ErrBadFilter = fault.New(fault.Invalid, "invalid_parameter", "筛选条件有误")

// visible is the query of the items c may see, narrowed to box.
func visible(db *gorm.DB, c auth.Caller, box string) (*gorm.DB, error) {
	switch {
	case c.Role == auth.UnitLiaison && c.UnitID > 0:
		if box == "issued" {
			return db.Where("1 = 0"), nil
		}
		return db.Where("unit_id = ?", c.UnitID), nil
	case c.Role == auth.Admin && c.APIKeyID == 0:
		q := db.Where("area_path LIKE ?", c.ScopeLike())
		switch box {
		case "todo":
			q = q.Where("unit_id IS NULL AND area_code = ?", c.AreaCode)
		case "issued":
			q = q.Where("NOT (unit_id IS NULL AND area_code = ?)", c.AreaCode)
		}
		return q, nil
	case c.Role == auth.Assessor:
		if box == "todo" {
			return db.Where("1 = 0"), nil
		}
		return db.Where("area_path LIKE ?", c.ScopeLike()), nil
	}
	return nil, fault.ErrRole
}

// List lists the items c may see, newest first.
func (s *Service) List(ctx context.Context, c auth.Caller, f Filter) ([]View, error) {
	switch f.Status {
	case "", Assigned, InProgress, Reported, Closed:
	default:
		return nil, ErrBadFilter
	}
	switch f.Box {
	case "", "todo", "issued":
	default:
		return nil, ErrBadFilter
	}
	q, err := visible(s.db.WithContext(ctx).Model(&Item{}), c, f.Box)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.AreaCode != "" {
		q = q.Where("area_code = ?", f.AreaCode)
	}
	if f.Overdue {
		q = q.Where("status <> ? AND due_at <= ?", Closed, now)
	}
	switch f.Light {
	case "":
	case Red:
		q = q.Where("status <> ? AND due_at <= ?", Closed, now)
	case Yellow:
		q = q.Where("status <> ? AND due_at > ? AND due_at <= ?", Closed, now, now.Add(DueSoon))
	case Green:
		q = q.Where("status = ? OR due_at > ?", Closed, now.Add(DueSoon))
	default:
		return nil, ErrBadFilter
	}
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	var items []Item
	if err := q.Order("id DESC").Limit(f.Limit).Find(&items).Error; err != nil {
		return nil, err
	}
	return s.views(ctx, c, items)
}

// Summary is the workbench's counts.
type Summary struct {
	ToAccept   int `json:"to_accept"`   // 待签收: addressed to me, not yet accepted
	DueSoon    int `json:"due_soon"`    // 即将到期: open items I handle or supervise, yellow
	Overdue    int `json:"overdue"`     // 已逾期: open items I handle or supervise, red
	ToClose    int `json:"to_close"`    // 待销号: reported items on my issuing side
	IssuedOpen int `json:"issued_open"` // open items on my issuing side
	OnTrack    int `json:"on_track"`    // open items I handle or supervise, green
}

// Summary counts the caller's open items.
func (s *Service) Summary(ctx context.Context, c auth.Caller) (Summary, error) {
	q, err := visible(s.db.WithContext(ctx).Model(&Item{}), c, "")
	if err != nil {
		return Summary{}, err
	}
	var items []Item
	if err := q.Where("status <> ?", Closed).Limit(10000).Find(&items).Error; err != nil {
		return Summary{}, err
	}
	now := s.clock()
	var sum Summary
	for _, it := range items {
		sd := sideOf(c, it)
		if !sd.addressed && !sd.issuing {
			continue
		}
		switch light, _ := lightOf(it, now); light {
		case Yellow:
			sum.DueSoon++
		case Red:
			sum.Overdue++
		default:
			sum.OnTrack++
		}
		if sd.addressed && it.Status == Assigned {
			sum.ToAccept++
		}
		if sd.issuing {
			sum.IssuedOpen++
			if it.Status == Reported {
				sum.ToClose++
			}
		}
	}
	return sum, nil
}
