package api_test

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"wuzha/internal/testkit"
)

const testIndex = `<!doctype html><html lang="zh-CN"><head><meta charset="UTF-8" />
<meta name="description" content="无诈衢州：防骗预警、有奖问答。" />
<title>无诈衢州</title></head><body><div id="app"></div></body></html>`

// TestWarningLinkPreview: a warning's link, forwarded in a chat, opens a page
// whose title, description and Open Graph tags name that warning, escaped;
// other pages and warnings that are not public keep the plain page.
func TestWarningLinkPreview(t *testing.T) {
	n := newNewsroom(t)
	e := n.e
	e.Server.Frontend = fstest.MapFS{"index.html": {Data: []byte(testIndex)}}
	live := n.publish(t, `冒充"客服"退款`, map[string]any{"summary": "先垫钱 & 再返利的都是骗局"})
	draft := n.create(t, n.editor, "草稿预警", nil)

	r := e.Call("GET", fmt.Sprintf("/warnings/%d", live), "", nil)
	testkit.Want(t, r, 200)
	page := string(r.Body)
	for _, want := range []string{
		`<title>冒充&#34;客服&#34;退款 - 无诈衢州</title>`,
		`<meta name="description" content="先垫钱 &amp; 再返利的都是骗局" />`,
		`<meta property="og:title" content="冒充&#34;客服&#34;退款" />`,
		`<meta property="og:image" content="` + testkit.PublicURL + `/share.png" />`,
		fmt.Sprintf(`<meta property="og:url" content="%s/warnings/%d" />`, testkit.PublicURL, live),
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s:\n%s", want, page)
		}
	}
	if strings.Contains(page, "<script>") || strings.Count(page, "<title>") != 1 {
		t.Errorf("unescaped or doubled: %s", page)
	}
	for _, path := range []string{"/", fmt.Sprintf("/warnings/%d", draft), "/warnings/999999", "/acks"} {
		t.Run(path, func(t *testing.T) {
			r := e.Call("GET", path, "", nil)
			testkit.Want(t, r, 200)
			if string(r.Body) != testIndex {
				t.Fatalf("changed page: %s", r.Body)
			}
		})
	}

	// The QR code of the link, for the saved picture: published warnings only.
	r = e.Call("GET", fmt.Sprintf("/api/v1/warnings/%d/qr.png", live), "", nil)
	testkit.Want(t, r, 200)
	if r.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(string(r.Body), "\x89PNG") {
		t.Fatalf("qr %v %q", r.Header, r.Body[:8])
	}
	testkit.Want(t, e.Call("GET", fmt.Sprintf("/api/v1/warnings/%d/qr.png", draft), "", nil), 404)
	testkit.Want(t, e.Call("GET", "/api/v1/warnings/abc/qr.png", "", nil), 404)
}
