// Package content is the anti-fraud warnings (预警/防骗知识): writing them,
// the editorial workflow, targeting by age band, occupation and area, the
// residents' feed, and reach (views and "我已知晓" acknowledgements).
package content

import (
	"strings"
	"time"

	"wuzha/internal/fault"
)

// Status is a warning's editorial state.
type Status string

// Editorial states: draft → in_review → published → archived; a rejection
// goes back to draft. An edit of a published warning is a new draft version
// while the published version stays live.
const (
	Draft     Status = "draft"
	InReview  Status = "in_review"
	Published Status = "published"
	Archived  Status = "archived"
)

// Warning is a warning's identity and workflow state; its content lives in
// versions. LiveVersionID is what residents see; HeadVersionID is the newest edit.
type Warning struct {
	ID               int64 `gorm:"primaryKey"`
	Slug             *string
	Status           Status
	OwnerAreaCode    string
	OwnerPath        string
	AuthorID         *int64
	HeadVersionID    *int64
	LiveVersionID    *int64
	ReviewerID       *int64
	RejectReason     string
	ReviewedAt       *time.Time // the last approval or rejection
	FirstPublishedAt *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// TableName is the warnings table.
func (Warning) TableName() string { return "warnings" }

// Version is one saved edit of a warning's content and targeting.
type Version struct {
	ID           int64 `gorm:"primaryKey"`
	WarningID    int64
	Version      int
	Title        string
	Summary      string
	BodyMarkdown string
	BodyHTML     string `gorm:"column:body_html"`
	FraudType    string
	AgeBands     string // comma-separated codes; empty = every age band
	Occupations  string // comma-separated codes; empty = every occupation
	AreaCodes    string // comma-separated codes; empty = the owner's whole area
	PublishAt    *time.Time
	ExpireAt     *time.Time
	EditorID     *int64
	CreatedAt    time.Time
}

// TableName is the versions table.
func (Version) TableName() string { return "warning_versions" }

// View is one record of a warning being opened (once per viewer per day).
type View struct {
	WarningID  int64  `gorm:"primaryKey"`
	Viewer     string `gorm:"primaryKey"`
	Day        string `gorm:"primaryKey"`
	GridPath   *string
	AgeBand    *string
	Occupation *string
	CreatedAt  time.Time
}

// TableName is the views table.
func (View) TableName() string { return "warning_views" }

// Ack is a resident's "我已知晓" for a warning (once per resident).
type Ack struct {
	WarningID  int64 `gorm:"primaryKey"`
	UserID     int64 `gorm:"primaryKey"`
	GridPath   *string
	AgeBand    *string
	Occupation *string
	CreatedAt  time.Time
}

// TableName is the acknowledgements table.
func (Ack) TableName() string { return "warning_acks" }

// Errors of this package.
var (
	ErrNotFound        = fault.New(fault.NotFound, "not_found", "预警不存在")
	ErrTransition      = fault.New(fault.Conflict, "invalid_transition", "当前状态不允许此操作")
	ErrOwnReview       = fault.New(fault.Conflict, "own_review", "不能审核自己撰写或修改的预警")
	ErrNotEditable     = fault.New(fault.Conflict, "not_editable", "当前状态不能修改：审核中的请先驳回，已归档的不能再改")
	ErrInvalidAudience = fault.New(fault.Invalid, "validation_failed", "年龄段、职业或网格代码无效")
)

func splitCodes(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func joinCodes(codes []string) string { return strings.Join(codes, ",") }

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
