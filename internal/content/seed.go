package content

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
)

// SeedWarning is a warning shipped with wuzha (seed/content/warnings.json).
type SeedWarning struct {
	Slug         string   `json:"slug"`
	Title        string   `json:"title"`
	Summary      string   `json:"summary"`
	BodyMarkdown string   `json:"body_markdown"`
	FraudType    string   `json:"fraud_type"`
	AgeBands     []string `json:"age_bands"`
	Occupations  []string `json:"occupations"`
}

// Seed publishes the shipped warnings that are not there yet (by slug), owned
// by the root area. Existing ones are left as the installation keeps them.
func (s *Service) Seed(ctx context.Context, rootCode string, items []SeedWarning) error {
	root, err := s.areas.Get(ctx, rootCode)
	if err != nil {
		return fmt.Errorf("content: seed root %s: %w", rootCode, err)
	}
	var have []string
	if err := s.db.WithContext(ctx).Model(&Warning{}).Where("slug IS NOT NULL").Pluck("slug", &have).Error; err != nil {
		return err
	}
	exists := map[string]bool{}
	for _, h := range have {
		exists[h] = true
	}
	type prepared struct {
		w Warning
		v Version
	}
	var todo []prepared
	now := time.Now().UTC()
	for i, it := range items {
		if exists[it.Slug] {
			continue
		}
		body, err := s.render.HTML(it.BodyMarkdown)
		if err != nil {
			return err
		}
		ages, occs := append([]string(nil), it.AgeBands...), append([]string(nil), it.Occupations...)
		sort.Strings(ages)
		sort.Strings(occs)
		slug := it.Slug
		// Spread first-publication times so "newest" has a stable meaning.
		published := now.Add(-time.Duration(len(items)-i) * time.Minute)
		todo = append(todo, prepared{
			w: Warning{Slug: &slug, Status: Published, OwnerAreaCode: root.Code, OwnerPath: root.Path, FirstPublishedAt: &published, CreatedAt: now, UpdatedAt: now},
			v: Version{Version: 1, Title: s.render.Text(it.Title), Summary: s.render.Text(it.Summary), BodyMarkdown: it.BodyMarkdown, BodyHTML: body,
				FraudType: it.FraudType, AgeBands: joinCodes(ages), Occupations: joinCodes(occs), CreatedAt: now},
		})
	}
	if len(todo) == 0 {
		return nil
	}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		for _, p := range todo {
			w, v := p.w, p.v
			if err := tx.Create(&w).Error; err != nil {
				return err
			}
			v.WarningID = w.ID
			if err := tx.Create(&v).Error; err != nil {
				return err
			}
			if err := tx.Model(&w).Updates(map[string]any{"head_version_id": v.ID, "live_version_id": v.ID}).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("content: seed warnings: %w", err)
	}
	s.live.invalidate()
	return nil
}

// IDsBySlug maps the slugs of shipped warnings to their ids.
func (s *Service) IDsBySlug(ctx context.Context) (map[string]int64, error) {
	var rows []Warning
	if err := s.db.WithContext(ctx).Select("id", "slug").Where("slug IS NOT NULL").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[*r.Slug] = r.ID
	}
	return out, nil
}
