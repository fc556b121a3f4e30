package content

import (
	"context"

	"wuzha/internal/store"
)

// AllExist reports whether every id names a warning (of any status): the
// question bank links questions to warnings by id.
func AllExist(ctx context.Context, db *store.DB, ids []int64) (bool, error) {
	var n int64
	if err := db.WithContext(ctx).Model(&Warning{}).Where("id IN ?", ids).Count(&n).Error; err != nil {
		return false, err
	}
	return int(n) == len(ids), nil
}
