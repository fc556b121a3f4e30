package auth

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// DisplayNames resolves user ids to the names staff pages show for them
// (the audit log's actors, a warning's editors). It is the one place that
// decides what a person is called on screen: the real name (姓名) when
// the user has one, else the username. A resident (no username) is shown
// as "群众", an unknown id not at all.
func DisplayNames(ctx context.Context, db *gorm.DB, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID       int64
		Username *string
		Name     string
	}
	if err := db.WithContext(ctx).Table(User{}.TableName()).Select("id", "username", "name").Where("id IN ?", unique(ids)).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("auth: display names: %w", err)
	}
	for _, r := range rows {
		switch {
		case r.Name != "":
			out[r.ID] = r.Name
		case r.Username != nil && *r.Username != "":
			out[r.ID] = *r.Username
		default:
			out[r.ID] = "群众"
		}
	}
	return out, nil
}

func unique(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
