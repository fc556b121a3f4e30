package content

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"golang.org/x/net/html"

	"wuzha/internal/picture"
)

// Renderer turns a warning's Markdown into the HTML residents are shown, and
// makes plain-text fields plain. Raw HTML in Markdown is dropped by goldmark
// and whatever HTML remains passes bluemonday's allowlist: no scripts, no
// event handlers, no styles, images only from wuzha's own image store
// (picture.URLPrefix, what editors upload), links only to http(s), mailto
// and tel, each with rel="nofollow noopener noreferrer".
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

var (
	absoluteLink = regexp.MustCompile(`^(?i)(https?:|mailto:|tel:)`)
	ownImage     = regexp.MustCompile(`^` + regexp.QuoteMeta(picture.URLPrefix) + `[0-9a-f]{64}\.(jpg|png)$`)
	srclessImage = regexp.MustCompile(`<img(?: alt="[^"]*")?/?>`)
)

// NewRenderer builds the Markdown renderer and the sanitizing policies.
func NewRenderer() *Renderer {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "del", "blockquote", "ul", "ol", "li", "code", "pre", "table", "thead", "tbody", "tr", "th", "td")
	// Relative URLs are allowed for the images' own path only: hrefs must
	// still be absolute (the pattern), srcs must name a stored image.
	p.AllowRelativeURLs(true)
	p.AllowAttrs("href").Matching(absoluteLink).OnElements("a")
	p.AllowAttrs("src").Matching(ownImage).OnElements("img")
	p.AllowAttrs("alt").OnElements("img")
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
	// An image whose src was not our own lost it; drop what is left of it.
	out = srclessImage.ReplaceAllString(out, "")
	// bluemonday adds rel="nofollow noreferrer"; add noopener as well.
	out = strings.ReplaceAll(out, `rel="nofollow noreferrer"`, `rel="nofollow noopener noreferrer"`)
	return out, nil
}

// rawTextElements hold raw text in which "<" does not start a tag; their
// content is dropped with them rather than kept as if it were text.
var rawTextElements = map[string]bool{"script": true, "style": true, "noscript": true, "iframe": true, "noembed": true,
	"noframes": true, "plaintext": true, "textarea": true, "title": true, "xmp": true}

// Text makes a plain-text field (a title, a summary, a reason) plain: tags,
// comments and the contents of raw-text elements (script, style, noscript …) are dropped, and
// the text between them is kept exactly as typed — entities are not decoded,
// so "&lt;script&gt;" stays those characters and never turns into markup.
// What remains has no "<" that starts a tag, so it is inert in any HTML
// consumer too; whitespace is collapsed to single spaces.
func (r *Renderer) Text(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0 // inside an element whose content the tokenizer reads as raw text
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return defuseTags(strings.Join(strings.Fields(b.String()), " "))
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Raw())
			}
		case html.StartTagToken, html.EndTagToken:
			name, _ := z.TagName()
			if rawTextElements[string(name)] {
				if tt == html.StartTagToken {
					skip++
				} else if skip > 0 {
					skip--
				}
			}
		}
	}
}

// defuseTags drops each "<" that would start a tag, comment or doctype.
// Text pieces kept from around a dropped tag can meet and form one ("<" +
// "<b>" + "img onerror=…>" keeps "<img onerror=…>"). Read from the right, a
// dropped "<" never makes the one before it start a tag.
func defuseTags(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	out := make([]byte, 0, len(s))
	var next byte // the byte after position i in what is kept
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c == '<' && (next == '/' || next == '!' || next == '?' || (next|0x20 >= 'a' && next|0x20 <= 'z')) {
			continue
		}
		out = append(out, c)
		next = c
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}
