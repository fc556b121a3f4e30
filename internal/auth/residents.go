package auth

import (
	"context"

	"gorm.io/gorm"

	"wuzha/internal/phone"
)

// GridResident is a resident of a grid as a grid worker may see them: the
// masked phone and the groups, nothing that names them.
type GridResident struct {
	UserID      int64  `json:"-"`
	PhoneMasked string `json:"phone_masked"`
	AgeBand     string `json:"age_band"`
	Occupation  string `json:"occupation"`
}

// ResidentColumn is the resident's id in ResidentsOf's query, for the
// subquery that leaves residents out to correlate on.
const ResidentColumn = "resident_profiles.user_id"

// ResidentsOf lists the enabled residents whose profile is in gridCode and
// for whom the subquery except (correlated on ResidentColumn) finds no
// row, by id after afterID: a page of a grid's residents still to visit.
// The caller checks scope.
func (s *Service) ResidentsOf(ctx context.Context, gridCode string, except *gorm.DB, afterID int64, limit int) ([]GridResident, error) {
	var rows []struct {
		UserID     int64
		PhoneEnc   *string
		AgeBand    string
		Occupation string
	}
	q := s.db.WithContext(ctx).Table("resident_profiles").
		Select("resident_profiles.user_id, users.phone_enc, resident_profiles.age_band, resident_profiles.occupation").
		Joins("JOIN users ON users.id = resident_profiles.user_id").
		Where("resident_profiles.grid_code = ? AND users.role = ? AND users.disabled = ? AND resident_profiles.user_id > ?", gridCode, Resident, false, afterID)
	if except != nil {
		q = q.Where("NOT EXISTS (?)", except)
	}
	if err := q.Order("resident_profiles.user_id").Limit(limit).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]GridResident, len(rows))
	for i, r := range rows {
		out[i] = GridResident{UserID: r.UserID, PhoneMasked: s.masked(r.PhoneEnc), AgeBand: r.AgeBand, Occupation: r.Occupation}
	}
	return out, nil
}

// CountResidentsOf counts what ResidentsOf lists, all pages.
func (s *Service) CountResidentsOf(ctx context.Context, gridCode string, except *gorm.DB) (int64, error) {
	var n int64
	q := s.db.WithContext(ctx).Table("resident_profiles").
		Joins("JOIN users ON users.id = resident_profiles.user_id").
		Where("resident_profiles.grid_code = ? AND users.role = ? AND users.disabled = ?", gridCode, Resident, false)
	if except != nil {
		q = q.Where("NOT EXISTS (?)", except)
	}
	return n, q.Count(&n).Error
}

// MaskedPhones gives the masked phone of each of the users ids that has
// one (closed accounts have none).
func (s *Service) MaskedPhones(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var users []User
	if err := s.db.WithContext(ctx).Select("id", "phone_enc").Where("id IN ?", ids).Find(&users).Error; err != nil {
		return nil, err
	}
	for _, u := range users {
		if u.PhoneEnc != nil {
			out[u.ID] = s.masked(u.PhoneEnc)
		}
	}
	return out, nil
}

// masked opens a stored phone number only to mask it; "****" when there is
// none or it cannot be read.
func (s *Service) masked(enc *string) string {
	if enc == nil {
		return "****"
	}
	n, err := s.vault.Open(*enc)
	if err != nil {
		return "****"
	}
	return phone.Mask(n)
}
