package api

import (
	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

	"wuzha/internal/workbench"
)

// getWorkbench is GET /workbench: the caller's figures and to-dos.
func (s *Server) getWorkbench(c *fiber.Ctx) error {
	b, err := s.Workbench.For(c.UserContext(), caller(c))
	if err != nil {
		return err
	}
	return c.JSON(b)
}

// reviewResults is GET /workbench/review-results: an editor's decided
// warnings and questions, the new ones marked.
func (s *Server) reviewResults(c *fiber.Ctx) error {
	l, err := s.Workbench.ReviewResults(c.UserContext(), caller(c))
	if err != nil {
		return err
	}
	return c.JSON(l)
}

type seenRequest struct {
	List string `json:"list"`
}

// markSeen is POST /workbench/seen: the caller has looked at a list.
func (s *Server) markSeen(c *fiber.Ctx) error {
	var req seenRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if err := s.Workbench.MarkSeen(c.UserContext(), caller(c), req.List); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// gridUnanswered is GET /grids/{code}/unanswered: a page of the grid's
// residents who have not answered in the period, masked.
func (s *Server) gridUnanswered(c *fiber.Ctx) error {
	limit, after, err := pageParams(c)
	if err != nil {
		return err
	}
	u, err := s.Workbench.UnansweredIn(c.UserContext(), caller(c), c.Params("code"), c.Query("period"), after, limit)
	if err != nil {
		return err
	}
	var next *string
	if u.After > 0 {
		cur := encodeCursor(u.After)
		next = &cur
	}
	return c.JSON(fiber.Map{"grid_code": u.GridCode, "grid_name": u.GridName, "period": u.Period, "total": u.Total, "items": u.Items, "next_cursor": next})
}

// redeemedPrizes is GET /prizes/redeemed: prizes handed over in the
// caller's scope (?mine=true: by the caller), latest first.
func (s *Server) redeemedPrizes(c *fiber.Ctx) error {
	limit, before, err := pageParams(c)
	if err != nil {
		return err
	}
	mine := false
	switch c.Query("mine") {
	case "", "false":
	case "true":
		mine = true
	default:
		return errBadParam
	}
	items, err := s.Workbench.RedeemedIn(c.UserContext(), caller(c), mine, before, limit)
	if err != nil {
		return err
	}
	return c.JSON(newPage(items, limit, func(r workbench.Redeemed) int64 { return r.ID }))
}

// myPrizeQR is GET /me/prizes/{code}/qr.png: the QR code of a prize the
// caller won, which a grid worker scans to redeem it. It holds the redeem
// page's address with the code, so a phone's own camera opens it too.
func (s *Server) myPrizeQR(c *fiber.Ctx) error {
	code, err := s.Quiz.OwnPrizeCode(c.UserContext(), caller(c), c.Params("code"))
	if err != nil {
		return err
	}
	q, err := qrcode.New(s.PublicURL+"/staff/redeem?code="+code, qrcode.Medium)
	if err != nil {
		return err
	}
	png, err := q.PNG(384)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set(fiber.HeaderContentType, "image/png")
	return c.Send(png)
}
