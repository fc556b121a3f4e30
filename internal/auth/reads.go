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

// Contact is a staff user to remind: the name, and the phone number when
// one is on file ("" otherwise; staff accounts made by an admin have none).
type Contact struct {
	UserID int64
	Name   string
	Phone  string
}

// Addressees lists the enabled users who act for an area (its admins) or,
// with unitID > 0, for a member unit (its liaisons), with their phones.
func (s *Service) Addressees(ctx context.Context, areaCode string, unitID int64) ([]Contact, error) {
	q := s.db.WithContext(ctx).Where("disabled = ?", false)
	if unitID > 0 {
		q = q.Where("role = ? AND unit_id = ?", UnitLiaison, unitID)
	} else {
		q = q.Where("role = ? AND area_code = ?", Admin, areaCode)
	}
	var users []User
	if err := q.Order("id").Find(&users).Error; err != nil {
		return nil, err
	}
	out := make([]Contact, 0, len(users))
	for _, u := range users {
		c := Contact{UserID: u.ID}
		if u.Username != nil {
			c.Name = *u.Username
		}
		if u.PhoneEnc != nil {
			if n, err := s.vault.Open(*u.PhoneEnc); err == nil {
				c.Phone = n
			}
		}
		out = append(out, c)
	}
	return out, nil
}
