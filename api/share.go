package api

import (
	"html"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

	"wuzha/internal/auth"
	"wuzha/internal/content"
)

// shareImage is the static picture chat apps show for a shared link.
const shareImage = "/share.png"

var (
	warningPage  = regexp.MustCompile(`^/warnings/(\d{1,18})$`)
	titleTag     = regexp.MustCompile(`(?s)<title>.*?</title>`)
	descriptionT = regexp.MustCompile(`<meta name="description"[^>]*>`)
)

// warningURL is the address a warning is shared under.
func (s *Server) warningURL(id int64) string {
	return s.PublicURL + "/warnings/" + strconv.FormatInt(id, 10)
}

// warningQR is GET /warnings/{id}/qr.png: a QR code of a published
// warning's address, for the picture a resident saves and forwards.
func (s *Server) warningQR(c *fiber.Ctx) error {
	id, err := idParam(c, content.ErrNotFound)
	if err != nil {
		return err
	}
	if _, err := s.Content.Get(c.UserContext(), auth.Caller{}, id); err != nil {
		return err
	}
	q, err := qrcode.New(s.warningURL(id), qrcode.Medium)
	if err != nil {
		return err
	}
	png, err := q.PNG(384)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	c.Set(fiber.HeaderContentType, "image/png")
	return c.Send(png)
}

// withPreview puts a published warning's title and summary, and Open Graph
// tags with the share picture, into the app's index.html for /warnings/{id},
// so a link forwarded in a chat shows what it is. Anything else, or a
// warning that is not public, gets the page unchanged.
func (s *Server) withPreview(c *fiber.Ctx, page []byte) ([]byte, bool) {
	m := warningPage.FindStringSubmatch(c.Path())
	if m == nil {
		return page, false
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	d, err := s.Content.Get(c.UserContext(), auth.Caller{}, id)
	if err != nil {
		return page, false
	}
	title := html.EscapeString(d.Title + " - 无诈衢州")
	desc := html.EscapeString(d.Summary)
	out := titleTag.ReplaceAllLiteralString(string(page), "<title>"+title+"</title>")
	out = descriptionT.ReplaceAllLiteralString(out, `<meta name="description" content="`+desc+`" />`)
	og := `<meta property="og:type" content="article" />` +
		`<meta property="og:title" content="` + html.EscapeString(d.Title) + `" />` +
		`<meta property="og:description" content="` + desc + `" />` +
		`<meta property="og:image" content="` + html.EscapeString(s.PublicURL+shareImage) + `" />` +
		`<meta property="og:url" content="` + html.EscapeString(s.warningURL(id)) + `" />` +
		`<meta name="twitter:card" content="summary_large_image" />`
	out = strings.Replace(out, "</head>", og+"</head>", 1)
	return []byte(out), true
}
