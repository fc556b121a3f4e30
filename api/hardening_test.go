package api_test

import (
	"fmt"
	"testing"
	"time"

	"wuzha/internal/auth"
	"wuzha/internal/testkit"
)

// TestTextRefusesControlAndBidiCharacters: a NUL or a right-to-left override
// (U+202E) in any plain-text field, typed or imported, is refused with 422
// invalid_characters naming the field, and nothing is stored.
func TestTextRefusesControlAndBidiCharacters(t *testing.T) {
	e := testkit.NewEnv(t)
	editor := e.Staff("text_editor", auth.Editor, "330802")
	admin := e.Staff("text_admin", auth.Admin, "330800")
	quiz := func(title string) map[string]any {
		return map[string]any{"title": title, "area_code": "330802", "audience": "residents",
			"starts_at": time.Now().Format(time.RFC3339), "ends_at": time.Now().Add(time.Hour).Format(time.RFC3339)}
	}
	cases := []struct {
		name, method, path, token string
		body                      any
		field                     string
	}{
		{"quiz title with U+202E", "POST", "/api/v1/quizzes", editor, quiz("反诈\u202Eexe.问答"), "title"},
		{"quiz title with NUL", "POST", "/api/v1/quizzes", editor, quiz("反诈\x00问答"), "title"},
		{"warning summary with NUL", "POST", "/api/v1/warnings", editor, warningBody("正常标题", map[string]any{"summary": "摘要\x00"}), "summary"},
		{"warning title with an isolate", "POST", "/api/v1/warnings", editor, warningBody("标题\u2067反向\u2069", nil), "title"},
		{"question option with U+202E", "POST", "/api/v1/questions", editor, map[string]any{"kind": "true_false", "stem": "这是一道判断题吗？",
			"options": []map[string]string{{"key": "A", "text": "正\u202E确"}, {"key": "B", "text": "错误"}}, "answer": []string{"A"}, "explanation": "解析内容足够长", "fraud_type": "other"}, "options[0].text"},
		{"user display name with a bell", "POST", "/api/v1/users", admin, map[string]any{"username": "bell\x07", "password": "a-long-password-1", "role": "editor", "area_code": "330802"}, "username"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Call(tc.method, tc.path, tc.token, tc.body)
			testkit.Want(t, r, 422, "invalid_characters")
			var p struct{ Errors []struct{ Field string } }
			r.JSON(t, &p)
			named := false
			for _, f := range p.Errors {
				named = named || f.Field == tc.field
			}
			if !named {
				t.Fatalf("errors %+v, want field %s named", p.Errors, tc.field)
			}
		})
	}
	t.Run("imported area name with NUL", func(t *testing.T) {
		csv := "code,name,parent_code,level,population\n330802950,好街道,330802,town,\n330802951,坏\x00街道,330802,town,\n"
		r := uploadTo(t, e, "/api/v1/areas/import", admin, "a.csv", []byte(csv))
		testkit.Want(t, r, 422, "invalid_characters")
		testkit.Want(t, e.Call("GET", "/api/v1/areas/330802950", "", nil), 404)
	})
	t.Run("ordinary text with line breaks passes", func(t *testing.T) {
		testkit.Want(t, e.Call("POST", "/api/v1/warnings", editor, warningBody("正常标题", map[string]any{"summary": "第一行\n第二行"})), 201)
	})
}

// TestQuizTimingBoundsDoNotOverflow: min_seconds_per_question × question_count
// is checked in int64 and each is bounded, so a huge value is a 422 (it used
// to wrap round and pass on SQLite, and answer 500 on MariaDB).
func TestQuizTimingBoundsDoNotOverflow(t *testing.T) {
	e := testkit.NewEnv(t)
	editor := e.Staff("timing_editor", auth.Editor, "330802")
	for _, v := range []int64{4611686018427387904, 1 << 31, 7201, -1} {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			r := e.Call("POST", "/api/v1/quizzes", editor, map[string]any{"title": "用时上限", "area_code": "330802", "audience": "residents",
				"starts_at": time.Now().Format(time.RFC3339), "ends_at": time.Now().Add(time.Hour).Format(time.RFC3339),
				"question_count": 4, "time_limit_s": 600, "min_seconds_per_question": v})
			testkit.Want(t, r, 422, "validation_failed")
		})
	}
	r := e.Call("POST", "/api/v1/quizzes", editor, map[string]any{"title": "用时正常", "area_code": "330802", "audience": "residents",
		"starts_at": time.Now().Format(time.RFC3339), "ends_at": time.Now().Add(time.Hour).Format(time.RFC3339),
		"question_count": 4, "time_limit_s": 600, "min_seconds_per_question": 150, "counts_for_awareness": false})
	testkit.Want(t, r, 201)
}

// TestPersonalAnswersAreNotCached: API answers carry Cache-Control: no-store
// (prize codes, profiles), except public reference data that says otherwise.
func TestPersonalAnswersAreNotCached(t *testing.T) {
	e := testkit.NewEnv(t)
	resident := e.Resident("13900001111")
	for _, path := range []string{"/api/v1/me/prizes", "/api/v1/me", "/api/v1/me/acks"} {
		r := e.Call("GET", path, resident.AccessToken, nil)
		testkit.Want(t, r, 200)
		if got := r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", path, got)
		}
	}
	if got := e.Call("GET", "/api/v1/me/prizes", "", nil).Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("refusal: Cache-Control %q, want no-store", got)
	}
	if got := e.Call("GET", "/api/v1/taxonomy", "", nil).Header.Get("Cache-Control"); got != "public, max-age=300" {
		t.Errorf("taxonomy: Cache-Control %q, want its own public caching", got)
	}
}

// TestHSTSInProduction: Strict-Transport-Security is sent when the server
// runs in production mode (HSTS), and not in development over plain HTTP.
func TestHSTSInProduction(t *testing.T) {
	e := testkit.NewEnv(t)
	if got := e.Call("GET", "/healthz", "", nil).Header.Get("Strict-Transport-Security"); got != "" {
		t.Fatalf("development sent HSTS %q", got)
	}
	e.Server.HSTS = true
	for _, path := range []string{"/healthz", "/api/v1/taxonomy", "/"} {
		if got := e.Call("GET", path, "", nil).Header.Get("Strict-Transport-Security"); got != "max-age=31536000; includeSubDomains" {
			t.Errorf("%s: HSTS %q", path, got)
		}
	}
}
