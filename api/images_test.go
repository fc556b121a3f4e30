package api_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"wuzha/internal/auth"
	"wuzha/internal/testkit"
)

func testPicture(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	return img
}

// withExif puts an APP1 (EXIF) segment carrying marker right after a JPEG's
// start, as a phone camera writes the place a photo was taken.
func withExif(jpg []byte, marker string) []byte {
	payload := append([]byte("Exif\x00\x00"), []byte(marker)...)
	n := len(payload) + 2
	seg := append([]byte{0xFF, 0xE1, byte(n >> 8), byte(n)}, payload...)
	return append(append(append([]byte{}, jpg[:2]...), seg...), jpg[2:]...)
}

type uploaded struct {
	URL         string
	Width       int
	Height      int
	ContentType string `json:"content_type"`
}

// Editors upload images for warnings: decoded, scaled to at most 1280 px
// wide and encoded anew (metadata gone), served with nosniff and a long
// cache; anything that is not a JPEG, PNG, GIF or WebP image is refused
// with 422 and nothing stored.
func TestImageUpload(t *testing.T) {
	e := testkit.NewEnv(t)
	ed := e.Staff("kc_ed", auth.Editor, "330802")

	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, testPicture(2000, 1000), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	camera := withExif(jpg.Bytes(), "GPS:29.0,118.8 SECRET-PLACE")
	if _, err := jpeg.Decode(bytes.NewReader(camera)); err != nil {
		t.Fatalf("the test JPEG with EXIF is not readable: %v", err)
	}
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, testPicture(300, 200)); err != nil {
		t.Fatal(err)
	}

	get := func(url string) testkit.Resp { return e.Do(testkit.Request{Method: "GET", Path: url}) }
	t.Run("jpeg is resized and stripped", func(t *testing.T) {
		r := uploadTo(t, e, "/api/v1/images", ed, "photo.jpg", camera)
		testkit.Want(t, r, 201)
		var u uploaded
		r.JSON(t, &u)
		if u.Width != 1280 || u.Height != 640 || u.ContentType != "image/jpeg" || !strings.HasPrefix(u.URL, "/api/v1/images/") || !strings.HasSuffix(u.URL, ".jpg") {
			t.Fatalf("uploaded %+v", u)
		}
		s := get(u.URL) // public: residents read warnings signed out
		testkit.Want(t, s, 200)
		for h, want := range map[string]string{"Content-Type": "image/jpeg", "X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=31536000, immutable"} {
			if got := s.Header.Get(h); got != want {
				t.Errorf("%s: %q, want %q", h, got, want)
			}
		}
		if !strings.Contains(s.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("CSP %q", s.Header.Get("Content-Security-Policy"))
		}
		if bytes.Contains(s.Body, []byte("SECRET-PLACE")) || bytes.Contains(s.Body, []byte("Exif")) {
			t.Fatal("the stored image still carries the EXIF segment")
		}
		img, err := jpeg.Decode(bytes.NewReader(s.Body))
		if err != nil || img.Bounds().Dx() != 1280 || img.Bounds().Dy() != 640 {
			t.Fatalf("served image: %v %v", err, img.Bounds())
		}
		// The same picture again is the same URL.
		var again uploaded
		uploadTo(t, e, "/api/v1/images", ed, "copy.jpg", camera).JSON(t, &again)
		if again.URL != u.URL {
			t.Fatalf("same content, new URL: %s vs %s", again.URL, u.URL)
		}
	})
	t.Run("small png stays its size", func(t *testing.T) {
		r := uploadTo(t, e, "/api/v1/images", ed, "chart.png", pngBuf.Bytes())
		testkit.Want(t, r, 201)
		var u uploaded
		r.JSON(t, &u)
		if u.Width != 300 || u.Height != 200 || u.ContentType != "image/png" || !strings.HasSuffix(u.URL, ".png") {
			t.Fatalf("uploaded %+v", u)
		}
		s := get(u.URL)
		testkit.Want(t, s, 200)
		if s.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("content type %q", s.Header.Get("Content-Type"))
		}
	})
	t.Run("bad files are refused", func(t *testing.T) {
		huge := append(append([]byte{}, jpg.Bytes()[:3]...), bytes.Repeat([]byte{0}, 6<<20)...)
		// A PNG that claims 20000×20000 pixels: refused before decoding.
		var bomb bytes.Buffer
		png.Encode(&bomb, image.NewGray(image.Rect(0, 0, 1, 1)))
		b := bomb.Bytes()
		binary.BigEndian.PutUint32(b[16:], 20000)
		binary.BigEndian.PutUint32(b[20:], 20000)
		binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
		cases := []struct {
			name string
			data []byte
			code string
		}{
			{"x.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>`), "image_unsupported"},
			{"x.jpg", []byte(`<!doctype html><html><script>alert(1)</script></html>`), "image_unsupported"},
			{"x.png", []byte("definitely not an image at all"), "image_unsupported"},
			{"x.jpg", append(append([]byte{}, jpg.Bytes()[:200]...), bytes.Repeat([]byte{0x41}, 500)...), "image_unreadable"},
			{"x.gif", []byte("GIF89a<script>alert(1)</script>"), ""},
			{"x.png", b, "image_too_large"},
			{"x.jpg", huge, ""},
		}
		for _, tc := range cases {
			r := uploadTo(t, e, "/api/v1/images", ed, tc.name, tc.data)
			if r.Status != 422 && !(len(tc.data) > 5<<20 && r.Status == 413) {
				t.Errorf("%s (%d bytes): %d %s", tc.name, len(tc.data), r.Status, r.Body)
				continue
			}
			if tc.code != "" {
				testkit.Want(t, r, 422, tc.code)
			}
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%s: content type %q", tc.name, r.Header.Get("Content-Type"))
			}
		}
	})
	t.Run("who may upload, what may be read", func(t *testing.T) {
		res := e.Resident("13900000001")
		testkit.Want(t, uploadTo(t, e, "/api/v1/images", res.AccessToken, "photo.png", pngBuf.Bytes()), 403)
		testkit.Want(t, uploadTo(t, e, "/api/v1/images", "", "photo.png", pngBuf.Bytes()), 401)
		testkit.Want(t, get("/api/v1/images/"+strings.Repeat("0", 64)+".jpg"), 404)
		for _, name := range []string{"..%2F..%2Fsecrets.json", "x.svg", strings.Repeat("a", 64) + ".html", fmt.Sprintf("%064d.png%%00", 1)} {
			if r := get("/api/v1/images/" + name); r.Status != 404 {
				t.Errorf("%s: %d", name, r.Status)
			}
		}
	})
}
