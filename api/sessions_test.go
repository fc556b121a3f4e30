package api_test

import (
	"bytes"
	"fmt"
	"image/png"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"

	"wuzha/internal/auth"
	"wuzha/internal/testkit"
)

type sessionResp struct {
	ID           int64  `json:"id"`
	JoinCode     string `json:"join_code"`
	JoinURL      string `json:"join_url"`
	Open         bool   `json:"open"`
	Participants int64  `json:"participants"`
	Submitted    int64  `json:"submitted"`
	Passed       int64  `json:"passed"`
}

func openSession(t *testing.T, e *testkit.Env, worker string, quizID int64) sessionResp {
	t.Helper()
	r := e.Call("POST", "/api/v1/sessions", worker, map[string]any{"quiz_id": quizID})
	testkit.Want(t, r, 201)
	var s sessionResp
	r.JSON(t, &s)
	if len(s.JoinCode) != 10 || s.JoinURL != testkit.PublicURL+"/join/"+s.JoinCode {
		t.Fatalf("session %+v", s)
	}
	return s
}

func startVia(e *testkit.Env, token string, quizID int64, code string) testkit.Resp {
	return e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", quizID), token, map[string]any{"session_code": code})
}

func TestSessionAttributionAndLifecycle(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	worker := e.Staff("gw_b", auth.GridWorker, "330802001001002") // grid B
	s := openSession(t, e, worker, f.quizID)

	// The join page, public.
	var info struct {
		Quiz struct {
			ID    int64
			Title string
		}
		Grid struct{ Code, Name string }
	}
	e.Call("GET", "/api/v1/sessions/join/"+s.JoinCode, "", nil).JSON(t, &info)
	if info.Quiz.ID != f.quizID || info.Grid.Code != "330802001001002" {
		t.Fatalf("join info %+v", info)
	}

	// A resident whose profile says grid A answers through the session: the
	// attempt counts for grid B.
	alice := e.ResidentWithProfile("13400000001", "60p", "retiree", "330802001001001").AccessToken
	r := startVia(e, alice, f.quizID, s.JoinCode)
	testkit.Want(t, r, 201)
	var st started
	r.JSON(t, &st)
	var v struct {
		GridCode string `json:"grid_code"`
	}
	e.Call("GET", fmt.Sprintf("/api/v1/attempts/%d", st.AttemptID), alice, nil).JSON(t, &v)
	if v.GridCode != "330802001001002" {
		t.Fatalf("attempt attributed to %s, want the session's grid", v.GridCode)
	}
	all := map[int64]bool{}
	for id := range f.questions {
		all[id] = true
	}
	testkit.Want(t, f.submit(t, alice, st.AttemptID, "a", f.answers(st, all)), 200)

	// Late joiners are welcome; live counts follow.
	bob := e.ResidentWithProfile("13400000002", "45_59", "farmer", "330802001001001").AccessToken
	r = startVia(e, bob, f.quizID, s.JoinCode)
	testkit.Want(t, r, 201)
	var bobSt started
	r.JSON(t, &bobSt)
	var live sessionResp
	e.Call("GET", fmt.Sprintf("/api/v1/sessions/%d", s.ID), worker, nil).JSON(t, &live)
	if live.Participants != 2 || live.Submitted != 1 || live.Passed != 1 {
		t.Fatalf("live counts %+v", live)
	}

	// Wrong quiz for the code, unknown code.
	g := newQuizFixture(t, e, nil)
	testkit.Want(t, startVia(e, bob, g.quizID, s.JoinCode), 422, "session_quiz_mismatch")
	testkit.Want(t, startVia(e, alice, f.quizID, "1000000000"), 404)

	// Close: no new attempts through it; the started one may still finish.
	testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/sessions/%d/close", s.ID), worker, nil), 200)
	carol := e.ResidentWithProfile("13400000003", "18_29", "student", "330802001001001").AccessToken
	testkit.Want(t, startVia(e, carol, f.quizID, s.JoinCode), 410, "session_closed")
	testkit.Want(t, e.Call("GET", "/api/v1/sessions/join/"+s.JoinCode, "", nil), 410)
	testkit.Want(t, f.submit(t, bob, bobSt.AttemptID, "b", f.answers(bobSt, nil)), 200)
	testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/sessions/%d/close", s.ID), worker, nil), 410)

	// Expiry.
	s2 := openSession(t, e, worker, f.quizID)
	e.DB.Exec("UPDATE quiz_sessions SET expires_at = ? WHERE id = ?", time.Now().UTC().Add(-time.Minute), s2.ID)
	testkit.Want(t, startVia(e, carol, f.quizID, s2.JoinCode), 410, "session_closed")
	testkit.Want(t, e.Call("GET", "/api/v1/sessions/join/"+s2.JoinCode, "", nil), 410)
}

func TestSessionScopeAndBadInput(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil) // a 柯城区 quiz
	worker := e.Staff("gw_kc", auth.GridWorker, "330802001001001")
	s := openSession(t, e, worker, f.quizID)
	path := fmt.Sprintf("/api/v1/sessions/%d", s.ID)

	other := e.Staff("gw_kc_other", auth.GridWorker, "330802002001001")
	jsAdmin := e.Staff("js_admin", auth.Admin, "330881")
	kcAdmin := e.Staff("kc_admin", auth.Admin, "330802")
	resident := e.ResidentWithProfile("13400000009", "60p", "retiree", "330802001001001").AccessToken
	testkit.Want(t, e.Call("GET", path, other, nil), 404)
	testkit.Want(t, e.Call("POST", path+"/close", other, nil), 404)
	testkit.Want(t, e.Call("GET", path, jsAdmin, nil), 404)
	testkit.Want(t, e.Call("GET", path, resident, nil), 403)
	testkit.Want(t, e.Call("GET", path, kcAdmin, nil), 200)
	testkit.Want(t, e.Call("POST", "/api/v1/sessions", kcAdmin, map[string]any{"quiz_id": f.quizID}), 403)

	// A quiz for another county, a draft quiz, a staff quiz, an unknown quiz.
	jsWorker := e.Staff("gw_js", auth.GridWorker, "330881001001001")
	testkit.Want(t, e.Call("POST", "/api/v1/sessions", jsWorker, map[string]any{"quiz_id": f.quizID}), 403, "outside_area")
	draft := e.Call("POST", "/api/v1/quizzes", f.editor, map[string]any{"title": "草稿问答", "area_code": "330802", "starts_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "ends_at": time.Now().Add(time.Hour).Format(time.RFC3339), "question_count": 3})
	testkit.Want(t, draft, 201)
	var d struct{ ID int64 }
	draft.JSON(t, &d)
	testkit.Want(t, e.Call("POST", "/api/v1/sessions", worker, map[string]any{"quiz_id": d.ID}), 409, "quiz_not_open")
	training := newQuizFixture(t, e, map[string]any{"audience": "staff"})
	testkit.Want(t, e.Call("POST", "/api/v1/sessions", worker, map[string]any{"quiz_id": training.quizID}), 409, "quiz_not_open")
	testkit.Want(t, e.Call("POST", "/api/v1/sessions", worker, map[string]any{"quiz_id": 999999}), 404)

	var mine struct{ Items []sessionResp }
	e.Call("GET", "/api/v1/sessions", worker, nil).JSON(t, &mine)
	if len(mine.Items) != 1 || mine.Items[0].ID != s.ID {
		t.Fatalf("my open sessions %+v", mine.Items)
	}

	// Guessing join codes is rate limited.
	limited := false
	for i := 0; i < 40; i++ {
		if e.Call("GET", fmt.Sprintf("/api/v1/sessions/join/%010d", 1000000000+i), "", nil).Status == 429 {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("40 wrong join codes were not limited")
	}
}

// The session's QR code decodes to its join URL.
func TestSessionQRDecodesToJoinURL(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	worker := e.Staff("gw_qr", auth.GridWorker, "330802001001001")
	s := openSession(t, e, worker, f.quizID)
	r := e.Call("GET", "/api/v1/sessions/join/"+s.JoinCode+"/qr.png", "", nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("qr.png: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	img, err := png.Decode(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, pureQR)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if res.GetText() != s.JoinURL || res.GetText() != testkit.PublicURL+"/join/"+s.JoinCode {
		t.Fatalf("QR says %q, join URL is %q", res.GetText(), s.JoinURL)
	}
	svg := e.Call("GET", "/api/v1/sessions/join/"+s.JoinCode+"/qr.svg", "", nil)
	if svg.Status != 200 || !bytes.HasPrefix(svg.Body, []byte("<svg")) {
		t.Fatalf("qr.svg: %d %.80s", svg.Status, svg.Body)
	}
	testkit.Want(t, e.Call("GET", "/api/v1/sessions/join/9999999999/qr.png", "", nil), 404)
}

// Training quizzes: staff take them, they never count toward residents'
// awareness, and admins see completion and pass rates per area and role.
func TestTrainingCompletion(t *testing.T) {
	e := testkit.NewEnv(t)
	training := newQuizFixture(t, e, map[string]any{"audience": "staff"})
	all := map[int64]bool{}
	for id := range training.questions {
		all[id] = true
	}
	w1 := e.Staff("gw_1", auth.GridWorker, "330802001001001")
	e.Staff("gw_2", auth.GridWorker, "330802002001001")
	r := e.Call("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", training.quizID), w1, map[string]any{})
	testkit.Want(t, r, 201)
	var st started
	r.JSON(t, &st)
	testkit.Want(t, training.submit(t, w1, st.AttemptID, "t", training.answers(st, all)), 200)

	admin := e.Staff("kc_admin", auth.Admin, "330802")
	var lines struct {
		Items []struct {
			AreaCode                 string `json:"area_code"`
			Role                     string
			Staff, Completed, Passed int64
		}
	}
	e.Call("GET", fmt.Sprintf("/api/v1/quizzes/%d/completion", training.quizID), admin, nil).JSON(t, &lines)
	got := map[string][3]int64{}
	for _, l := range lines.Items {
		if l.Role == "grid_worker" {
			got[l.AreaCode] = [3]int64{l.Staff, l.Completed, l.Passed}
		}
	}
	if got["330802001"] != [3]int64{1, 1, 1} || got["330802002"] != [3]int64{1, 0, 0} {
		t.Fatalf("completion %+v", lines.Items)
	}
	testkit.Want(t, e.Call("GET", fmt.Sprintf("/api/v1/quizzes/%d/completion", training.quizID), w1, nil), 403)
	// Residents' awareness does not see the training attempt.
	var fig struct{ Respondents int64 }
	e.Call("GET", "/api/v1/awareness/330802", admin, nil).JSON(t, &fig)
	if fig.Respondents != 0 {
		t.Fatalf("a training attempt counted for awareness: %d", fig.Respondents)
	}
	// The grid's standing poster code.
	svg := e.Call("GET", "/api/v1/grids/330802001001001/qr.svg", "", nil)
	if svg.Status != 200 || !bytes.HasPrefix(svg.Body, []byte("<svg")) {
		t.Fatalf("grid qr: %d", svg.Status)
	}
	testkit.Want(t, e.Call("GET", "/api/v1/grids/330802001/qr.svg", "", nil), 404)
}

// pureQR tells the decoder the image is a generated code, not a photo: it
// reads the modules straight off the grid instead of hunting for finder
// patterns, which on rare payloads misread a clean image.
var pureQR = map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_PURE_BARCODE: true}
