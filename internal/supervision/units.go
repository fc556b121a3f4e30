package supervision

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"wuzha/internal/audit"
	"wuzha/internal/auth"
	"wuzha/internal/fault"
	"wuzha/internal/rule"
	"wuzha/internal/store"
)

// UnitInput is a member unit as a root admin writes it.
type UnitInput struct {
	Name *string `json:"name"`
	Kind *string `json:"kind"`
}

func (s *Service) unit(ctx context.Context, id int64) (Unit, error) {
	var u Unit
	res := s.db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&u)
	if res.Error != nil {
		return Unit{}, res.Error
	}
	if res.RowsAffected == 0 {
		return Unit{}, ErrUnitNotFound
	}
	return u, nil
}

// Units lists the member units; admins and liaisons may read them.
func (s *Service) Units(ctx context.Context, c auth.Caller) ([]Unit, error) {
	if !c.Is(auth.Admin, auth.UnitLiaison) || c.APIKeyID != 0 {
		return nil, fault.ErrRole
	}
	out := []Unit{}
	err := s.db.WithContext(ctx).Order("id").Limit(1000).Find(&out).Error
	return out, err
}

func checkUnit(in UnitInput, create bool) (name, kind string, err error) {
	var v fault.Validation
	if in.Name != nil || create {
		if in.Name != nil {
			name = strings.TrimSpace(*in.Name)
		}
		checkText(&v, "name", name, "单位名称", 100, true)
	}
	if in.Kind != nil {
		kind = strings.TrimSpace(*in.Kind)
		checkText(&v, "kind", kind, "单位类别", 32, false)
	}
	return name, kind, v.Err()
}

// CreateUnit adds a member unit (root admins only).
func (s *Service) CreateUnit(ctx context.Context, c auth.Caller, in UnitInput) (Unit, error) {
	if c.Role != auth.Admin {
		return Unit{}, fault.ErrRole
	}
	if !rule.AtRoot(c) {
		return Unit{}, ErrRootOnly
	}
	name, kind, err := checkUnit(in, true)
	if err != nil {
		return Unit{}, err
	}
	now := s.clock()
	u := Unit{Name: name, Kind: kind, CreatedAt: now, UpdatedAt: now}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&u).Error; err != nil {
			return err
		}
		return audit.Record(tx, c.Actor(), "unit.create", &audit.Place{Code: c.AreaCode, Path: c.AreaPath}, fmt.Sprintf("unit:%d", u.ID), map[string]any{"name": name, "kind": kind})
	})
	if store.IsUniqueViolation(err) {
		return Unit{}, ErrUnitTaken
	}
	return u, err
}

// UpdateUnit renames a member unit or changes its kind (root admins only).
func (s *Service) UpdateUnit(ctx context.Context, c auth.Caller, id int64, in UnitInput) (Unit, error) {
	if c.Role != auth.Admin {
		return Unit{}, fault.ErrRole
	}
	if !rule.AtRoot(c) {
		return Unit{}, ErrRootOnly
	}
	u, err := s.unit(ctx, id)
	if err != nil {
		return Unit{}, err
	}
	name, kind, err := checkUnit(in, false)
	if err != nil {
		return Unit{}, err
	}
	set := map[string]any{"updated_at": s.clock()}
	if in.Name != nil {
		set["name"], u.Name = name, name
	}
	if in.Kind != nil {
		set["kind"], u.Kind = kind, kind
	}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&Unit{}).Where("id = ?", id).Updates(set).Error; err != nil {
			return err
		}
		return audit.Record(tx, c.Actor(), "unit.update", &audit.Place{Code: c.AreaCode, Path: c.AreaPath}, fmt.Sprintf("unit:%d", id), map[string]any{"name": u.Name, "kind": u.Kind})
	})
	if store.IsUniqueViolation(err) {
		return Unit{}, ErrUnitTaken
	}
	if err != nil {
		return Unit{}, err
	}
	return s.unit(ctx, id)
}
