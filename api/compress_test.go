package api_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
	"testing/fstest"

	"wuzha/internal/testkit"
)

// The built app as the build leaves it: a hashed script with its brotli and
// gzip copies, a small file with none, and index.html.
var builtApp = fstest.MapFS{
	"index.html":                {Data: []byte(`<!doctype html><title>无诈</title><script src="/assets/index-AbC123.js"></script>`)},
	"assets/index-AbC123.js":    {Data: []byte(strings.Repeat("console.log('无诈');\n", 200))},
	"assets/index-AbC123.js.br": {Data: []byte("brotli bytes")},
	"assets/index-AbC123.js.gz": {Data: []byte("gzip bytes")},
	"assets/tiny-XyZ789.css":    {Data: []byte("a{color:red}")},
	"favicon.svg":               {Data: []byte("<svg/>")},
}

func TestFrontendSendsPrecompressedAssets(t *testing.T) {
	e := testkit.NewEnv(t, testkit.Options{Frontend: builtApp})
	const immutable = "public, max-age=31536000, immutable"
	cases := []struct {
		name, path, accept    string
		body, encoding, cache string
		vary                  bool
	}{
		{"brotli when accepted", "/assets/index-AbC123.js", "gzip, deflate, br", "brotli bytes", "br", immutable, true},
		{"gzip when brotli is not", "/assets/index-AbC123.js", "gzip", "gzip bytes", "gzip", immutable, true},
		{"gzip when brotli is refused", "/assets/index-AbC123.js", "br;q=0, *", "gzip bytes", "gzip", immutable, true},
		{"plain without Accept-Encoding", "/assets/index-AbC123.js", "", string(builtApp["assets/index-AbC123.js"].Data), "", immutable, true},
		{"plain when only identity", "/assets/index-AbC123.js", "identity", string(builtApp["assets/index-AbC123.js"].Data), "", immutable, true},
		{"file without copies goes plain", "/assets/tiny-XyZ789.css", "br, gzip", "a{color:red}", "", immutable, false},
		{"index.html is revalidated", "/", "br, gzip", string(builtApp["index.html"].Data), "", "no-cache", false},
		{"app routes get index.html", "/quizzes/3/take", "br", string(builtApp["index.html"].Data), "", "no-cache", false},
		{"files outside assets are not immutable", "/favicon.svg", "br", "<svg/>", "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do(testkit.Request{Method: "GET", Path: tc.path, Header: map[string]string{"Accept-Encoding": tc.accept}})
			if r.Status != 200 {
				t.Fatalf("status %d", r.Status)
			}
			if string(r.Body) != tc.body {
				t.Errorf("body %.40q, want %.40q", r.Body, tc.body)
			}
			if got := r.Header.Get("Content-Encoding"); got != tc.encoding {
				t.Errorf("Content-Encoding %q, want %q", got, tc.encoding)
			}
			if got := r.Header.Get("Cache-Control"); got != tc.cache {
				t.Errorf("Cache-Control %q, want %q", got, tc.cache)
			}
			if got := strings.Contains(r.Header.Get("Vary"), "Accept-Encoding"); got != tc.vary {
				t.Errorf("Vary %q, want Accept-Encoding: %v", r.Header.Get("Vary"), tc.vary)
			}
			if strings.HasSuffix(tc.path, ".js") && !strings.HasPrefix(r.Header.Get("Content-Type"), "text/javascript") {
				t.Errorf("Content-Type %q for a script", r.Header.Get("Content-Type"))
			}
		})
	}
	t.Run("a missing hashed asset is a 404, not the app page", func(t *testing.T) {
		r := e.Do(testkit.Request{Method: "GET", Path: "/assets/gone-111.js", Header: map[string]string{"Accept-Encoding": "br"}})
		testkit.Want(t, r, 404, "not_found")
	})
}

func TestAPIAnswersAreGzipped(t *testing.T) {
	e := testkit.NewEnv(t)
	plain := e.Call("GET", "/api/v1/taxonomy", "", nil)
	testkit.Want(t, plain, 200)
	if len(plain.Body) <= 1024 {
		t.Fatalf("taxonomy is %d bytes; the test needs an answer over 1 KB", len(plain.Body))
	}
	token := e.Resident("13800001111").AccessToken
	if me := e.Call("GET", "/api/v1/me", token, nil); me.Status != 200 || len(me.Body) > 1024 {
		t.Fatalf("/me: status %d, %d bytes; the test needs a small answer", me.Status, len(me.Body))
	}
	cases := []struct {
		name, path, accept string
		gzipped            bool
	}{
		{"over 1 KB, gzip accepted", "/api/v1/taxonomy", "gzip, deflate, br", true},
		{"over 1 KB, gzip refused", "/api/v1/taxonomy", "gzip;q=0, br", false},
		{"over 1 KB, no Accept-Encoding", "/api/v1/taxonomy", "", false},
		{"small answers stay plain", "/api/v1/me", "gzip", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do(testkit.Request{Method: "GET", Path: tc.path, Token: token, Header: map[string]string{"Accept-Encoding": tc.accept}})
			if r.Status != 200 {
				t.Fatalf("status %d", r.Status)
			}
			if tc.gzipped != (r.Header.Get("Content-Encoding") == "gzip") {
				t.Fatalf("Content-Encoding %q, want gzip: %v", r.Header.Get("Content-Encoding"), tc.gzipped)
			}
			if r.Header.Get("Cache-Control") == "" {
				t.Errorf("the API's Cache-Control was lost")
			}
			if !tc.gzipped {
				return
			}
			if !strings.Contains(r.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("Vary %q", r.Header.Get("Vary"))
			}
			zr, err := gzip.NewReader(bytes.NewReader(r.Body))
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(body, plain.Body) {
				t.Fatalf("gunzipped answer differs from the plain one")
			}
			if len(r.Body) >= len(plain.Body) {
				t.Fatalf("gzip %d bytes, plain %d", len(r.Body), len(plain.Body))
			}
			t.Logf("%s: %d bytes plain, %d gzipped", tc.path, len(plain.Body), len(r.Body))
		})
	}
	t.Run("compressed request bodies are still refused", func(t *testing.T) {
		r := e.Do(testkit.Request{Method: "POST", Path: "/api/v1/auth/login", Body: "x",
			Header: map[string]string{"Content-Encoding": "gzip", "Accept-Encoding": "gzip"}})
		testkit.Want(t, r, 415, "unsupported_content_encoding")
	})
}
