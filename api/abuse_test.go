package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/big"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"

	"wuzha/internal/auth"
	"wuzha/internal/ratelimit"
	"wuzha/internal/testkit"
)

// prefixed keeps one test's limit keys apart from every other run's in a
// shared Redis.
type prefixed struct {
	l ratelimit.Limiter
	p string
}

func (x prefixed) Hit(ctx context.Context, key string, limit int, window time.Duration) (ratelimit.Result, error) {
	return x.l.Hit(ctx, x.p+key, limit, window)
}

func (x prefixed) Count(ctx context.Context, key string, window time.Duration) (int, time.Duration, error) {
	return x.l.Count(ctx, x.p+key, window)
}

// forEachLimiter runs body on a fresh Env with the database limiter, and
// again with the Redis one when WUZHA_TEST_REDIS_URL is set.
func forEachLimiter(t *testing.T, body func(t *testing.T, e *testkit.Env)) {
	t.Run("database", func(t *testing.T) { body(t, testkit.NewEnv(t)) })
	url := os.Getenv("WUZHA_TEST_REDIS_URL")
	if url == "" {
		t.Log("WUZHA_TEST_REDIS_URL not set: Redis limiter not tested")
		return
	}
	t.Run("redis", func(t *testing.T) {
		r, err := ratelimit.NewRedis(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		if err := r.Ping(context.Background()); err != nil {
			t.Fatalf("redis at %s: %v", url, err)
		}
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		body(t, testkit.NewEnv(t, testkit.Options{Limiter: prefixed{r, "test-" + hex.EncodeToString(b) + ":"}}))
	})
}

func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, pureQR)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return res.GetText()
}

var svgModule = regexp.MustCompile(`M(\d+) (\d+)h1v1h-1z`)
var svgBox = regexp.MustCompile(`viewBox="0 0 (\d+) `)

// decodeSVGQR draws the modules of a QR code SVG (as qrSVG writes it) into
// an image and decodes it.
func decodeSVGQR(t *testing.T, svg []byte) string {
	t.Helper()
	m := svgBox.FindSubmatch(svg)
	if m == nil {
		t.Fatalf("not a QR SVG: %.80s", svg)
	}
	n, _ := strconv.Atoi(string(m[1]))
	const scale = 8
	img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for _, mod := range svgModule.FindAllSubmatch(svg, -1) {
		x, _ := strconv.Atoi(string(mod[1]))
		y, _ := strconv.Atoi(string(mod[2]))
		for dy := 0; dy < scale; dy++ {
			for dx := 0; dx < scale; dx++ {
				img.SetGray(x*scale+dx, y*scale+dy, color.Gray{})
			}
		}
	}
	return decodeQR(t, img)
}

// Join links and every QR code carry WUZHA_PUBLIC_URL, whatever Host and
// X-Forwarded-Host the request claims (from a trusted proxy, even).
func TestLinksIgnoreForgedHost(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	worker := e.Staff("gw_host", auth.GridWorker, "330802001001001")
	forged := map[string]string{"Host": "evil.example", "X-Forwarded-Host": "phish.example", "X-Forwarded-Proto": "http"}
	call := func(method, path, token string, body any) testkit.Resp {
		return e.Do(testkit.Request{Method: method, Path: path, Token: token, Body: body, Header: forged})
	}
	r := call("POST", "/api/v1/sessions", worker, map[string]any{"quiz_id": f.quizID})
	testkit.Want(t, r, 201)
	var s sessionResp
	r.JSON(t, &s)
	want := testkit.PublicURL + "/join/" + s.JoinCode

	var list struct{ Items []sessionResp }
	call("GET", "/api/v1/sessions", worker, nil).JSON(t, &list)
	var one sessionResp
	call("GET", fmt.Sprintf("/api/v1/sessions/%d", s.ID), worker, nil).JSON(t, &one)
	if len(list.Items) != 1 {
		t.Fatalf("sessions %+v", list.Items)
	}
	for name, got := range map[string]string{"open": s.JoinURL, "list": list.Items[0].JoinURL, "get": one.JoinURL} {
		if got != want {
			t.Errorf("%s: join_url %q, want %q", name, got, want)
		}
	}

	png1 := call("GET", "/api/v1/sessions/join/"+s.JoinCode+"/qr.png", "", nil)
	testkit.Want(t, png1, 200)
	img, err := png.Decode(bytes.NewReader(png1.Body))
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]string{
		"qr.png":      decodeQR(t, img),
		"qr.svg":      decodeSVGQR(t, call("GET", "/api/v1/sessions/join/"+s.JoinCode+"/qr.svg", "", nil).Body),
		"grid poster": decodeSVGQR(t, call("GET", "/api/v1/grids/330802001001001/qr.svg", "", nil).Body),
	} {
		w := want
		if name == "grid poster" {
			w = testkit.PublicURL + "/join/grid/330802001001001"
		}
		if got != w {
			t.Errorf("%s says %q, want %q", name, got, w)
		}
	}
}

func randomJoinCode(except string) string {
	for {
		n, _ := rand.Int(rand.Reader, big.NewInt(9_000_000_000))
		if c := strconv.FormatInt(n.Int64()+1_000_000_000, 10); c != except {
			return c
		}
	}
}

// Guessing join codes: a caller gets ten wrong codes an hour, per address
// and per user, on every path that tests one; then even the right code is
// refused to them, while other residents join as usual.
func TestSessionCodesCannotBeEnumerated(t *testing.T) {
	forEachLimiter(t, func(t *testing.T, e *testkit.Env) {
		f := newQuizFixture(t, e, nil)
		worker := e.Staff("gw_enum", auth.GridWorker, "330802001001002")
		s := openSession(t, e, worker, f.quizID)
		if !regexp.MustCompile(`^[1-9]\d{9}$`).MatchString(s.JoinCode) {
			t.Fatalf("join code %q is not ten digits", s.JoinCode)
		}
		attacker := e.ResidentWithProfile("13500000001", "18_29", "student", "330802001001001").AccessToken
		start := func(token, remote, code string) testkit.Resp {
			return e.Do(testkit.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/quizzes/%d/attempts", f.quizID), Token: token,
				Body: map[string]any{"session_code": code}, Remote: remote})
		}
		wrong, refused := 0, 0
		for i := 0; i < 400; i++ {
			r := start(attacker, "203.0.113.7", randomJoinCode(s.JoinCode))
			switch {
			case r.Status == 404:
				wrong++
			case r.Status == 429 && r.Code() == "too_many_wrong_codes" && r.Header.Get("Retry-After") != "":
				refused++
			default:
				t.Fatalf("probe %d: %d %s", i, r.Status, r.Body)
			}
		}
		if wrong != 10 || refused != 390 {
			t.Fatalf("400 probes: %d answered, %d refused; want 10 and 390", wrong, refused)
		}
		// Now the right code too: for this user anywhere, and at this address for anyone.
		testkit.Want(t, start(attacker, "203.0.113.7", s.JoinCode), 429, "too_many_wrong_codes")
		testkit.Want(t, start(attacker, "198.51.100.200", s.JoinCode), 429, "too_many_wrong_codes")
		neighbour := e.ResidentWithProfile("13500000002", "18_29", "student", "330802001001001").AccessToken
		testkit.Want(t, start(neighbour, "203.0.113.7", s.JoinCode), 429, "too_many_wrong_codes")
		testkit.Want(t, start(neighbour, "198.51.100.201", s.JoinCode), 201)

		// The join page and its QR codes count wrong codes the same way.
		for i := 0; i < 10; i++ {
			testkit.Want(t, e.Do(testkit.Request{Method: "GET", Path: "/api/v1/sessions/join/" + randomJoinCode(s.JoinCode), Remote: "203.0.113.8"}), 404)
		}
		testkit.Want(t, e.Do(testkit.Request{Method: "GET", Path: "/api/v1/sessions/join/" + s.JoinCode, Remote: "203.0.113.8"}), 429, "too_many_wrong_codes")
		testkit.Want(t, e.Do(testkit.Request{Method: "GET", Path: "/api/v1/sessions/join/" + s.JoinCode + "/qr.png", Remote: "203.0.113.8"}), 429, "too_many_wrong_codes")
		testkit.Want(t, e.Do(testkit.Request{Method: "GET", Path: "/api/v1/sessions/join/" + s.JoinCode, Remote: "203.0.113.9"}), 200)

		// Prize codes: twenty wrong ones an hour.
		redeemer := e.Staff("gw_prize", auth.GridWorker, "330802001001002")
		for i := 0; i < 20; i++ {
			r := e.Do(testkit.Request{Method: "POST", Path: "/api/v1/prizes/lookup", Token: redeemer, Body: map[string]string{"code": fmt.Sprintf("ZZZZZZZZ%04d", i)}, Remote: "203.0.113.10"})
			testkit.Want(t, r, 404, "code_not_found")
		}
		testkit.Want(t, e.Do(testkit.Request{Method: "POST", Path: "/api/v1/prizes/redeem", Token: redeemer, Body: map[string]string{"code": "ZZZZZZZZ9999"}, Remote: "203.0.113.11"}), 429, "too_many_wrong_codes")
	})
}

// A session credits the session's grid only with residents of the same
// county; a visitor from another county counts where they live, so here
// (a 柯城区 quiz) they are refused as outside the quiz's area.
func TestSessionKeepsResidentsInTheirCounty(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	worker := e.Staff("gw_county", auth.GridWorker, "330802001001002")
	s := openSession(t, e, worker, f.quizID)
	visitor := e.ResidentWithProfile("13500000011", "60p", "retiree", "330881001001001").AccessToken // 江山市
	testkit.Want(t, startVia(e, visitor, f.quizID, s.JoinCode), 403, "outside_area")
	local := e.ResidentWithProfile("13500000012", "60p", "retiree", "330802002001001").AccessToken // 柯城区, another grid
	r := startVia(e, local, f.quizID, s.JoinCode)
	testkit.Want(t, r, 201)
	var st started
	r.JSON(t, &st)
	var v struct {
		GridCode string `json:"grid_code"`
	}
	e.Call("GET", fmt.Sprintf("/api/v1/attempts/%d", st.AttemptID), local, nil).JSON(t, &v)
	if v.GridCode != "330802001001002" {
		t.Fatalf("same-county resident attributed to %s, want the session's grid", v.GridCode)
	}
	var live sessionResp
	e.Call("GET", fmt.Sprintf("/api/v1/sessions/%d", s.ID), worker, nil).JSON(t, &live)
	if live.Participants != 1 {
		t.Fatalf("participants %d, want 1", live.Participants)
	}
}

// Reach: random device ids from one address add at most readersPerAddress
// (20) readers to a warning a day; every read is still answered.
func TestReachBoundedPerAddress(t *testing.T) {
	forEachLimiter(t, func(t *testing.T, e *testkit.Env) {
		editor := e.Staff("reach_editor", auth.Editor, "330802")
		rev := e.Staff("reach_rev", auth.Reviewer, "330802")
		r := e.Call("POST", "/api/v1/warnings", editor, warningBody("触达上限", nil))
		testkit.Want(t, r, 201)
		var w struct{ ID int64 }
		r.JSON(t, &w)
		path := fmt.Sprintf("/api/v1/warnings/%d", w.ID)
		testkit.Want(t, e.Call("POST", path+"/submit", editor, nil), 200)
		testkit.Want(t, e.Call("POST", path+"/approve", rev, nil), 200)
		views := func() int64 {
			var reach struct{ Views int64 }
			e.Call("GET", path+"/reach", editor, nil).JSON(t, &reach)
			return reach.Views
		}
		for i := 0; i < 500; i++ {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			testkit.Want(t, e.Do(testkit.Request{Method: "GET", Path: path, Header: map[string]string{"X-Device-Id": "dev-" + hex.EncodeToString(b)}, Remote: "203.0.113.20"}), 200)
		}
		if n := views(); n != 20 {
			t.Fatalf("500 random devices from one address added %d views, want 20", n)
		}
		// Another address, and a signed-in resident, still count.
		testkit.Want(t, e.Do(testkit.Request{Method: "GET", Path: path, Header: map[string]string{"X-Device-Id": "device-elsewhere-1"}, Remote: "203.0.113.21"}), 200)
		resident := e.ResidentWithProfile("13500000021", "60p", "retiree", "330802001001001").AccessToken
		testkit.Want(t, e.Do(testkit.Request{Method: "GET", Path: path, Token: resident, Remote: "203.0.113.20"}), 200)
		if n := views(); n != 22 {
			t.Fatalf("views %d, want 22", n)
		}
	})
}

// A village hall behind one address: 60 residents sign in and start the quiz
// through an open session; without a session the per-address limit holds,
// and IPv6 addresses share their /64's bucket.
func TestHallCrowdThroughOpenSession(t *testing.T) {
	forEachLimiter(t, func(t *testing.T, e *testkit.Env) {
		f := newQuizFixture(t, e, nil)
		worker := e.Staff("gw_hall", auth.GridWorker, "330802001001002")
		s := openSession(t, e, worker, f.quizID)
		const hall = "203.0.113.50"
		for i := 0; i < 60; i++ {
			phone := fmt.Sprintf("136%08d", i)
			r := e.Do(testkit.Request{Method: "POST", Path: "/api/v1/auth/sms-code", Body: map[string]string{"phone": phone, "session_code": s.JoinCode}, Remote: hall})
			if r.Status != 204 {
				t.Fatalf("resident %d of the hall: sms-code %d %s", i+1, r.Status, r.Body)
			}
			r = e.Do(testkit.Request{Method: "POST", Path: "/api/v1/auth/sms-login", Body: map[string]string{"phone": phone, "code": e.LastCode(phone), "session_code": s.JoinCode}, Remote: hall})
			testkit.Want(t, r, 200)
			var pair auth.TokenPair
			r.JSON(t, &pair)
			testkit.Want(t, e.Do(testkit.Request{Method: "PUT", Path: "/api/v1/me/profile", Token: pair.AccessToken, Remote: hall,
				Body: map[string]any{"age_band": "60p", "occupation": "farmer", "grid_code": "330802001001002", "consent": true}}), 200)
			testkit.Want(t, e.Do(testkit.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/quizzes/%d/attempts", f.quizID), Token: pair.AccessToken,
				Body: map[string]any{"session_code": s.JoinCode}, Remote: hall}), 201)
		}
		var live sessionResp
		e.Call("GET", fmt.Sprintf("/api/v1/sessions/%d", s.ID), worker, nil).JSON(t, &live)
		if live.Participants != 60 {
			t.Fatalf("participants %d, want 60", live.Participants)
		}

		// Without a live session's code, twenty codes an hour per address
		// (per IPv6 /64); a wrong code and a closed session's code change nothing.
		testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/sessions/%d/close", s.ID), worker, nil), 200)
		n := 0
		for _, tc := range []struct {
			name   string
			first  string // 20 codes from here…
			second string // …then one from here
			code   string
			want   int
		}{
			{"no session", "203.0.113.60", "203.0.113.60", "", 429},
			{"wrong code", "203.0.113.61", "203.0.113.61", randomJoinCode(s.JoinCode), 429},
			{"closed session", "203.0.113.62", "203.0.113.62", s.JoinCode, 429},
			{"same IPv6 /64", "2001:db8:1:2::1", "2001:db8:1:2:ffff:eeee:dddd:9", "", 429},
			{"another IPv6 /64", "2001:db8:1:4::1", "2001:db8:1:5::1", "", 204},
		} {
			t.Run(tc.name, func(t *testing.T) {
				send := func(remote string) testkit.Resp {
					n++
					body := map[string]string{"phone": fmt.Sprintf("137%08d", n)}
					if tc.code != "" {
						body["session_code"] = tc.code
					}
					return e.Do(testkit.Request{Method: "POST", Path: "/api/v1/auth/sms-code", Body: body, Header: map[string]string{"X-Forwarded-For": remote}})
				}
				for i := 0; i < 20; i++ {
					testkit.Want(t, send(tc.first), 204)
				}
				testkit.Want(t, send(tc.second), tc.want)
			})
		}
	})
}
