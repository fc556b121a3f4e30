// Package assessment turns awareness figures into the safe-city assessment
// (平安考核): scored and ranked rows for the children of an area, snapshots
// that a lock freezes with a SHA-256 checksum, exports, and the API keys the
// assessment system reads them with.
package assessment

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
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
	"wuzha/internal/sheet"
	"wuzha/internal/store"
)

// Rule is the city's assessment rule (internal/rule); every answer,
// snapshot and export states the one it used.
type Rule = rule.Rule

// Row is one child area's assessment line.
type Row struct {
	AreaCode         string   `json:"area_code"`
	Name             string   `json:"name"`
	Respondents      int64    `json:"respondents"`
	Passed           int64    `json:"passed"`
	Rate             *float64 `json:"rate"`
	CILow            *float64 `json:"ci_low"`
	CIHigh           *float64 `json:"ci_high"`
	Coverage         *float64 `json:"coverage"`
	Score            float64  `json:"score"`
	Rank             int      `json:"rank"`
	SufficientSample bool     `json:"sufficient_sample"`
}

// Sheet is the assessment of an area's children for a period.
type Sheet struct {
	Period     string     `json:"period"`
	AreaCode   string     `json:"area_code"`
	Name       string     `json:"name"`
	Rows       []Row      `json:"rows"`
	Locked     bool       `json:"locked"`
	Checksum   *string    `json:"checksum"`
	LockedAt   *time.Time `json:"locked_at"`
	LockedBy   *string    `json:"locked_by"`
	LockReason string     `json:"lock_reason,omitempty"`
	Version    int        `json:"version,omitempty"` // of the snapshot in force
	Versions   int        `json:"versions"`          // snapshots ever written, superseded ones included
	PeriodEnd  time.Time  `json:"period_ends_at"`    // locking is for after this (Asia/Shanghai boundary)
	Rule       Rule       `json:"rule"`
	Method     string     `json:"method"`
	Note       string     `json:"note"` // "based on N quiz respondents; method v1"
}

// Snapshot is one version of a locked sheet. Its rows, rule and checksum
// are written once and never changed; an unlock from above only marks it
// superseded (who, when, why), and the next lock writes the next version.
// CurrentLock is true on the version in force and NULL on superseded ones.
type Snapshot struct {
	ID               int64 `gorm:"primaryKey"`
	Period           string
	AreaCode         string
	AreaPath         string
	Version          int
	CurrentLock      *bool
	RowsJSON         string `gorm:"column:rows_json"`
	RuleJSON         string `gorm:"column:rule_json"`
	Checksum         string
	LockReason       string
	LockedAt         time.Time
	LockedBy         int64
	LockedByName     string
	SupersededAt     *time.Time
	SupersededBy     *int64
	SupersededByName *string
	UnlockReason     *string
}

// TableName is the snapshots table.
func (Snapshot) TableName() string { return "assessment_snapshots" }

// Errors of this package.
var (
	ErrLocked          = fault.New(fault.Conflict, "already_locked", "该考核期已锁定，数据不可更改")
	ErrReadOnly        = fault.New(fault.Forbidden, "read_only_key", "API 密钥只能读取考核数据")
	ErrPeriodNotEnded  = fault.New(fault.Conflict, "period_not_ended", "考核期尚未结束，不能锁定；只有市级（根区域）管理员填写理由后可提前锁定")
	ErrPeriodEmpty     = fault.New(fault.Conflict, "period_without_data", "该考核期在本区域没有任何计入知晓率的答卷，无可锁定的数据")
	ErrNotLocked       = fault.New(fault.Conflict, "not_locked", "该考核期尚未锁定")
	ErrUnlockFromAbove = fault.New(fault.Forbidden, "unlock_from_above", "解锁只能由上级管理员进行；市级考核期须由锁定人以外的另一位市级管理员解锁")
	ErrCorrupted       = fault.New(fault.Conflict, "snapshot_corrupted", "锁定的考核数据校验失败（校验值不符），数据可能被改动，已停止提供；请联系上级管理员核查")
	ErrNoSnapshot      = fault.New(fault.NotFound, "snapshot_not_found", "该考核期没有这个锁定版本")
)

// Service builds, locks and exports assessment sheets.
type Service struct {
	db        *store.DB
	areas     *area.Store
	awareness *awareness.Service
	rules     *rule.Service
	now       func() time.Time
}

// NewService wires the service. seed is the rule an installation starts
// with (the environment's targets; fields left zero take rule.Default); the
// rule in force lives in the database from then on.
func NewService(db *store.DB, areas *area.Store, aw *awareness.Service, seed Rule) *Service {
	d := rule.Default()
	if seed.TargetRate > 0 {
		d.TargetRate = seed.TargetRate
	}
	if seed.TargetCoverage > 0 {
		d.TargetCoverage = seed.TargetCoverage
	}
	if seed.MinRespondents > 0 {
		d.MinRespondents = seed.MinRespondents
	}
	return &Service{db: db, areas: areas, awareness: aw, rules: rule.NewService(db, d), now: time.Now}
}

// Rules is the service of the city's assessment rule.
func (s *Service) Rules() *rule.Service { return s.rules }

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// score is 100 × min(1, rate ÷ target_rate) × min(1, coverage ÷ target_coverage),
// one decimal; 0 when rate or coverage is unknown.
func score(r Rule, rate, coverage *float64) float64 {
	if rate == nil || coverage == nil {
		return 0
	}
	return round1(100 * math.Min(1, *rate/r.TargetRate) * math.Min(1, *coverage/r.TargetCoverage))
}

// rank orders rows by score, then rate, descending; equal scores and rates
// share a rank (1, 2, 2, 4).
func rank(rows []Row) {
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	val := func(p *float64) float64 {
		if p == nil {
			return -1
		}
		return *p
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ra, rb := rows[idx[a]], rows[idx[b]]
		if ra.Score != rb.Score {
			return ra.Score > rb.Score
		}
		return val(ra.Rate) > val(rb.Rate)
	})
	for pos, i := range idx {
		if pos > 0 {
			prev := rows[idx[pos-1]]
			if prev.Score == rows[i].Score && val(prev.Rate) == val(rows[i].Rate) {
				rows[i].Rank = prev.Rank
				continue
			}
		}
		rows[i].Rank = pos + 1
	}
}

// live builds the sheet's rows from the current figures.
func (s *Service) live(ctx context.Context, c auth.Caller, code string, p awareness.Period) (Sheet, area.Area, error) {
	f, err := s.awareness.Compute(ctx, c, code, p)
	if err != nil {
		return Sheet{}, area.Area{}, err
	}
	a, err := s.areas.Get(ctx, code)
	if err != nil {
		return Sheet{}, a, err
	}
	r, err := rule.Load(s.db.WithContext(ctx))
	if err != nil {
		return Sheet{}, a, err
	}
	sh := Sheet{Period: p.Name, AreaCode: a.Code, Name: a.Name, Rule: r, Method: awareness.Method, Rows: []Row{}, PeriodEnd: p.End}
	for _, ch := range f.Children {
		sh.Rows = append(sh.Rows, Row{AreaCode: ch.AreaCode, Name: ch.Name, Respondents: ch.Respondents, Passed: ch.Passed,
			Rate: ch.Rate.Rate, CILow: ch.CILow, CIHigh: ch.CIHigh, Coverage: ch.Coverage,
			Score: score(r, ch.Rate.Rate, ch.Coverage), SufficientSample: ch.Respondents >= int64(r.MinRespondents)})
	}
	sh.Note = awareness.Note(f.Respondents)
	rank(sh.Rows)
	sort.Slice(sh.Rows, func(i, j int) bool { return sh.Rows[i].AreaCode < sh.Rows[j].AreaCode })
	return sh, a, nil
}

// Get answers the sheet: the frozen snapshot once locked, else live rows.
func (s *Service) Get(ctx context.Context, c auth.Caller, code string, p awareness.Period) (Sheet, error) {
	l, err := s.readable(ctx, c, code, p)
	if err != nil {
		return Sheet{}, err
	}
	if l.current != nil {
		sh, err := s.fromSnapshot(ctx, *l.current, l.area)
		sh.Versions, sh.PeriodEnd = len(l.all), p.End
		return sh, err
	}
	sh, _, err := s.live(ctx, c, code, p)
	sh.Versions = len(l.all)
	return sh, err
}

// locks are an area's snapshots of a period: every version, oldest first,
// and the one in force (nil when the period is not locked).
type locks struct {
	area    area.Area
	all     []Snapshot
	current *Snapshot
}

// locksOf reads the snapshots of period p for the area code, which must be
// in c's scope; the caller checks c's role.
func (s *Service) locksOf(ctx context.Context, c auth.Caller, code string, p awareness.Period) (locks, error) {
	a, err := s.areas.Get(ctx, code)
	if err != nil {
		return locks{}, err
	}
	if err := c.Authorize(a); err != nil {
		return locks{}, err
	}
	l := locks{area: a}
	if err := s.db.WithContext(ctx).Where("period = ? AND area_code = ?", p.Name, a.Code).Order("version").Find(&l.all).Error; err != nil {
		return locks{}, err
	}
	for i := range l.all {
		if l.all[i].CurrentLock != nil && *l.all[i].CurrentLock {
			l.current = &l.all[i]
		}
	}
	return l, nil
}

// rowsOf reads a snapshot's stored rows and hashes them again; a snapshot
// whose rows do not hash to its stored checksum was altered after the lock.
func rowsOf(snap Snapshot) ([]Row, string, error) {
	var rows []Row
	if err := json.Unmarshal([]byte(snap.RowsJSON), &rows); err != nil {
		return nil, "", ErrCorrupted
	}
	return rows, Checksum(rows), nil
}

// fromSnapshot answers a locked sheet, refusing one that fails its checksum
// (and recording the refusal, which somebody must look into).
func (s *Service) fromSnapshot(ctx context.Context, snap Snapshot, a area.Area) (Sheet, error) {
	sh := Sheet{Period: snap.Period, AreaCode: snap.AreaCode, Name: a.Name, Locked: true, Method: awareness.Method, Version: snap.Version, LockReason: snap.LockReason}
	rows, sum, err := rowsOf(snap)
	if err != nil || sum != snap.Checksum {
		_ = audit.Record(s.db.WithContext(ctx), audit.Actor{Name: "system"}, "assessment.snapshot_corrupted", a.Place(),
			fmt.Sprintf("%s/%s#%d", snap.Period, snap.AreaCode, snap.Version), map[string]any{"stored": snap.Checksum, "recomputed": sum})
		return Sheet{}, ErrCorrupted
	}
	sh.Rows = rows
	by := lockedBy(snap)
	sh.LockedBy = &by
	var n int64
	for _, r := range sh.Rows {
		n += r.Respondents
	}
	sh.Note = awareness.Note(n)
	if err := json.Unmarshal([]byte(snap.RuleJSON), &sh.Rule); err != nil {
		return sh, fmt.Errorf("assessment: snapshot rule: %w", err)
	}
	stored, at := snap.Checksum, snap.LockedAt
	sh.Checksum, sh.LockedAt = &stored, &at
	return sh, nil
}

func lockedBy(snap Snapshot) string {
	if snap.LockedByName != "" {
		return snap.LockedByName
	}
	return fmt.Sprintf("user:%d", snap.LockedBy)
}

// Canonical is the serialization the checksum covers: one line per row,
// sorted by area code, fields in a fixed order separated by "|", numbers
// with fixed decimals and "null" for unknown values.
func Canonical(rows []Row) string {
	sorted := append([]Row(nil), rows...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].AreaCode < sorted[j].AreaCode })
	num := func(p *float64) string {
		if p == nil {
			return "null"
		}
		return strconv.FormatFloat(*p, 'f', 6, 64)
	}
	var b strings.Builder
	for _, r := range sorted {
		fmt.Fprintf(&b, "%s|%s|%d|%d|%s|%s|%s|%s|%s|%d|%t\n", r.AreaCode, r.Name, r.Respondents, r.Passed,
			num(r.Rate), num(r.CILow), num(r.CIHigh), num(r.Coverage), strconv.FormatFloat(r.Score, 'f', 1, 64), r.Rank, r.SufficientSample)
	}
	return b.String()
}

// Checksum is the SHA-256 of the canonical rows, hex.
func Checksum(rows []Row) string {
	sum := sha256.Sum256([]byte(Canonical(rows)))
	return hex.EncodeToString(sum[:])
}

// atRoot reports whether a is a root area (the city).
func atRoot(a area.Area) bool { return a.ParentCode == nil }

// cleanReason trims a reason; "" when none was given.
func cleanReason(r string) string { return strings.TrimSpace(r) }

func checkReason(r string) error {
	if l := utf8.RuneCountInString(r); l > 500 {
		var v fault.Validation
		v.Add("reason", "理由不超过 500 字")
		return v.Err()
	}
	return nil
}

// Lock freezes the period's sheet for the area: rows, rule, time and
// checksum, written once as the next version. A period locks only after it
// has ended (Asia/Shanghai), unless an admin at the root area gives a
// reason; a period with no counted attempts in the area has nothing to
// freeze. A second lock while one is in force is a conflict.
func (s *Service) Lock(ctx context.Context, c auth.Caller, code string, p awareness.Period, reason string) (Sheet, error) {
	if c.Role != auth.Admin {
		return Sheet{}, fault.ErrRole
	}
	reason = cleanReason(reason)
	if err := checkReason(reason); err != nil {
		return Sheet{}, err
	}
	l, err := s.locksOf(ctx, c, code, p)
	if err != nil {
		return Sheet{}, err
	}
	if l.current != nil {
		return Sheet{}, ErrLocked
	}
	a := l.area
	early := s.now().Before(p.End)
	if early && (!rule.AtRoot(c) || reason == "") {
		return Sheet{}, ErrPeriodNotEnded
	}
	sh, _, err := s.live(ctx, c, code, p)
	if err != nil {
		return Sheet{}, err
	}
	var n int64
	for _, r := range sh.Rows {
		n += r.Respondents
	}
	if n == 0 {
		return Sheet{}, ErrPeriodEmpty
	}
	rows, _ := json.Marshal(sh.Rows)
	ruleJSON, _ := json.Marshal(sh.Rule)
	current := true
	snap := Snapshot{Period: p.Name, AreaCode: a.Code, AreaPath: a.Path, Version: len(l.all) + 1, CurrentLock: &current,
		RowsJSON: string(rows), RuleJSON: string(ruleJSON), Checksum: Checksum(sh.Rows), LockReason: reason,
		LockedAt: s.now().UTC().Truncate(time.Second), LockedBy: c.UserID, LockedByName: c.Username}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&snap).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrLocked // a concurrent lock wrote this version first
			}
			return err
		}
		return audit.Record(tx, c.Actor(), "assessment.lock", a.Place(), p.Name+"/"+a.Code,
			map[string]any{"version": snap.Version, "checksum": snap.Checksum, "reason": reason, "before_period_end": early})
	})
	if err != nil {
		return Sheet{}, err
	}
	out, err := s.fromSnapshot(ctx, snap, a)
	out.Versions, out.PeriodEnd = snap.Version, p.End
	return out, err
}

// Unlock supersedes the snapshot in force, keeping it with the reason, the
// time and who unlocked; the next lock writes a new version. Only from
// above: an admin whose scope strictly contains the area — or, for a root
// area, a root admin other than the one who locked it.
func (s *Service) Unlock(ctx context.Context, c auth.Caller, code string, p awareness.Period, reason string) (Sheet, error) {
	if c.Role != auth.Admin {
		return Sheet{}, fault.ErrRole
	}
	reason = cleanReason(reason)
	if reason == "" {
		var v fault.Validation
		v.Add("reason", "请填写解锁理由")
		return Sheet{}, v.Err()
	}
	if err := checkReason(reason); err != nil {
		return Sheet{}, err
	}
	l, err := s.locksOf(ctx, c, code, p)
	if err != nil {
		return Sheet{}, err
	}
	a, cur := l.area, l.current
	above := c.AreaPath != a.Path // in scope and not the area itself: strictly above
	if !above && !(atRoot(a) && rule.AtRoot(c) && (cur == nil || cur.LockedBy != c.UserID)) {
		return Sheet{}, ErrUnlockFromAbove
	}
	if cur == nil {
		return Sheet{}, ErrNotLocked
	}
	now := s.now().UTC().Truncate(time.Second)
	name := c.Username
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&Snapshot{}).Where("id = ? AND current_lock = ?", cur.ID, true).Updates(map[string]any{
			"current_lock": nil, "superseded_at": now, "superseded_by": c.UserID, "superseded_by_name": name, "unlock_reason": reason})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotLocked // a concurrent unlock came first
		}
		return audit.Record(tx, c.Actor(), "assessment.unlock", a.Place(), p.Name+"/"+a.Code,
			map[string]any{"version": cur.Version, "checksum": cur.Checksum, "reason": reason})
	})
	if err != nil {
		return Sheet{}, err
	}
	sh, _, err := s.live(ctx, c, code, p)
	sh.Versions = len(l.all)
	return sh, err
}

// Version is one snapshot as the history lists it.
type Version struct {
	Version      int        `json:"version"`
	LockedAt     time.Time  `json:"locked_at"`
	LockedBy     string     `json:"locked_by"`
	LockReason   string     `json:"lock_reason"`
	Checksum     string     `json:"checksum"`
	Current      bool       `json:"current"`
	SupersededAt *time.Time `json:"superseded_at"`
	SupersededBy *string    `json:"superseded_by"`
	UnlockReason *string    `json:"unlock_reason"`
	Rule         *Rule      `json:"rule"`
}

// readable lets admins and assessors (and API keys) in scope read a
// period's snapshots.
func (s *Service) readable(ctx context.Context, c auth.Caller, code string, p awareness.Period) (locks, error) {
	if !c.Is(auth.Admin, auth.Assessor) {
		return locks{}, fault.ErrRole
	}
	return s.locksOf(ctx, c, code, p)
}

// History lists every snapshot version of the period and area, oldest first.
func (s *Service) History(ctx context.Context, c auth.Caller, code string, p awareness.Period) ([]Version, error) {
	l, err := s.readable(ctx, c, code, p)
	if err != nil {
		return nil, err
	}
	versions := l.all
	out := make([]Version, len(versions))
	for i, v := range versions {
		out[i] = Version{Version: v.Version, LockedAt: v.LockedAt, LockedBy: lockedBy(v), LockReason: v.LockReason, Checksum: v.Checksum,
			Current: v.CurrentLock != nil && *v.CurrentLock, SupersededAt: v.SupersededAt, SupersededBy: v.SupersededByName, UnlockReason: v.UnlockReason}
		var r Rule
		if json.Unmarshal([]byte(v.RuleJSON), &r) == nil {
			out[i].Rule = &r
		}
	}
	return out, nil
}

// Verification is a snapshot's stored checksum beside its rows hashed again.
type Verification struct {
	Version    int    `json:"version"`
	Valid      bool   `json:"valid"`
	Checksum   string `json:"checksum"`
	Recomputed string `json:"recomputed"`
}

// Verify hashes a snapshot's stored rows again (the given version, or the
// newest when version is 0) and compares with its stored checksum. It is
// audited, and says invalid rather than failing when they differ.
func (s *Service) Verify(ctx context.Context, c auth.Caller, code string, p awareness.Period, version int) (Verification, error) {
	l, err := s.readable(ctx, c, code, p)
	if err != nil {
		return Verification{}, err
	}
	a, versions := l.area, l.all
	if len(versions) == 0 {
		return Verification{}, ErrNotLocked
	}
	snap := versions[len(versions)-1]
	if version != 0 {
		if version < 1 || version > len(versions) || versions[version-1].Version != version {
			return Verification{}, ErrNoSnapshot
		}
		snap = versions[version-1]
	}
	_, sum, err := rowsOf(snap)
	if err != nil {
		sum = ""
	}
	v := Verification{Version: snap.Version, Valid: err == nil && sum == snap.Checksum, Checksum: snap.Checksum, Recomputed: sum}
	err = audit.Record(s.db.WithContext(ctx), c.Actor(), "assessment.verify", a.Place(), fmt.Sprintf("%s/%s#%d", p.Name, a.Code, snap.Version),
		map[string]any{"valid": v.Valid, "checksum": v.Checksum, "recomputed": v.Recomputed})
	return v, err
}

// Export writes the sheet as XLSX (a sheet of rows with Chinese headers and
// a sheet stating method, rule, checksum and time) or CSV (UTF-8 with BOM,
// the same statement in lines after the rows and an empty line). Every text cell is defused
// against spreadsheet formula injection.
func (s *Service) Export(ctx context.Context, c auth.Caller, code string, p awareness.Period, format string) ([]byte, string, error) {
	sh, err := s.Get(ctx, c, code, p)
	if err != nil {
		return nil, "", err
	}
	if err := audit.Record(s.db.WithContext(ctx), c.Actor(), "assessment.export", &audit.Place{Code: sh.AreaCode, Path: areaPath(ctx, s, code)}, p.Name+"/"+code, map[string]any{"format": format}); err != nil {
		return nil, "", err
	}
	header := []any{"区域代码", "区域名称", "答题人数", "及格人数", "知晓率", "置信区间下限", "置信区间上限", "覆盖率", "得分", "排名", "样本充足"}
	pct := func(p *float64) any {
		if p == nil {
			return nil
		}
		return sheet.Percent(*p)
	}
	rows := [][]any{header}
	for _, r := range sh.Rows {
		ok := "否"
		if r.SufficientSample {
			ok = "是"
		}
		rows = append(rows, []any{sheet.SafeCell(r.AreaCode), sheet.SafeCell(r.Name), r.Respondents, r.Passed,
			pct(r.Rate), pct(r.CILow), pct(r.CIHigh), pct(r.Coverage), sheet.OneDecimal(r.Score), r.Rank, ok})
	}
	checksum, lockedAt := "（未锁定，实时数据）", "（未锁定）"
	if sh.Checksum != nil {
		checksum, lockedAt = *sh.Checksum, sh.LockedAt.In(area.Shanghai).Format("2006-01-02 15:04:05 +08:00")
	}
	notes := [][]any{
		{"考核期", sh.Period}, {"区域", sheet.SafeCell(sh.AreaCode + " " + sh.Name)}, {"方法", awareness.Method}, {"说明", sh.Note},
		{"目标知晓率", sh.Rule.TargetRate}, {"目标覆盖率", sh.Rule.TargetCoverage},
		{"最少样本", sh.Rule.MinRespondents}, {"计入问答最低及格分", sh.Rule.PassScore},
		{"计入问答最少题数", sh.Rule.MinQuestions}, {"计入问答每题最短用时（秒）", sh.Rule.MinSecondsPerQuestion},
		{"考核规则更新时间", ruleTime(sh.Rule)}, {"得分公式", "100 × min(1, 知晓率 ÷ 目标知晓率) × min(1, 覆盖率 ÷ 目标覆盖率)"},
		{"SHA-256 校验值", checksum}, {"锁定版本", sh.Version}, {"锁定时间", lockedAt}, {"导出时间", time.Now().In(area.Shanghai).Format("2006-01-02 15:04:05 +08:00")},
	}
	if format == "csv" {
		b, err := sheet.CSV(sheet.Strings(append(append(rows, nil), notes...)))
		return b, sheet.CSVType, err
	}
	b, err := sheet.XLSX(sheet.Page{Name: "考核结果", Rows: rows}, sheet.Page{Name: "说明", Rows: notes})
	return b, sheet.XLSXType, err
}

func ruleTime(r Rule) string {
	if r.UpdatedAt == nil {
		return "（初始规则）"
	}
	return r.UpdatedAt.In(area.Shanghai).Format("2006-01-02 15:04:05 +08:00")
}

func areaPath(ctx context.Context, s *Service, code string) string {
	if a, err := s.areas.Get(ctx, code); err == nil {
		return a.Path
	}
	return ""
}

// APIKey is a key the assessment system reads with: bound to an area,
// read-only, stored only as a hash, revocable, and expiring. It works only
// while the admin who made it is still an enabled admin whose scope holds
// the key's area.
type APIKey struct {
	ID         int64      `gorm:"primaryKey" json:"id"`
	Name       string     `json:"name"`
	AreaCode   string     `json:"area_code"`
	AreaPath   string     `json:"-"`
	KeyHash    string     `json:"-"`
	Prefix     string     `json:"prefix"`
	CreatedBy  int64      `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	// ExpiresAt is nil only for keys made before keys expired; those expire
	// KeyDefaultTTL after they were made (see expiry).
	ExpiresAt *time.Time `json:"expires_at"`
}

// API key lifetimes: the default when none is asked for, and the longest.
const (
	KeyDefaultTTL = 90 * 24 * time.Hour
	KeyMaxTTL     = 365 * 24 * time.Hour
)

// expiry is when the key stops working.
func (k APIKey) expiry() time.Time {
	if k.ExpiresAt != nil {
		return *k.ExpiresAt
	}
	return k.CreatedAt.Add(KeyDefaultTTL)
}

// TableName is the API keys table.
func (APIKey) TableName() string { return "api_keys" }

// NewKey is a created key; Key is shown this once.
type NewKey struct {
	APIKey
	Key string `json:"key"`
}

func hashKey(k string) string {
	sum := sha256.Sum256([]byte(k))
	return hex.EncodeToString(sum[:])
}

// CreateKey makes a key for an area inside the admin's scope. It expires at
// expiresAt, which must lie in the future and at most KeyMaxTTL ahead; nil
// means KeyDefaultTTL from now.
func (s *Service) CreateKey(ctx context.Context, c auth.Caller, name, areaCode string, expiresAt *time.Time) (NewKey, error) {
	if c.Role != auth.Admin {
		return NewKey{}, fault.ErrRole
	}
	var v fault.Validation
	name = strings.TrimSpace(name)
	if l := utf8.RuneCountInString(name); l < 2 || l > 50 {
		v.Add("name", "名称应为 2–50 字")
	}
	a, err := s.areas.Get(ctx, areaCode)
	if errors.Is(err, area.ErrNotFound) {
		v.Add("area_code", "区域不存在")
	} else if err != nil {
		return NewKey{}, err
	} else if !c.InScope(a.Path) {
		return NewKey{}, fault.ErrOutOfScope
	}
	now := time.Now().UTC()
	expires := now.Add(KeyDefaultTTL)
	if expiresAt != nil {
		expires = expiresAt.UTC()
		switch {
		case !expires.After(now.Add(time.Minute)):
			v.Add("expires_at", "有效期截止时间应晚于现在")
		case expires.After(now.Add(KeyMaxTTL + time.Hour)):
			v.Add("expires_at", "API 密钥有效期最长一年")
		}
	}
	if err := v.Err(); err != nil {
		return NewKey{}, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return NewKey{}, err
	}
	key := "wz_" + base64.RawURLEncoding.EncodeToString(raw)
	k := APIKey{Name: name, AreaCode: a.Code, AreaPath: a.Path, KeyHash: hashKey(key), Prefix: key[:10], CreatedBy: c.UserID, CreatedAt: now, ExpiresAt: &expires}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&k).Error; err != nil {
			return err
		}
		return audit.Record(tx, c.Actor(), "apikey.create", a.Place(), fmt.Sprintf("apikey:%d", k.ID), map[string]any{"name": name, "expires_at": expires})
	})
	if err != nil {
		return NewKey{}, err
	}
	return NewKey{APIKey: k, Key: key}, nil
}

// ListKeys lists the keys inside the admin's scope (never the keys themselves).
func (s *Service) ListKeys(ctx context.Context, c auth.Caller) ([]APIKey, error) {
	if c.Role != auth.Admin {
		return nil, fault.ErrRole
	}
	out := []APIKey{}
	err := s.db.WithContext(ctx).Where("area_path LIKE ?", c.ScopeLike()).Order("id DESC").Find(&out).Error
	for i := range out {
		e := out[i].expiry()
		out[i].ExpiresAt = &e
	}
	return out, err
}

// RevokeKey stops a key working at once.
func (s *Service) RevokeKey(ctx context.Context, c auth.Caller, id int64) error {
	if c.Role != auth.Admin {
		return fault.ErrRole
	}
	var k APIKey
	if err := s.db.WithContext(ctx).Where("id = ? AND area_path LIKE ?", id, c.ScopeLike()).Take(&k).Error; err != nil {
		return ErrKeyNotFound
	}
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&APIKey{}).Where("id = ? AND revoked_at IS NULL", k.ID).Update("revoked_at", time.Now().UTC()).Error; err != nil {
			return err
		}
		return audit.Record(tx, c.Actor(), "apikey.revoke", &audit.Place{Code: k.AreaCode, Path: k.AreaPath}, fmt.Sprintf("apikey:%d", k.ID), nil)
	})
}

// ErrKeyNotFound is a key that does not exist or is outside the scope.
var ErrKeyNotFound = fault.New(fault.NotFound, "not_found", "密钥不存在")

// ErrBadKey is a missing, unknown or revoked key, or one whose maker is no
// longer an enabled admin over its area.
var ErrBadKey = fault.New(fault.Unauthenticated, "invalid_api_key", "API 密钥无效或已撤销")

// ErrKeyExpired is a key past its expiry.
var ErrKeyExpired = fault.New(fault.Unauthenticated, "api_key_expired", "API 密钥已过期，请联系管理员重新创建")

// Authenticate turns an API key into a read-only caller bound to the key's
// area (an assessor there), and records its use in the audit log.
func (s *Service) Authenticate(ctx context.Context, key, ip, requestID, what string) (auth.Caller, error) {
	if !strings.HasPrefix(key, "wz_") || len(key) > 100 {
		return auth.Caller{}, ErrBadKey
	}
	var k APIKey
	res := s.db.WithContext(ctx).Where("key_hash = ?", hashKey(key)).Limit(1).Find(&k)
	if res.Error != nil {
		return auth.Caller{}, res.Error
	}
	if res.RowsAffected == 0 || k.RevokedAt != nil {
		return auth.Caller{}, ErrBadKey
	}
	if !time.Now().Before(k.expiry()) {
		return auth.Caller{}, ErrKeyExpired
	}
	// The key speaks for its maker: it stops when the maker is disabled,
	// gone, no longer an admin, or moved to a scope without the key's area.
	maker, found, err := auth.StandingOf(ctx, s.db, k.CreatedBy)
	if err != nil {
		return auth.Caller{}, fmt.Errorf("assessment: key maker: %w", err)
	}
	if !found || maker.Disabled || maker.Role != auth.Admin || maker.AreaPath == "" || !strings.HasPrefix(k.AreaPath, maker.AreaPath) {
		return auth.Caller{}, ErrBadKey
	}
	c := auth.Caller{Role: auth.Assessor, Username: "apikey:" + k.Prefix, AreaCode: k.AreaCode, AreaPath: k.AreaPath, IP: ip, RequestID: requestID, APIKeyID: k.ID}
	now := time.Now().UTC()
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&APIKey{}).Where("id = ?", k.ID).Update("last_used_at", now).Error; err != nil {
			return err
		}
		return audit.Record(tx, c.Actor(), "apikey.use", &audit.Place{Code: k.AreaCode, Path: k.AreaPath}, fmt.Sprintf("apikey:%d", k.ID), map[string]any{"request": what})
	})
	return c, err
}
