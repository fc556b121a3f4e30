package supervision

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"wuzha/internal/area"
	"wuzha/internal/auth"
)

// RemindEvery is how often the server looks for items to remind about.
const RemindEvery = 10 * time.Minute

// Remind records a reminder on every open item that has turned yellow or
// red since its last reminder, at most one a day (Asia/Shanghai) per item,
// and texts the addressed admins (or liaisons) who have a phone on file.
// Instances claim an item with a conditional update, so each reminder is
// sent once however many run. It answers how many items were reminded.
func (s *Service) Remind(ctx context.Context) (int, error) {
	now := s.clock()
	today := now.In(area.Shanghai).Format("2006-01-02")
	var items []Item
	err := s.db.WithContext(ctx).Where("status <> ? AND due_at <= ? AND reminded_on <> ?", "closed", now.Add(DueSoon), today).
		Order("id").Limit(1000).Find(&items).Error
	if err != nil {
		return 0, err
	}
	n := 0
	for _, it := range items {
		light, _ := lightOf(it, now)
		if light == Green || light == it.RemindedLight {
			continue
		}
		text := fmt.Sprintf("整改事项“%s”将于 %s 到期，请抓紧办理。", it.Title, it.DueAt.In(area.Shanghai).Format("2006-01-02 15:04"))
		if light == Red {
			text = fmt.Sprintf("整改事项“%s”已于 %s 逾期，请立即办理并反馈。", it.Title, it.DueAt.In(area.Shanghai).Format("2006-01-02 15:04"))
		}
		claimed := false
		err := s.db.Tx(ctx, func(tx *gorm.DB) error {
			res := tx.Model(&Item{}).Where("id = ? AND reminded_light = ? AND reminded_on = ?", it.ID, it.RemindedLight, it.RemindedOn).
				Updates(map[string]any{"reminded_light": light, "reminded_on": today})
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			claimed = true
			return addEvent(tx, it.ID, now, auth.Caller{Username: "system"}, "remind", text)
		})
		if err != nil {
			return n, err
		}
		if !claimed {
			continue
		}
		n++
		if s.auth == nil || s.sender == nil {
			continue
		}
		var unit int64
		if it.UnitID != nil {
			unit = *it.UnitID
		}
		to, err := s.auth.Addressees(ctx, it.AreaCode, unit)
		if err != nil {
			return n, err
		}
		for _, c := range to {
			if c.Phone == "" {
				continue
			}
			if err := s.sender.Send(ctx, c.Phone, "【无诈督办】"+text); err != nil {
				slog.Default().Warn("supervision reminder sms", "item", it.ID, "err", err)
			}
		}
	}
	return n, nil
}

// Run reminds every interval until ctx ends.
func (s *Service) Run(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.Remind(ctx); err != nil && ctx.Err() == nil {
			log.Warn("supervision reminders", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
