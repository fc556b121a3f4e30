package quiz_test

import (
	"testing"
	"time"

	"gorm.io/gorm"

	"wuzha/internal/quiz"
	"wuzha/internal/testkit"
)

// A pool's stock is spread over its slots and every unit can be taken,
// whichever slot each draw tries first; then none can, and no slot is
// below zero.
func TestStockSlotsGiveOutTheWholeStock(t *testing.T) {
	db := testkit.OpenDB(t)
	for _, stock := range []int{1, 5, 37} {
		p := quiz.PrizePool{QuizID: 1, Name: "奖品", Stock: stock, MinScore: 60, Probability: 1, CreatedAt: time.Now().UTC()}
		if err := quiz.CreatePool(db.DB, &p); err != nil {
			t.Fatal(err)
		}
		var slots, sum int64
		db.Table("prize_stock").Where("pool_id = ?", p.ID).Count(&slots)
		db.Table("prize_stock").Where("pool_id = ?", p.ID).Select("SUM(remaining)").Scan(&sum)
		if slots != int64(min(stock, 64)) || sum != int64(stock) {
			t.Fatalf("stock %d: %d slots holding %d", stock, slots, sum)
		}
		for i := 0; i <= stock; i++ {
			var took bool
			err := db.Transaction(func(tx *gorm.DB) error {
				var err error
				took, err = quiz.TakeStock(tx, p)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if took != (i < stock) {
				t.Fatalf("stock %d: draw %d took %v", stock, i+1, took)
			}
		}
		var negative, left int64
		db.Table("prize_stock").Where("pool_id = ? AND remaining < 0", p.ID).Count(&negative)
		db.Table("prize_stock").Where("pool_id = ?", p.ID).Select("SUM(remaining)").Scan(&left)
		if negative != 0 || left != 0 {
			t.Fatalf("stock %d: %d slots below zero, %d left", stock, negative, left)
		}
	}
}
