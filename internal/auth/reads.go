package auth

import (
	"context"
	"database/sql"
	"errors"

	"wuzha/internal/store"
)

// auth owns users; the reads other rooms need of them are here, so no
// other package names the users table.

// Standing is what another room needs to know of a user to let something
// act on the user's behalf: the role, whether the account is disabled, and
// the path of the user's area ("" when the user has none).
type Standing struct {
	Role     Role
	Disabled bool
	AreaPath string
}

// StandingOf reads user id's standing; found is false when there is no
// such user.
func StandingOf(ctx context.Context, db *store.DB, id int64) (s Standing, found bool, err error) {
	var path *string
	err = db.WithContext(ctx).Raw(`SELECT users.role, users.disabled, areas.path FROM users LEFT JOIN areas ON areas.code = users.area_code WHERE users.id = ?`, id).
		Row().Scan(&s.Role, &s.Disabled, &path)
	if errors.Is(err, sql.ErrNoRows) {
		return Standing{}, false, nil
	}
	if err != nil {
		return Standing{}, false, err
	}
	if path != nil {
		s.AreaPath = *path
	}
	return s, true, nil
}

// Member is a staff user counted in a report on staff.
type Member struct {
	ID       int64
	Role     string
	AreaPath string
}

// StaffIn lists the enabled staff (every role but resident) whose area
// lies under the LIKE pattern like (Caller.ScopeLike).
func StaffIn(ctx context.Context, db *store.DB, like string) ([]Member, error) {
	var out []Member
	err := db.WithContext(ctx).Table("users").Select("users.id, users.role, areas.path AS area_path").
		Joins("JOIN areas ON areas.code = users.area_code").
		Where("users.role <> ? AND users.disabled = ? AND areas.path LIKE ?", Resident, false, like).
		Scan(&out).Error
	return out, err
}
