// Package supervision is 督办: rectification items an admin issues to an
// area strictly inside its scope (or a root admin to a member unit), their
// timeline (accept 签收, report 整改情况, return, extension, close 销号),
// deadline lights and reminders, items opened from the assessment figures
// that close only when the figures recover, numbered notices (通报) and the
// member units with their liaisons.
package supervision

import (
	"path/filepath"
	"time"

	"wuzha/internal/area"
	"wuzha/internal/assessment"
	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/fault"
	"wuzha/internal/sms"
	"wuzha/internal/store"
)

// Statuses of an item.
const (
	Assigned   = "assigned"
	InProgress = "in_progress"
	Reported   = "reported"
	Closed     = "closed"
)

// Metrics an item made from the figures is about.
const (
	MetricRate     = "rate"
	MetricCoverage = "coverage"
)

// Lights.
const (
	Green  = "green"
	Yellow = "yellow"
	Red    = "red"
)

// DueSoon is how close a deadline turns an item yellow.
const DueSoon = 72 * time.Hour

// Item is a stored rectification item. An item addressed to a member unit
// keeps the issuing root area in AreaCode/AreaPath and the unit in UnitID.
type Item struct {
	ID            int64 `gorm:"primaryKey"`
	AreaCode      string
	AreaPath      string
	UnitID        *int64
	IssuerID      int64
	IssuerName    string
	Title         string
	Detail        string
	Status        string
	DueAt         time.Time
	Period        string
	Metric        string
	OpenKey       *string
	ExtDueAt      *time.Time
	ExtReason     *string
	RemindedLight string
	RemindedOn    string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	ClosedAt      *time.Time
}

// TableName is the items table.
func (Item) TableName() string { return "rectifications" }

// Event is one step of an item's timeline.
type Event struct {
	ID      int64     `gorm:"primaryKey" json:"-"`
	ItemID  int64     `json:"-"`
	At      time.Time `json:"at"`
	ActorID *int64    `json:"-"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Text    string    `json:"text"`

	Attachments []AttachmentView `gorm:"-" json:"attachments,omitempty"`
}

// TableName is the events table.
func (Event) TableName() string { return "rectification_events" }

// Attachment is a stored file of an item (a photo or a PDF).
type Attachment struct {
	ID          int64 `gorm:"primaryKey"`
	ItemID      int64
	EventID     *int64
	Name        string
	ContentType string
	Size        int64
	Stored      string
	UploaderID  int64
	CreatedAt   time.Time
}

// TableName is the attachments table.
func (Attachment) TableName() string { return "rectification_attachments" }

// AttachmentView is an attachment as the API shows it.
type AttachmentView struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"created_at"`
	Reported    bool      `json:"reported"` // referenced by a report
}

// Extension is a pending extension request.
type Extension struct {
	DueAt  time.Time `json:"due_at"`
	Reason string    `json:"reason"`
}

// View is an item as the API answers it.
type View struct {
	ID          int64            `json:"id"`
	AreaCode    string           `json:"area_code"`
	AreaName    string           `json:"area_name"`
	UnitID      *int64           `json:"unit_id"`
	UnitName    *string          `json:"unit_name"`
	Title       string           `json:"title"`
	Detail      string           `json:"detail"`
	Status      string           `json:"status"`
	DueAt       time.Time        `json:"due_at"`
	Overdue     bool             `json:"overdue"`
	Light       string           `json:"light"`
	Metric      *string          `json:"metric"`
	Period      *string          `json:"period"`
	IssuedBy    string           `json:"issued_by"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
	ClosedAt    *time.Time       `json:"closed_at"`
	Extension   *Extension       `json:"extension"`
	CanAct      bool             `json:"can_act"`    // the caller is on the addressed side
	CanDecide   bool             `json:"can_decide"` // the caller is on the issuing side
	Events      []Event          `json:"events,omitempty"`
	Attachments []AttachmentView `json:"attachments,omitempty"`
}

// Unit is a member unit (成员单位) of the joint conference.
type Unit struct {
	ID        int64     `gorm:"primaryKey" json:"id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TableName is the units table.
func (Unit) TableName() string { return "units" }

// Notice is a stored numbered notice (通报).
type Notice struct {
	ID          int64 `gorm:"primaryKey"`
	Number      string
	AreaCode    string
	AreaPath    string
	UnitID      *int64 // a notice to a member unit; AreaCode is the issuing root area
	Period      string
	Year        int
	Seq         int
	BodyHTML    string `gorm:"column:body_html"`
	ItemsJSON   string `gorm:"column:items_json"`
	CreatedAt   time.Time
	CreatedByID int64
	CreatedBy   string
}

// TableName is the notices table.
func (Notice) TableName() string { return "notices" }

// Errors of this package.
var (
	ErrNotFound          = fault.New(fault.NotFound, "rectification_not_found", "整改事项不存在")
	ErrInvalidTransition = fault.New(fault.Conflict, "invalid_transition", "该事项当前状态不允许这一步操作")
	ErrNotYourSide       = fault.New(fault.Forbidden, "forbidden", "这一步应由另一方办理：签收、反馈、申请延期由被督办方办理，销号、退回、审批延期由督办方办理")
	ErrTargetNotMet      = fault.New(fault.Conflict, "target_not_met", "该区域最新数据仍未达标，不能销号")
	ErrNoExtension       = fault.New(fault.Conflict, "invalid_transition", "没有待审批的延期申请")
	ErrExtensionPending  = fault.New(fault.Conflict, "invalid_transition", "已有待审批的延期申请")
	ErrNoticeNotFound    = fault.New(fault.NotFound, "notice_not_found", "通报不存在")
	ErrUnitNotFound      = fault.New(fault.NotFound, "unit_not_found", "成员单位不存在")
	ErrUnitTaken         = fault.New(fault.Conflict, "unit_name_taken", "已有同名成员单位")
	ErrRootOnly          = fault.New(fault.Forbidden, "root_admin_required", "只有市级（根区域）管理员可以进行此操作")
	ErrAttachmentGone    = fault.New(fault.NotFound, "attachment_not_found", "附件不存在")
	ErrUnsupportedMedia  = fault.New(fault.UnsupportedMedia, "unsupported_media_type", "附件只能是 JPEG、PNG、WebP 图片或 PDF 文件")
	ErrTooLarge          = fault.New(fault.TooLarge, "too_large", "附件不能超过 5 MB")
	ErrTooMany           = fault.New(fault.Conflict, "too_many_attachments", "每个事项最多 10 个附件")
)

// Service runs supervision.
type Service struct {
	db         *store.DB
	areas      *area.Store
	awareness  *awareness.Service
	assessment *assessment.Service
	auth       *auth.Service
	sender     sms.Sender
	files      string // where attachments are stored
	now        func() time.Time
}

// NewService wires the service; attachments go under dataDir/attachments.
func NewService(db *store.DB, areas *area.Store, aw *awareness.Service, as *assessment.Service, au *auth.Service, sender sms.Sender, dataDir string) *Service {
	return &Service{db: db, areas: areas, awareness: aw, assessment: as, auth: au, sender: sender,
		files: filepath.Join(dataDir, "attachments"), now: time.Now}
}

// SetClock replaces the clock (tests move it around deadlines).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func (s *Service) clock() time.Time { return s.now().UTC() }

// lightOf is an item's light at now.
func lightOf(it Item, now time.Time) (light string, overdue bool) {
	if it.Status == Closed {
		return Green, false
	}
	switch {
	case !now.Before(it.DueAt):
		return Red, true
	case it.DueAt.Sub(now) <= DueSoon:
		return Yellow, false
	}
	return Green, false
}
