package content

import (
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

var markdownSeeds = []string{
	"### 识别要点\n\n- 先垫钱的兼职都是骗局。\n- 记住 96110。",
	"<script>alert(1)</script>", "[点我](javascript:alert(1))", "<img src=x onerror=alert(1)>",
	"[a](https://example.org \"t\")", "<a href=\"http://x\" onclick=\"y()\">z</a>", "<<script>script>alert(1)<</script>/script>",
	"```\n<script>\n```", "| a | b |\n|---|---|\n| <b onmouseover=x>1</b> | 2 |", "~~删~~ **粗** _斜_", "<svg><style>x</style></svg>",
	"[x](JaVaScRiPt:alert(1))", "<iframe src=//evil>", "&lt;script&gt;", "<!--<script>-->", "<<b>img src=x onerror=alert(1)>",
}

// allowed are the elements and attributes the renderer may emit.
var (
	allowedTags  = map[string]bool{"p": true, "br": true, "hr": true, "h3": true, "h4": true, "h5": true, "h6": true, "strong": true, "em": true, "b": true, "i": true, "del": true, "blockquote": true, "ul": true, "ol": true, "li": true, "code": true, "pre": true, "table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true, "a": true, "img": true}
	allowedAttrs = map[string]bool{"href": true, "rel": true, "target": true, "src": true, "alt": true}
	safeHref     = regexp.MustCompile(`^(?i)(https?:|mailto:|tel:|[^:]*$)`)
)

// FuzzMarkdownHTML: whatever Markdown an editor writes, the HTML residents
// get holds only allowlisted elements, no event handler or style attribute,
// and links only to http(s), mailto and tel.
func FuzzMarkdownHTML(f *testing.F) {
	for _, s := range markdownSeeds {
		f.Add(s)
	}
	r := NewRenderer()
	f.Fuzz(func(t *testing.T, md string) {
		out, err := r.HTML(md)
		if err != nil {
			return
		}
		z := html.NewTokenizer(strings.NewReader(out))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				return
			}
			if tt != html.StartTagToken && tt != html.SelfClosingTagToken && tt != html.EndTagToken {
				continue
			}
			tok := z.Token()
			if !allowedTags[tok.Data] {
				t.Fatalf("element <%s> in %q from %q", tok.Data, out, md)
			}
			for _, a := range tok.Attr {
				if !allowedAttrs[a.Key] {
					t.Fatalf("attribute %s on <%s> in %q from %q", a.Key, tok.Data, out, md)
				}
				if a.Key == "href" && !safeHref.MatchString(strings.TrimSpace(a.Val)) {
					t.Fatalf("link %q in %q from %q", a.Val, out, md)
				}
				if (a.Key == "src") != (tok.Data == "img" && ownImage.MatchString(a.Val)) && a.Key != "alt" && tok.Data == "img" {
					t.Fatalf("image %q in %q from %q", a.Val, out, md)
				}
			}
		}
	})
}

// FuzzPlainText: a plain-text field comes out without any markup — an HTML
// parser finds no element, comment or doctype in it — and cleaning it again
// changes nothing.
func FuzzPlainText(f *testing.F) {
	for _, s := range markdownSeeds {
		f.Add(s)
	}
	r := NewRenderer()
	f.Fuzz(func(t *testing.T, s string) {
		out := r.Text(s)
		z := html.NewTokenizer(strings.NewReader(out))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				break
			}
			if tt != html.TextToken {
				t.Fatalf("Text(%q) = %q holds markup (%v)", s, out, tt)
			}
		}
		if again := r.Text(out); again != out {
			t.Fatalf("Text not idempotent: %q → %q → %q", s, out, again)
		}
	})
}
