package supervision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"wuzha/internal/area"
	"wuzha/internal/assessment"
	"wuzha/internal/audit"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/fault"
	"wuzha/internal/rule"
	"wuzha/internal/store"
)

// NoticeInput asks for a notice on an area's children in a period, or (a
// root admin) on a member unit's items of the period.
type NoticeInput struct {
	Period   string `json:"period"`
	AreaCode string `json:"area_code"`
	UnitID   *int64 `json:"unit_id"`
}

// NoticeView is a notice as the API answers it.
type NoticeView struct {
	ID        int64     `json:"id"`
	Number    string    `json:"number"`
	Period    string    `json:"period"`
	AreaCode  string    `json:"area_code"`
	AreaName  string    `json:"area_name"`
	UnitID    *int64    `json:"unit_id"`
	UnitName  *string   `json:"unit_name"`
	BodyHTML  string    `json:"body_html"`
	Items     []View    `json:"items"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
}

// CreateNotice writes the next numbered notice (通报) of the area: the
// children below target with their figures, the overdue items inside the
// area and the ranking of the children by score. Numbers run per area and
// year ("2026Q4-001"); two notices created at once get distinct numbers
// (a unique index on area, year and number, and a retry).
func (s *Service) CreateNotice(ctx context.Context, c auth.Caller, in NoticeInput) (NoticeView, error) {
	if c.Role != auth.Admin || c.APIKeyID != 0 {
		return NoticeView{}, fault.ErrRole
	}
	if (in.AreaCode == "") == (in.UnitID == nil) {
		var v fault.Validation
		v.Add("area_code", "须指定一个区域（area_code）或一个成员单位（unit_id）")
		return NoticeView{}, v.Err()
	}
	now := s.clock()
	p, err := awareness.ParsePeriod(in.Period, now)
	if err != nil {
		return NoticeView{}, err
	}
	if in.UnitID != nil {
		return s.unitNotice(ctx, c, *in.UnitID, p, now)
	}
	sh, err := s.assessment.Get(ctx, c, in.AreaCode, p)
	if err != nil {
		return NoticeView{}, err
	}
	a, err := s.areas.Get(ctx, in.AreaCode)
	if err != nil {
		return NoticeView{}, err
	}
	var overdue []Item
	err = s.db.WithContext(ctx).Where("area_path LIKE ? AND area_path <> ? AND status <> ? AND due_at <= ?",
		area.SubtreeLike(a.Path), a.Path, Closed, now).Order("due_at").Limit(200).Find(&overdue).Error
	if err != nil {
		return NoticeView{}, err
	}
	items, err := s.views(ctx, c, overdue)
	if err != nil {
		return NoticeView{}, err
	}
	for i := range items {
		items[i].CanAct, items[i].CanDecide = false, false
	}
	itemsJSON, _ := json.Marshal(items)
	year, _ := strconv.Atoi(p.Name[:4])
	n := Notice{AreaCode: a.Code, AreaPath: a.Path, Period: p.Name, Year: year, ItemsJSON: string(itemsJSON),
		CreatedAt: now.Truncate(time.Second), CreatedByID: c.UserID, CreatedBy: c.Username}
	err = s.insertNotice(ctx, c, &n, a, func(number string) string { return noticeHTML(number, a, p.Name, sh, items, now) },
		map[string]any{"period": p.Name, "overdue_items": len(items)})
	if err != nil {
		return NoticeView{}, err
	}
	return noticeView(n, a.Name, nil), nil
}

// insertNotice numbers and stores n in the series of the issuing area a
// (per area and year, whether the notice is on the area or on a member
// unit), retrying when a concurrent notice took the number.
func (s *Service) insertNotice(ctx context.Context, c auth.Caller, n *Notice, a area.Area, body func(number string) string, detail map[string]any) error {
	var err error
	for try := 0; ; try++ {
		err = s.db.Tx(ctx, func(tx *gorm.DB) error {
			var last struct{ Seq *int }
			if err := tx.Model(&Notice{}).Select("MAX(seq) AS seq").Where("area_code = ? AND year = ?", a.Code, n.Year).Scan(&last).Error; err != nil {
				return err
			}
			n.ID, n.Seq = 0, 1
			if last.Seq != nil {
				n.Seq = *last.Seq + 1
			}
			n.Number = fmt.Sprintf("%s-%03d", n.Period, n.Seq)
			n.BodyHTML = body(n.Number)
			if err := tx.Create(n).Error; err != nil {
				return err
			}
			return audit.Record(tx, c.Actor(), "notice.create", a.Place(), "notice:"+n.Number, detail)
		})
		if err == nil || !store.IsUniqueViolation(err) || try >= 20 {
			return err
		}
	}
}

// unitNotice writes a notice to a member unit (root admins only) on the
// unit's items of the period: those open during it (created before its end,
// not closed before its start), overdue first, then open, then closed.
func (s *Service) unitNotice(ctx context.Context, c auth.Caller, unitID int64, p awareness.Period, now time.Time) (NoticeView, error) {
	if !rule.AtRoot(c) {
		return NoticeView{}, ErrRootOnly
	}
	u, err := s.unit(ctx, unitID)
	if errors.Is(err, ErrUnitNotFound) {
		var v fault.Validation
		v.Add("unit_id", "成员单位不存在")
		return NoticeView{}, v.Err()
	}
	if err != nil {
		return NoticeView{}, err
	}
	a, err := s.areas.Get(ctx, c.AreaCode)
	if err != nil {
		return NoticeView{}, err
	}
	var rows []Item
	err = s.db.WithContext(ctx).Where("unit_id = ? AND created_at < ? AND (closed_at IS NULL OR closed_at >= ?)", u.ID, p.End, p.Start).
		Order("due_at, id").Limit(500).Find(&rows).Error
	if err != nil {
		return NoticeView{}, err
	}
	vs, err := s.views(ctx, c, rows)
	if err != nil {
		return NoticeView{}, err
	}
	items := make([]View, 0, len(vs))
	for _, pass := range []func(View) bool{
		func(v View) bool { return v.Status != Closed && v.Overdue },
		func(v View) bool { return v.Status != Closed && !v.Overdue },
		func(v View) bool { return v.Status == Closed },
	} {
		for _, v := range vs {
			if pass(v) {
				v.CanAct, v.CanDecide = false, false
				items = append(items, v)
			}
		}
	}
	itemsJSON, _ := json.Marshal(items)
	year, _ := strconv.Atoi(p.Name[:4])
	uid := u.ID
	n := Notice{AreaCode: a.Code, AreaPath: a.Path, UnitID: &uid, Period: p.Name, Year: year, ItemsJSON: string(itemsJSON),
		CreatedAt: now.Truncate(time.Second), CreatedByID: c.UserID, CreatedBy: c.Username}
	err = s.insertNotice(ctx, c, &n, a, func(number string) string { return unitNoticeHTML(number, a, u, p.Name, items, now) },
		map[string]any{"period": p.Name, "unit_id": u.ID, "items": len(items)})
	if err != nil {
		return NoticeView{}, err
	}
	return noticeView(n, a.Name, &u.Name), nil
}

// unitNoticeHTML builds a unit notice's body; every value is escaped.
func unitNoticeHTML(number string, a area.Area, u Unit, period string, items []View, now time.Time) string {
	e := html.EscapeString
	day := func(t time.Time) string { return e(t.In(area.Shanghai).Format("2006-01-02")) }
	var overdue, open, closed []View
	for _, it := range items {
		switch {
		case it.Status == Closed:
			closed = append(closed, it)
		case it.Overdue:
			overdue = append(overdue, it)
		default:
			open = append(open, it)
		}
	}
	status := map[string]string{Assigned: "待签收", InProgress: "整改中", Reported: "已反馈待销号", Closed: "已销号"}
	var b strings.Builder
	fmt.Fprintf(&b, `<article class="notice"><header><h1>%s反诈工作督办通报</h1><p class="notice-number">%s</p><p class="notice-date">%s</p></header>`,
		e(a.Name), e(number), e(now.In(area.Shanghai).Format("2006年1月2日")))
	fmt.Fprintf(&b, `<p><strong>%s</strong>：%s 考核期内交办你单位的整改事项共 %d 项，其中逾期未办结 %d 项，办理中 %d 项，已销号 %d 项。现将有关情况通报如下。</p>`,
		e(u.Name), e(period), len(items), len(overdue), len(open), len(closed))
	b.WriteString(`<h2>一、逾期未办结的整改事项</h2>`)
	if len(overdue) == 0 {
		b.WriteString(`<p>无。</p>`)
	} else {
		b.WriteString(`<table><thead><tr><th>事项</th><th>期限</th><th>逾期天数</th><th>状态</th></tr></thead><tbody>`)
		for _, it := range overdue {
			days := int(math.Ceil(now.Sub(it.DueAt).Hours() / 24))
			fmt.Fprintf(&b, `<tr><td>%s</td><td>%s</td><td>%d 天</td><td>%s</td></tr>`, e(it.Title), day(it.DueAt), days, e(status[it.Status]))
		}
		b.WriteString(`</tbody></table>`)
	}
	b.WriteString(`<h2>二、办理中的整改事项</h2>`)
	if len(open) == 0 {
		b.WriteString(`<p>无。</p>`)
	} else {
		b.WriteString(`<table><thead><tr><th>事项</th><th>期限</th><th>状态</th></tr></thead><tbody>`)
		for _, it := range open {
			fmt.Fprintf(&b, `<tr><td>%s</td><td>%s</td><td>%s</td></tr>`, e(it.Title), day(it.DueAt), e(status[it.Status]))
		}
		b.WriteString(`</tbody></table>`)
	}
	b.WriteString(`<h2>三、已销号的整改事项</h2>`)
	if len(closed) == 0 {
		b.WriteString(`<p>无。</p>`)
	} else {
		b.WriteString(`<table><thead><tr><th>事项</th><th>期限</th><th>销号日期</th></tr></thead><tbody>`)
		for _, it := range closed {
			done := ""
			if it.ClosedAt != nil {
				done = day(*it.ClosedAt)
			}
			fmt.Fprintf(&b, `<tr><td>%s</td><td>%s</td><td>%s</td></tr>`, e(it.Title), day(it.DueAt), done)
		}
		b.WriteString(`</tbody></table>`)
	}
	b.WriteString(`</article>`)
	return b.String()
}

func noticeView(n Notice, areaName string, unitName *string) NoticeView {
	v := NoticeView{ID: n.ID, Number: n.Number, Period: n.Period, AreaCode: n.AreaCode, AreaName: areaName, UnitID: n.UnitID, UnitName: unitName, BodyHTML: n.BodyHTML,
		CreatedAt: n.CreatedAt, CreatedBy: n.CreatedBy, Items: []View{}}
	_ = json.Unmarshal([]byte(n.ItemsJSON), &v.Items)
	return v
}

// noticeHTML builds the notice's body. Every value is escaped: the body is
// made here from names and figures, never from HTML a client sent.
func noticeHTML(number string, a area.Area, period string, sh assessment.Sheet, items []View, now time.Time) string {
	e := html.EscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<article class="notice"><header><h1>%s反诈宣传工作通报</h1><p class="notice-number">%s</p><p class="notice-date">%s</p></header>`,
		e(a.Name), e(number), e(now.In(area.Shanghai).Format("2006年1月2日")))
	fmt.Fprintf(&b, `<p>根据 %s 考核期反诈知晓率和覆盖率数据（考核规则：知晓率目标 %s，覆盖率目标 %s，最少样本 %d 人），现将有关情况通报如下。</p>`,
		e(period), pct(&sh.Rule.TargetRate), pct(&sh.Rule.TargetCoverage), sh.Rule.MinRespondents)
	b.WriteString(`<h2>一、未达标区域</h2>`)
	var below []string
	for _, row := range sh.Rows {
		var parts []string
		for _, m := range shortfalls(sh.Rule, row) {
			parts = append(parts, describe(sh.Rule, m, rowFigures(row)))
		}
		if len(parts) > 0 {
			below = append(below, fmt.Sprintf(`<li><strong>%s</strong>：%s</li>`, e(row.Name), e(strings.Join(parts, "；"))))
		}
	}
	if len(below) == 0 {
		b.WriteString(`<p>本期各区域均已达标。</p>`)
	} else {
		b.WriteString(`<ul>` + strings.Join(below, "") + `</ul>`)
	}
	b.WriteString(`<h2>二、逾期未办结的整改事项</h2>`)
	if len(items) == 0 {
		b.WriteString(`<p>无。</p>`)
	} else {
		b.WriteString(`<table><thead><tr><th>区域</th><th>事项</th><th>期限</th><th>状态</th></tr></thead><tbody>`)
		status := map[string]string{Assigned: "待签收", InProgress: "整改中", Reported: "已反馈待销号"}
		for _, it := range items {
			fmt.Fprintf(&b, `<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>`, e(it.AreaName), e(it.Title),
				e(it.DueAt.In(area.Shanghai).Format("2006-01-02")), e(status[it.Status]))
		}
		b.WriteString(`</tbody></table>`)
	}
	b.WriteString(`<h2>三、得分排名</h2><table><thead><tr><th>排名</th><th>区域</th><th>得分</th><th>知晓率</th><th>覆盖率</th><th>样本</th></tr></thead><tbody>`)
	rows := append([]assessment.Row(nil), sh.Rows...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Rank < rows[j].Rank })
	for _, row := range rows {
		fmt.Fprintf(&b, `<tr><td>%d</td><td>%s</td><td>%.1f</td><td>%s</td><td>%s</td><td>%d</td></tr>`,
			row.Rank, e(row.Name), row.Score, pct(row.Rate), pct(row.Coverage), row.Respondents)
	}
	b.WriteString(`</tbody></table>`)
	fmt.Fprintf(&b, `<p class="notice-note">%s</p></article>`, e(sh.Note))
	return b.String()
}

// Notices lists the notices of areas inside the caller's scope (a unit
// liaison: those addressed to its unit), newest first.
func (s *Service) Notices(ctx context.Context, c auth.Caller, beforeID int64, limit int) ([]NoticeView, error) {
	var q *gorm.DB
	switch {
	case c.Role == auth.UnitLiaison && c.UnitID > 0:
		q = s.db.WithContext(ctx).Where("unit_id = ?", c.UnitID)
	case c.Is(auth.Admin, auth.Assessor) && c.APIKeyID == 0:
		q = s.db.WithContext(ctx).Where("area_path LIKE ?", c.ScopeLike())
	default:
		return nil, fault.ErrRole
	}
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	var ns []Notice
	if err := q.Order("id DESC").Limit(limit).Find(&ns).Error; err != nil {
		return nil, err
	}
	out := make([]NoticeView, 0, len(ns))
	for _, n := range ns {
		out = append(out, noticeView(n, s.areaName(ctx, n.AreaCode), s.unitName(ctx, n.UnitID)))
	}
	return out, nil
}

// Notice answers one notice in the caller's scope.
func (s *Service) Notice(ctx context.Context, c auth.Caller, id int64) (NoticeView, error) {
	liaison := c.Role == auth.UnitLiaison && c.UnitID > 0
	if !liaison && (!c.Is(auth.Admin, auth.Assessor) || c.APIKeyID != 0) {
		return NoticeView{}, fault.ErrRole
	}
	var n Notice
	res := s.db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&n)
	if res.Error != nil {
		return NoticeView{}, res.Error
	}
	if res.RowsAffected == 0 {
		return NoticeView{}, ErrNoticeNotFound
	}
	if liaison && (n.UnitID == nil || *n.UnitID != c.UnitID) || !liaison && !c.InScope(n.AreaPath) {
		return NoticeView{}, ErrNoticeNotFound
	}
	return noticeView(n, s.areaName(ctx, n.AreaCode), s.unitName(ctx, n.UnitID)), nil
}

func (s *Service) unitName(ctx context.Context, id *int64) *string {
	if id == nil {
		return nil
	}
	u, err := s.unit(ctx, *id)
	if err != nil {
		return nil
	}
	return &u.Name
}

func (s *Service) areaName(ctx context.Context, code string) string {
	a, err := s.areas.Get(ctx, code)
	if err != nil {
		return ""
	}
	return a.Name
}
