package api

import (
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// placeholderPage is served when the frontend has not been built.
const placeholderPage = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>无诈</title></head>
<body><h1>无诈 wuzha</h1><p>前端尚未构建。请运行 <code>make run</code>（会自动构建前端），或 <code>make frontend</code>。</p>
<p>The frontend has not been built: run <code>make run</code> or <code>make frontend</code>.</p></body></html>`

// frontend serves the embedded web app: a file when one matches, otherwise
// index.html so the app's own router handles the path.
func (s *Server) frontend(c *fiber.Ctx) error {
	if strings.HasPrefix(c.Path(), "/api/") {
		return fiber.ErrNotFound
	}
	if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		return fiber.ErrMethodNotAllowed
	}
	p := strings.TrimPrefix(path.Clean("/"+c.Path()), "/")
	if p != "" && p != "index.html" && s.Frontend != nil {
		if b, err := fs.ReadFile(s.Frontend, p); err == nil {
			if ct := mime.TypeByExtension(path.Ext(p)); ct != "" {
				c.Set(fiber.HeaderContentType, ct)
			}
			if strings.HasPrefix(p, "assets/") {
				c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
			}
			return c.Send(b)
		}
		if path.Ext(p) != "" && strings.HasPrefix(p, "assets/") {
			return fiber.ErrNotFound
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	if s.Frontend != nil {
		if b, err := fs.ReadFile(s.Frontend, "index.html"); err == nil {
			return c.Send(s.withPreview(c, b))
		}
	}
	return c.SendString(placeholderPage)
}
