package api

import (
	"bytes"
	"fmt"
	"net/url"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

	"wuzha/internal/session"
)

type openSessionRequest struct {
	QuizID int64 `json:"quiz_id"`
}

// sessionView adds the join URL (on the configured public address) to a session.
type sessionView struct {
	session.View
	JoinURL string `json:"join_url"`
	QRPNG   string `json:"qr_png"`
	QRSVG   string `json:"qr_svg"`
}

func (s *Server) withJoin(v session.View) sessionView {
	return sessionView{View: v, JoinURL: s.joinURL(v.JoinCode),
		QRPNG: "/api/v1/sessions/join/" + v.JoinCode + "/qr.png", QRSVG: "/api/v1/sessions/join/" + v.JoinCode + "/qr.svg"}
}

// joinURL is a session's join link on WUZHA_PUBLIC_URL. It never comes from
// the request (Host, X-Forwarded-Host): a QR code printed or cached from a
// forged request must not lead residents to another site.
func (s *Server) joinURL(code string) string { return s.PublicURL + "/join/" + url.PathEscape(code) }

func (s *Server) openSession(c *fiber.Ctx) error {
	var req openSessionRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	v, err := s.Sessions.Open(c.UserContext(), caller(c), req.QuizID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(s.withJoin(v))
}

func (s *Server) mySessions(c *fiber.Ctx) error {
	vs, err := s.Sessions.Mine(c.UserContext(), caller(c))
	if err != nil {
		return err
	}
	out := make([]sessionView, len(vs))
	for i, v := range vs {
		out[i] = s.withJoin(v)
	}
	return c.JSON(fiber.Map{"items": out})
}

func (s *Server) getSession(c *fiber.Ctx) error {
	id, err := idParam(c, session.ErrNotFound)
	if err != nil {
		return err
	}
	v, err := s.Sessions.Get(c.UserContext(), caller(c), id)
	if err != nil {
		return err
	}
	return c.JSON(s.withJoin(v))
}

func (s *Server) closeSession(c *fiber.Ctx) error {
	id, err := idParam(c, session.ErrNotFound)
	if err != nil {
		return err
	}
	v, err := s.Sessions.Close(c.UserContext(), caller(c), id)
	if err != nil {
		return err
	}
	return c.JSON(s.withJoin(v))
}

func (s *Server) joinSession(c *fiber.Ctx) error {
	info, err := s.Sessions.Join(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	return c.JSON(info)
}

// sessionQR draws the join URL of an open session as a QR code, PNG or SVG.
func (s *Server) sessionQR(format string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		code := c.Params("code")
		if _, err := s.Sessions.Resolve(c.UserContext(), code); err != nil {
			return err
		}
		q, err := qrcode.New(s.joinURL(code), qrcode.Medium)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderCacheControl, "private, max-age=300")
		if format == "png" {
			png, err := q.PNG(512)
			if err != nil {
				return err
			}
			c.Set(fiber.HeaderContentType, "image/png")
			return c.Send(png)
		}
		c.Set(fiber.HeaderContentType, "image/svg+xml")
		return c.Send(qrSVG(q.Bitmap()))
	}
}

// qrSVG draws a QR bitmap (quiet zone included) as one SVG path.
func qrSVG(bits [][]bool) []byte {
	n := len(bits)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges"><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n, n, n)
	for y, row := range bits {
		for x, on := range row {
			if on {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x, y)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes()
}

// gridQR is a grid's standing poster code: it opens the app with the grid
// preset for residents who fill in their profile (no session; attempts
// count for the grid of the resident's profile).
func (s *Server) gridQR(c *fiber.Ctx) error {
	g, err := s.Areas.GetGrid(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	q, err := qrcode.New(s.PublicURL+"/join/grid/"+url.PathEscape(g.Code), qrcode.Medium)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/svg+xml")
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return c.Send(qrSVG(q.Bitmap()))
}
