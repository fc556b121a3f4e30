package api

import (
	"io/fs"
	"mime"
	"path"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// placeholderPage is served when the frontend has not been built.
const placeholderPage = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>无诈</title></head>
<body><h1>无诈 wuzha</h1><p>前端尚未构建。请运行 <code>make run</code>（会自动构建前端），或 <code>make frontend</code>。</p>
<p>The frontend has not been built: run <code>make run</code> or <code>make frontend</code>.</p></body></html>`

// frontend serves the embedded web app: a file when one matches, otherwise
// index.html so the app's own router handles the path.
//
// The build writes brotli (.br) and gzip (.gz) copies next to every text
// file worth compressing; the copy the client accepts is sent as is, so a
// phone on a weak network gets the smallest answer without the server
// compressing anything per request. Files under assets/ carry a content hash
// in their names and are cached for a year; index.html is revalidated.
func (s *Server) frontend(c *fiber.Ctx) error {
	if strings.HasPrefix(c.Path(), "/api/") {
		return fiber.ErrNotFound
	}
	if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		return fiber.ErrMethodNotAllowed
	}
	p := strings.TrimPrefix(path.Clean("/"+c.Path()), "/")
	if p != "" && p != "index.html" && s.Frontend != nil {
		if ok := s.sendAsset(c, p); ok {
			if strings.HasPrefix(p, "assets/") {
				c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
			}
			return nil
		}
		if path.Ext(p) != "" && strings.HasPrefix(p, "assets/") {
			return fiber.ErrNotFound
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-cache")
	if s.Frontend != nil {
		// A warning's page carries its own title and preview tags, so it is
		// built per request; every other path is the precompressed shell.
		if b, err := fs.ReadFile(s.Frontend, "index.html"); err == nil {
			if page, ok := s.withPreview(c, b); ok {
				c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
				return c.Send(page)
			}
		}
		if s.sendAsset(c, "index.html") {
			c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
			return nil
		}
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.SendString(placeholderPage)
}

// precompressed are the encodings the build writes next to a file, best first.
var precompressed = []struct{ encoding, ext string }{{"br", ".br"}, {"gzip", ".gz"}}

// sendAsset answers with the embedded file p, or the precompressed copy of it
// the client accepts. It reports false when there is no such file.
func (s *Server) sendAsset(c *fiber.Ctx, p string) bool {
	b, err := fs.ReadFile(s.Frontend, p)
	if err != nil {
		return false
	}
	if ct := mime.TypeByExtension(path.Ext(p)); ct != "" {
		c.Set(fiber.HeaderContentType, ct)
	}
	accept := c.Get(fiber.HeaderAcceptEncoding)
	varies := false
	for _, v := range precompressed {
		zb, err := fs.ReadFile(s.Frontend, p+v.ext)
		if err != nil {
			continue
		}
		varies = true
		if acceptsEncoding(accept, v.encoding) {
			c.Vary(fiber.HeaderAcceptEncoding)
			c.Set(fiber.HeaderContentEncoding, v.encoding)
			_ = c.Send(zb)
			return true
		}
	}
	if varies {
		c.Vary(fiber.HeaderAcceptEncoding)
	}
	_ = c.Send(b)
	return true
}

// acceptsEncoding reports whether an Accept-Encoding header allows enc: named
// (or matched by *) with a quality above zero.
func acceptsEncoding(header, enc string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.TrimSpace(name)
		q := 1.0
		for _, param := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(param), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		switch {
		case strings.EqualFold(name, enc):
			return q > 0
		case name == "*":
			star = q > 0
		}
	}
	return star
}
