// Package auth is identity and access: staff and resident users, sign-in by
// password or SMS code, tokens, sign-in sessions, profiles, and the one
// mechanism that decides whether a caller may act on an area.
package auth

import (
	"strings"

	"wuzha/internal/area"
	"wuzha/internal/audit"
	"wuzha/internal/fault"
)

// Role is what a user is allowed to do.
type Role string

// Roles.
const (
	Resident   Role = "resident"
	GridWorker Role = "grid_worker"
	Editor     Role = "editor"
	Reviewer   Role = "reviewer"
	Admin      Role = "admin"
	Assessor   Role = "assessor"
	// UnitLiaison (联络员) acts for a member unit (Caller.UnitID) on the
	// supervision items addressed to it; it has no area scope.
	UnitLiaison Role = "unit_liaison"
)

// StaffRoles are the roles bound to a scope area.
var StaffRoles = []Role{GridWorker, Editor, Reviewer, Admin, Assessor}

// IsStaff reports whether r is a staff role.
func (r Role) IsStaff() bool {
	for _, s := range StaffRoles {
		if r == s {
			return true
		}
	}
	return false
}

// Caller is who makes a request, as established from a verified token and the
// current database state (so a role or scope change applies at once).
type Caller struct {
	UserID    int64
	Role      Role
	Username  string
	AreaCode  string // staff scope; empty for residents
	AreaPath  string
	SignInID  string
	IP        string
	RequestID string
	APIKeyID  int64 // set when an assessment API key, not a person, is calling
	UnitID    int64 // a unit liaison's member unit
	// MustChangePassword: only the password change, sign-out and GET /me
	// are open to the caller until the password is changed.
	MustChangePassword bool
}

// Anonymous reports whether nobody is signed in.
func (c Caller) Anonymous() bool { return c.UserID == 0 }

// Is reports whether the caller has one of roles.
func (c Caller) Is(roles ...Role) bool {
	for _, r := range roles {
		if c.Role == r {
			return true
		}
	}
	return false
}

// InScope reports whether an area with path lies inside the caller's scope.
// Residents and anonymous callers have no scope.
func (c Caller) InScope(path string) bool {
	return c.Role.IsStaff() && c.AreaPath != "" && strings.HasPrefix(path, c.AreaPath)
}

// Authorize is the one check every scoped action goes through: the caller
// must have one of roles (when given) and a lies inside their scope.
func (c Caller) Authorize(a area.Area, roles ...Role) error {
	if len(roles) > 0 && !c.Is(roles...) {
		return fault.ErrRole
	}
	if !c.InScope(a.Path) {
		return fault.ErrOutOfScope
	}
	return nil
}

// ScopeLike is the LIKE pattern that filters a query to the caller's subtree.
// It matches nothing for callers without a scope.
func (c Caller) ScopeLike() string {
	if !c.Role.IsStaff() || c.AreaPath == "" {
		return "/nothing/"
	}
	return area.SubtreeLike(c.AreaPath)
}

// Actor is the caller as the audit log records it.
func (c Caller) Actor() audit.Actor {
	return audit.Actor{UserID: c.UserID, Name: c.Username, Role: string(c.Role), IP: c.IP, RequestID: c.RequestID}
}
