package content

import (
	"bytes"
	"html"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// Renderer turns a warning's Markdown into the HTML residents are shown, and
// makes plain-text fields plain. Raw HTML in Markdown is dropped by goldmark
// and whatever HTML remains passes bluemonday's allowlist: no scripts, no
// event handlers, no styles, no images (there are no uploads), links only to
// http(s), mailto and tel, each with rel="nofollow noopener noreferrer".
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
	strict *bluemonday.Policy
}

// NewRenderer builds the Markdown renderer and the sanitizing policies.
func NewRenderer() *Renderer {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "del", "blockquote", "ul", "ol", "li", "code", "pre", "table", "thead", "tbody", "tr", "th", "td")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto", "tel")
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AllowElements("a")
	// h1/h2 become h3 so a warning never outshouts the page around it.
	return &Renderer{
		md:     goldmark.New(goldmark.WithExtensions(extension.Strikethrough, extension.Table, extension.Linkify)),
		policy: p,
		strict: bluemonday.StrictPolicy(),
	}
}

// HTML renders and sanitizes Markdown.
func (r *Renderer) HTML(markdown string) (string, error) {
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(markdown), &buf); err != nil {
		return "", err
	}
	out := buf.String()
	out = strings.NewReplacer("<h1>", "<h3>", "</h1>", "</h3>", "<h2>", "<h3>", "</h2>", "</h3>").Replace(out)
	out = r.policy.Sanitize(out)
	// bluemonday adds rel="nofollow noreferrer"; add noopener as well.
	out = strings.ReplaceAll(out, `rel="nofollow noreferrer"`, `rel="nofollow noopener noreferrer"`)
	return out, nil
}

// Text strips every tag from a plain-text field (a title, a summary, a
// reason) and collapses the result to one trimmed line of text. The frontend
// escapes text when it shows it; this makes stored text safe for any other
// consumer (exports, other systems) too.
func (r *Renderer) Text(s string) string {
	clean := html.UnescapeString(r.strict.Sanitize(s))
	// A second pass catches tags that were entity-encoded in the input.
	clean = html.UnescapeString(r.strict.Sanitize(clean))
	return strings.Join(strings.Fields(clean), " ")
}
