package quiz

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"gorm.io/gorm"

	"wuzha/internal/audit"
	"wuzha/internal/auth"
	"wuzha/internal/fault"
)

// codeAlphabet is Crockford's base32: no I, L, O or U to misread.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newCode is a 12-character redemption code: 60 random bits.
func newCode() string {
	var b [8]byte
	if _, err := crand.Read(b[:]); err != nil {
		panic(err)
	}
	n := binary.BigEndian.Uint64(b[:])
	out := make([]byte, 12)
	for i := range out {
		out[i] = codeAlphabet[n&31]
		n >>= 5
	}
	return string(out)
}

// NormalizeCode accepts a code typed with spaces, dashes or lower case.
func NormalizeCode(s string) string {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s)))
	return strings.NewReplacer("O", "0", "I", "1", "L", "1").Replace(s)
}

// chance draws true with probability p from crypto randomness.
func chance(p float64) bool {
	if p >= 1 {
		return true
	}
	var b [8]byte
	if _, err := crand.Read(b[:]); err != nil {
		panic(err)
	}
	return float64(binary.BigEndian.Uint64(b[:])>>11)/float64(1<<53) < p
}

// drawPrize runs last in the submit transaction. For each pool the score
// qualifies for, best first, it draws with crypto randomness; a win writes
// the award, whose unique indexes (one per attempt, one per resident per
// quiz) turn away a resident who already won in this quiz, and then takes
// one unit of stock with one conditional UPDATE that never goes below zero.
// Taking the stock comes last so the pool row, which every winner of the
// quiz locks, is held only until the commit that follows; when the pool is
// empty the award is taken back and the next pool is tried.
func (s *Service) drawPrize(tx *gorm.DB, pools []PrizePool, a Attempt, scoreTenths int, now time.Time) (*PrizeWon, error) {
	for _, p := range pools {
		if p.MinScore*10 > scoreTenths || !chance(p.Probability) {
			continue
		}
		code := newCode()
		err := tx.Exec("INSERT INTO awards (pool_id, quiz_id, attempt_id, user_id, grid_path, code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			p.ID, a.QuizID, a.ID, a.UserID, a.GridPath, code, now).Error
		if err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return nil, nil // already won in this quiz
			}
			return nil, err
		}
		took, err := takeStock(tx, p)
		if err != nil {
			return nil, err
		}
		if took {
			return &PrizeWon{Name: p.Name, Code: code}, nil
		}
		if err := tx.Exec("DELETE FROM awards WHERE attempt_id = ?", a.ID).Error; err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// stockSlots is how many rows a pool's stock is spread over (fewer when
// the stock is smaller): winners of one quiz then seldom wait on each
// other's lock. With 16, half of 32 concurrent submissions winning
// collided on a slot most of the time, and the lock waits' task switches
// cost more CPU than the draw itself (the submit benchmark on MariaDB went
// from about 700 to about 800 a second with 64).
const stockSlots = 64

func slotsFor(stock int) int { return max(1, min(stock, stockSlots)) }

// createPool writes a pool and spreads its stock over its slots.
func createPool(tx *gorm.DB, p *PrizePool) error {
	if err := tx.Create(p).Error; err != nil {
		return err
	}
	n := slotsFor(p.Stock)
	var q strings.Builder
	q.WriteString("INSERT INTO prize_stock (pool_id, slot, remaining) VALUES ")
	args := make([]any, 0, 3*n)
	for i := 0; i < n; i++ {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?)")
		share := p.Stock / n
		if i < p.Stock%n {
			share++
		}
		args = append(args, p.ID, i, share)
	}
	p.Remaining = p.Stock
	return tx.Exec(q.String(), args...).Error
}

// takeStock takes one unit of the pool's stock, if any is left, with a
// conditional decrement of one slot that never goes below zero: first a
// random slot, then, while it finds that one empty, a random one of the
// slots a fresh read shows unspent. Each miss means a slot was emptied by
// a committed transaction, so the loop ends, and it reports false only when
// every slot is empty.
func takeStock(tx *gorm.DB, p PrizePool) (bool, error) {
	slot := rand.IntN(slotsFor(p.Stock))
	for try := 0; try < 10*stockSlots; try++ {
		res := tx.Exec("UPDATE prize_stock SET remaining = remaining - 1 WHERE pool_id = ? AND slot = ? AND remaining > 0", p.ID, slot)
		if res.Error != nil {
			return false, res.Error
		}
		if res.RowsAffected == 1 {
			return true, nil
		}
		var open []int
		if err := tx.Table("prize_stock").Where("pool_id = ? AND remaining > 0", p.ID).Pluck("slot", &open).Error; err != nil {
			return false, err
		}
		if len(open) == 0 {
			return false, nil
		}
		slot = open[rand.IntN(len(open))]
	}
	return false, fmt.Errorf("quiz: pool %d: no stock slot could be taken", p.ID)
}

// PrizeView is an award as residents and redeeming staff see it.
type PrizeView struct {
	Code       string     `json:"code,omitempty"`
	Name       string     `json:"name"`
	QuizID     int64      `json:"quiz_id"`
	QuizTitle  string     `json:"quiz_title"`
	AttemptID  int64      `json:"attempt_id"`
	WonAt      time.Time  `json:"won_at"`
	Redeemed   bool       `json:"redeemed"`
	RedeemedAt *time.Time `json:"redeemed_at"`
}

type awardRow struct {
	Award
	Name      string
	QuizTitle string
}

func (r awardRow) view(withCode bool) PrizeView {
	v := PrizeView{Name: r.Name, QuizID: r.QuizID, QuizTitle: r.QuizTitle, AttemptID: r.AttemptID, WonAt: r.CreatedAt, Redeemed: r.RedeemedAt != nil, RedeemedAt: r.RedeemedAt}
	if withCode {
		v.Code = r.Code
	}
	return v
}

func (s *Service) awards(ctx context.Context) *gorm.DB {
	return s.db.WithContext(ctx).Table("awards").
		Select("awards.*, prize_pools.name AS name, quizzes.title AS quiz_title").
		Joins("JOIN prize_pools ON prize_pools.id = awards.pool_id").
		Joins("JOIN quizzes ON quizzes.id = awards.quiz_id")
}

// MyPrizes lists the caller's prizes with their codes, newest first.
func (s *Service) MyPrizes(ctx context.Context, c auth.Caller) ([]PrizeView, error) {
	var rows []awardRow
	if err := s.awards(ctx).Where("awards.user_id = ?", c.UserID).Order("awards.id DESC").Limit(200).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]PrizeView, len(rows))
	for i, r := range rows {
		out[i] = r.view(true)
	}
	return out, nil
}

// redeemers may look up and redeem prize codes.
var redeemers = []auth.Role{auth.GridWorker, auth.Editor, auth.Reviewer, auth.Admin}

// LookupPrize shows staff what a code is and whether it can be redeemed. A
// code won outside the caller's scope is forbidden.
func (s *Service) LookupPrize(ctx context.Context, c auth.Caller, code string) (PrizeView, error) {
	r, err := s.findAward(ctx, c, code)
	if err != nil {
		return PrizeView{}, err
	}
	return r.view(true), nil
}

func (s *Service) findAward(ctx context.Context, c auth.Caller, code string) (awardRow, error) {
	if !c.Is(redeemers...) {
		return awardRow{}, fault.ErrRole
	}
	code = NormalizeCode(code)
	var r awardRow
	if len(code) != 12 {
		return r, ErrCodeNotFound
	}
	res := s.awards(ctx).Where("awards.code = ?", code).Limit(1).Scan(&r)
	if res.Error != nil {
		return r, res.Error
	}
	if res.RowsAffected == 0 {
		return r, ErrCodeNotFound
	}
	if r.GridPath == nil || !c.InScope(*r.GridPath) {
		return r, fault.ErrOutOfScope
	}
	return r, nil
}

// Redeem marks a prize as handed over, once, and audits it.
func (s *Service) Redeem(ctx context.Context, c auth.Caller, code string) (PrizeView, error) {
	r, err := s.findAward(ctx, c, code)
	if err != nil {
		return PrizeView{}, err
	}
	now := time.Now().UTC()
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&Award{}).Where("id = ? AND redeemed_at IS NULL", r.ID).Updates(map[string]any{"redeemed_at": now, "redeemed_by": c.UserID})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrAlreadyRedeemed
		}
		return audit.Record(tx, c.Actor(), "prize.redeem", &audit.Place{Code: lastCode(*r.GridPath), Path: *r.GridPath}, fmt.Sprintf("award:%d", r.ID), map[string]any{"prize": r.Name, "quiz_id": r.QuizID})
	})
	if err != nil {
		return PrizeView{}, err
	}
	r.RedeemedAt = &now
	return r.view(true), nil
}

// lastCode is the area code at the end of a materialized path.
func lastCode(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	return parts[len(parts)-1]
}
