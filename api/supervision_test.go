package api_test

import (
	"bufio"
	"bytes"
	"fmt"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/testkit"
)

type rectEvent struct {
	At          time.Time
	Actor       string
	Action      string
	Text        string
	Attachments []struct{ ID int64 }
}

type rectItem struct {
	ID        int64
	AreaCode  string `json:"area_code"`
	UnitID    *int64 `json:"unit_id"`
	Title     string
	Status    string
	DueAt     time.Time `json:"due_at"`
	Overdue   bool
	Light     string
	Metric    *string
	Period    *string
	Extension *struct {
		DueAt  time.Time `json:"due_at"`
		Reason string
	}
	Events      []rectEvent
	Attachments []struct {
		ID          int64
		ContentType string `json:"content_type"`
	}
}

type rectPage struct {
	Items      []rectItem
	NextCursor *string `json:"next_cursor"`
}

func rectPath(id int64, rest string) string {
	return fmt.Sprintf("/api/v1/rectifications/%d%s", id, rest)
}

func issue(t *testing.T, e *testkit.Env, token string, body map[string]any) rectItem {
	t.Helper()
	r := e.Call("POST", "/api/v1/rectifications", token, body)
	testkit.Want(t, r, 201)
	var it rectItem
	r.JSON(t, &it)
	return it
}

func step(t *testing.T, e *testkit.Env, token string, id int64, rest string, body any, status int, code ...string) rectItem {
	t.Helper()
	r := e.Call("POST", rectPath(id, rest), token, body)
	testkit.Want(t, r, status, code...)
	var it rectItem
	if status == 200 {
		r.JSON(t, &it)
	}
	return it
}

func getItem(t *testing.T, e *testkit.Env, token string, id int64) rectItem {
	t.Helper()
	r := e.Call("GET", rectPath(id, ""), token, nil)
	testkit.Want(t, r, 200)
	var it rectItem
	r.JSON(t, &it)
	return it
}

func listItems(t *testing.T, e *testkit.Env, token, query string) []rectItem {
	t.Helper()
	r := e.Call("GET", "/api/v1/rectifications"+query, token, nil)
	testkit.Want(t, r, 200)
	var p rectPage
	r.JSON(t, &p)
	return p.Items
}

func attach(t *testing.T, e *testkit.Env, token string, id int64, name string, data []byte) testkit.Resp {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = w.Close()
	return e.Do(testkit.Request{Method: "POST", Path: rectPath(id, "/attachments"), Token: token, Body: buf.Bytes(), Content: w.FormDataContentType()})
}

func storedFiles(t *testing.T, e *testkit.Env, id int64) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(e.DataDir, "attachments", fmt.Sprint(id)))
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

var pngBytes = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)

func due(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }

func TestSupervisionLifecycle(t *testing.T) {
	e := testkit.NewEnv(t)
	county := e.Staff("kc_admin", auth.Admin, "330802")
	other := e.Staff("qj_admin", auth.Admin, "330803")
	town := e.Staff("fs_admin", auth.Admin, "330802001")
	assessor := e.Staff("kc_assessor", auth.Assessor, "330802")
	editor := e.Staff("kc_editor", auth.Editor, "330802")

	// Bad input changes nothing.
	t.Run("bad input", func(t *testing.T) {
		cases := []struct {
			name   string
			token  string
			body   map[string]any
			status int
			code   string
		}{
			{"another county", county, map[string]any{"area_code": "330803001", "title": "t", "due_at": due(48 * time.Hour)}, 403, "out_of_scope"},
			{"its own area", county, map[string]any{"area_code": "330802", "title": "t", "due_at": due(48 * time.Hour)}, 403, "out_of_scope"},
			{"upwards", town, map[string]any{"area_code": "330802", "title": "t", "due_at": due(48 * time.Hour)}, 403, "out_of_scope"},
			{"not an admin", editor, map[string]any{"area_code": "330802001", "title": "t", "due_at": due(48 * time.Hour)}, 403, "forbidden"},
			{"deadline past", county, map[string]any{"area_code": "330802001", "title": "t", "due_at": due(-time.Hour)}, 422, "validation_failed"},
			{"deadline beyond a year", county, map[string]any{"area_code": "330802001", "title": "t", "due_at": due(370 * 24 * time.Hour)}, 422, "validation_failed"},
			{"no title", county, map[string]any{"area_code": "330802001", "title": " ", "due_at": due(48 * time.Hour)}, 422, "validation_failed"},
			{"metric without period", county, map[string]any{"area_code": "330802001", "title": "t", "due_at": due(48 * time.Hour), "metric": "rate"}, 422, "validation_failed"},
			{"unknown metric", county, map[string]any{"area_code": "330802001", "title": "t", "due_at": due(48 * time.Hour), "metric": "score", "period": "2026Q1"}, 422, "validation_failed"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				testkit.Want(t, e.Call("POST", "/api/v1/rectifications", c.token, c.body), c.status, c.code)
			})
		}
		if n := len(listItems(t, e, county, "")); n != 0 {
			t.Fatalf("%d items after refused issues", n)
		}
	})

	it := issue(t, e, county, map[string]any{"area_code": "330802001", "title": "府山街道反诈宣传进小区", "detail": "每个小区至少一场", "due_at": due(10 * 24 * time.Hour)})
	if it.Status != "assigned" || it.Light != "green" || it.Overdue || it.AreaCode != "330802001" {
		t.Fatalf("issued %+v", it)
	}

	// Scope: another county neither sees nor acts on it.
	testkit.Want(t, e.Call("GET", rectPath(it.ID, ""), other, nil), 404, "rectification_not_found")
	step(t, e, other, it.ID, "/accept", nil, 404, "rectification_not_found")
	step(t, e, other, it.ID, "/close", nil, 404, "rectification_not_found")
	if n := len(listItems(t, e, other, "")); n != 0 {
		t.Fatalf("another county lists %d items", n)
	}
	testkit.Want(t, e.Call("GET", rectPath(999999, ""), county, nil), 404)

	// Sides and states.
	step(t, e, county, it.ID, "/accept", nil, 403, "forbidden") // the issuer does not accept
	step(t, e, town, it.ID, "/report", map[string]any{"text": "已办"}, 409, "invalid_transition")
	step(t, e, town, it.ID, "/close", nil, 403, "forbidden")
	step(t, e, assessor, it.ID, "/accept", nil, 403, "forbidden")
	if got := getItem(t, e, assessor, it.ID); got.ID != it.ID {
		t.Fatalf("assessor reads %+v", got)
	}
	testkit.Want(t, attach(t, e, town, it.ID, "photo.png", pngBytes), 409, "invalid_transition") // not accepted yet
	it = step(t, e, town, it.ID, "/accept", nil, 200)
	if it.Status != "in_progress" {
		t.Fatalf("accepted %+v", it)
	}
	step(t, e, town, it.ID, "/accept", nil, 409, "invalid_transition")

	// Attachments: type by content, size, nothing stored on refusal.
	testkit.Want(t, attach(t, e, town, it.ID, "evil.png", []byte("<html><script>alert(1)</script>")), 415, "unsupported_media_type")
	big := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 5<<20)...)
	testkit.Want(t, attach(t, e, town, it.ID, "big.png", big), 413, "too_large")
	testkit.Want(t, attach(t, e, county, it.ID, "photo.png", pngBytes), 403, "forbidden")
	if n := storedFiles(t, e, it.ID); n != 0 {
		t.Fatalf("%d files stored after refusals", n)
	}
	r := attach(t, e, town, it.ID, "整改现场.png", pngBytes)
	testkit.Want(t, r, 201)
	var att struct {
		ID          int64
		ContentType string `json:"content_type"`
	}
	r.JSON(t, &att)
	if att.ContentType != "image/png" || storedFiles(t, e, it.ID) != 1 {
		t.Fatalf("attachment %+v, %d files", att, storedFiles(t, e, it.ID))
	}
	pdf := attach(t, e, town, it.ID, "方案.pdf", []byte("%PDF-1.4\n%%EOF\n"))
	testkit.Want(t, pdf, 201)

	it = step(t, e, town, it.ID, "/report", map[string]any{"text": "已在 12 个小区开展宣传", "attachment_ids": []int64{att.ID}}, 200)
	if it.Status != "reported" {
		t.Fatalf("reported %+v", it)
	}
	last := it.Events[len(it.Events)-1]
	if last.Action != "report" || last.Actor != "fs_admin" || len(last.Attachments) != 1 || last.Attachments[0].ID != att.ID {
		t.Fatalf("report event %+v", last)
	}

	// The photo is served to those who see the item, never sniffed.
	r = e.Call("GET", rectPath(it.ID, fmt.Sprintf("/attachments/%d", att.ID)), county, nil)
	testkit.Want(t, r, 200)
	if r.Header.Get("Content-Type") != "image/png" || r.Header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "filename") || !bytes.Equal(r.Body, pngBytes) {
		t.Fatalf("attachment answer %v", r.Header)
	}
	testkit.Want(t, e.Call("GET", rectPath(it.ID, fmt.Sprintf("/attachments/%d", att.ID)), other, nil), 404)

	// Return, report again, close.
	step(t, e, county, it.ID, "/return", map[string]any{}, 422, "validation_failed")
	it = step(t, e, county, it.ID, "/return", map[string]any{"reason": "请补充宣传照片和签到表"}, 200)
	if it.Status != "in_progress" {
		t.Fatalf("returned %+v", it)
	}
	step(t, e, town, it.ID, "/report", map[string]any{"text": "补充签到表", "attachment_ids": []int64{att.ID}}, 422, "validation_failed") // already reported
	it = step(t, e, town, it.ID, "/report", map[string]any{"text": "已补充签到表"}, 200)
	it = step(t, e, county, it.ID, "/close", map[string]any{"text": "同意销号"}, 200)
	if it.Status != "closed" || it.Light != "green" {
		t.Fatalf("closed %+v", it)
	}
	step(t, e, county, it.ID, "/close", nil, 409, "invalid_transition")
	step(t, e, county, it.ID, "/return", map[string]any{"reason": "x"}, 409, "invalid_transition")
	var actions []string
	for _, ev := range getItem(t, e, town, it.ID).Events {
		actions = append(actions, ev.Action)
	}
	if got := strings.Join(actions, ","); got != "issue,accept,report,return,report,close" {
		t.Fatalf("timeline %s", got)
	}
	// Every step is audited.
	var audit struct{ Items []struct{ Action string } }
	e.Call("GET", "/api/v1/audit?action=rectification.close", county, nil).JSON(t, &audit)
	if len(audit.Items) != 1 {
		t.Fatalf("audit %+v", audit)
	}

	// Boxes and summary.
	open := issue(t, e, county, map[string]any{"area_code": "330802001", "title": "第二项", "due_at": due(5 * 24 * time.Hour)})
	if got := listItems(t, e, town, "?box=todo&status=assigned"); len(got) != 1 || got[0].ID != open.ID {
		t.Fatalf("town todo %+v", got)
	}
	if got := listItems(t, e, town, "?box=issued"); len(got) != 0 {
		t.Fatalf("town issued %+v", got)
	}
	if got := listItems(t, e, county, "?box=issued"); len(got) != 2 {
		t.Fatalf("county issued %+v", got)
	}
	p1 := e.Call("GET", "/api/v1/rectifications?limit=1", county, nil)
	var page rectPage
	p1.JSON(t, &page)
	if len(page.Items) != 1 || page.NextCursor == nil {
		t.Fatalf("first page %+v", page)
	}
	if got := listItems(t, e, county, "?limit=1&cursor="+*page.NextCursor); len(got) != 1 || got[0].ID == page.Items[0].ID {
		t.Fatalf("second page %+v", got)
	}
	var sum map[string]int
	e.Call("GET", "/api/v1/rectifications/summary", town, nil).JSON(t, &sum)
	if sum["to_accept"] != 1 || sum["to_close"] != 0 {
		t.Fatalf("town summary %v", sum)
	}
	step(t, e, town, open.ID, "/accept", nil, 200)
	step(t, e, town, open.ID, "/report", map[string]any{"text": "done"}, 200)
	e.Call("GET", "/api/v1/rectifications/summary", county, nil).JSON(t, &sum)
	if sum["to_close"] != 1 || sum["issued_open"] != 1 || sum["to_accept"] != 0 {
		t.Fatalf("county summary %v", sum)
	}
}

func TestSupervisionExtensions(t *testing.T) {
	e := testkit.NewEnv(t)
	county := e.Staff("kc_admin", auth.Admin, "330802")
	town := e.Staff("fs_admin", auth.Admin, "330802001")
	it := issue(t, e, county, map[string]any{"area_code": "330802001", "title": "延期测试", "due_at": due(2 * 24 * time.Hour)})
	first := it.DueAt
	later := time.Now().Add(20 * 24 * time.Hour).UTC().Truncate(time.Second)

	step(t, e, county, it.ID, "/extension/approve", nil, 409, "invalid_transition") // nothing pending
	step(t, e, county, it.ID, "/extension", map[string]any{"due_at": later, "reason": "x"}, 403, "forbidden")
	step(t, e, town, it.ID, "/extension", map[string]any{"due_at": later}, 422, "validation_failed")
	step(t, e, town, it.ID, "/extension", map[string]any{"due_at": first.Add(-time.Hour), "reason": "早一点"}, 422, "validation_failed")
	it = step(t, e, town, it.ID, "/extension", map[string]any{"due_at": later, "reason": "台风影响，活动顺延"}, 200)
	if it.Extension == nil || !it.Extension.DueAt.Equal(later) || !it.DueAt.Equal(first) {
		t.Fatalf("pending %+v", it)
	}
	step(t, e, town, it.ID, "/extension", map[string]any{"due_at": later.Add(time.Hour), "reason": "再延"}, 409, "invalid_transition")
	step(t, e, town, it.ID, "/extension/approve", nil, 403, "forbidden")
	it = step(t, e, county, it.ID, "/extension/approve", nil, 200)
	if it.Extension != nil || !it.DueAt.Equal(later) {
		t.Fatalf("approved %+v", it)
	}
	even := later.Add(10 * 24 * time.Hour)
	step(t, e, town, it.ID, "/extension", map[string]any{"due_at": even, "reason": "还要延"}, 200)
	step(t, e, county, it.ID, "/extension/reject", map[string]any{}, 422, "validation_failed")
	it = step(t, e, county, it.ID, "/extension/reject", map[string]any{"reason": "期限已足够"}, 200)
	if it.Extension != nil || !it.DueAt.Equal(later) {
		t.Fatalf("rejected %+v", it)
	}
	last := it.Events[len(it.Events)-1]
	if last.Action != "extension_reject" || !strings.Contains(last.Text, "期限已足够") {
		t.Fatalf("reject event %+v", last)
	}
}

func outboxLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func TestSupervisionLightsAndReminders(t *testing.T) {
	e := testkit.NewEnv(t)
	county := e.Staff("kc_admin", auth.Admin, "330802")
	town := e.Staff("fs_admin", auth.Admin, "330802001")
	e.Staff("fs_admin2", auth.Admin, "330802001") // no phone on file: no text
	// A phone on file for the first town admin.
	if err := e.DB.Exec("UPDATE users SET phone_enc = ? WHERE username = ?", e.Vault.Seal("13900001111"), "fs_admin").Error; err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
	now := start
	e.Supervision.SetClock(func() time.Time { return now })
	dueAt := start.Add(5 * 24 * time.Hour)
	it := issue(t, e, county, map[string]any{"area_code": "330802001", "title": "灯号测试", "due_at": dueAt.Format(time.RFC3339)})
	ctx := t.Context()
	remind := func(want int) {
		t.Helper()
		n, err := e.Supervision.Remind(ctx)
		if err != nil || n != want {
			t.Fatalf("remind at %v: %d, %v; want %d", now, n, err, want)
		}
	}
	cases := []struct {
		at      time.Time
		light   string
		overdue bool
	}{
		{dueAt.Add(-72*time.Hour - time.Second), "green", false},
		{dueAt.Add(-72 * time.Hour), "yellow", false},
		{dueAt.Add(-time.Second), "yellow", false},
		{dueAt, "red", true},
	}
	for _, c := range cases {
		now = c.at
		got := getItem(t, e, town, it.ID)
		if got.Light != c.light || got.Overdue != c.overdue {
			t.Fatalf("at due%+v: light %s overdue %v, want %s %v", c.at.Sub(dueAt), got.Light, got.Overdue, c.light, c.overdue)
		}
		if l := listItems(t, e, town, "?light="+c.light); len(l) != 1 {
			t.Fatalf("light=%s lists %d", c.light, len(l))
		}
	}

	now = dueAt.Add(-4 * 24 * time.Hour)
	remind(0) // green
	now = dueAt.Add(-2 * 24 * time.Hour)
	remind(1) // turned yellow
	remind(0) // once
	now = now.Add(5 * time.Hour)
	remind(0) // still yellow the same day
	if lines := outboxLines(t, e.Outbox); len(lines) != 1 || !strings.Contains(lines[0], "13900001111") || !strings.Contains(lines[0], "灯号测试") {
		t.Fatalf("outbox after yellow %v", lines)
	}
	now = dueAt.Add(time.Hour)
	remind(1) // turned red
	remind(0)
	var sum map[string]int
	e.Call("GET", "/api/v1/rectifications/summary", town, nil).JSON(t, &sum)
	if sum["overdue"] != 1 || sum["due_soon"] != 0 {
		t.Fatalf("summary %v", sum)
	}
	if l := listItems(t, e, county, "?overdue=true"); len(l) != 1 {
		t.Fatalf("overdue lists %d", len(l))
	}
	var reminders []string
	for _, ev := range getItem(t, e, town, it.ID).Events {
		if ev.Action == "remind" {
			reminders = append(reminders, ev.Text)
		}
	}
	if len(reminders) != 2 || !strings.Contains(reminders[0], "将于") || !strings.Contains(reminders[1], "逾期") {
		t.Fatalf("reminders %v", reminders)
	}
	if lines := outboxLines(t, e.Outbox); len(lines) != 2 {
		t.Fatalf("outbox %v", lines)
	}
	// Two instances sweeping at once send each reminder once.
	it2 := issue(t, e, county, map[string]any{"area_code": "330802001", "title": "并发提醒", "due_at": now.Add(24 * time.Hour).Format(time.RFC3339)})
	_ = it2
	var wg sync.WaitGroup
	counts := make([]int, 4)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[i], _ = e.Supervision.Remind(ctx)
		}()
	}
	wg.Wait()
	if total := counts[0] + counts[1] + counts[2] + counts[3]; total != 1 {
		t.Fatalf("concurrent reminders %v", counts)
	}
}

func TestSupervisionFromFigures(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	all := f.allRight()
	take := func(phone, grid string, right map[int64]bool) { f.take(t, phone, grid, right) }
	take("13100000001", "330802001001001", all) // 府山: pass
	take("13100000002", "330802001001002", nil) // 府山: fail
	take("13100000003", "330802002001001", all) // 荷花: pass
	root := e.Staff("city_admin", auth.Admin, "330800")
	// Rate 0.9 with a sample of 1; coverage is not judged here.
	testkit.Want(t, e.Call("PUT", "/api/v1/assessment/rule", root, ruleBody(map[string]any{"min_respondents": 1, "target_coverage": 0.000001, "min_questions": 1, "min_seconds_per_question": 0})), 200)
	county := e.Staff("kc_admin", auth.Admin, "330802")
	town := e.Staff("fs_admin", auth.Admin, "330802001")
	period := awareness.CurrentQuarter(time.Now())
	body := map[string]any{"period": period, "area_code": "330802", "due_at": due(14 * 24 * time.Hour)}

	testkit.Want(t, e.Call("POST", "/api/v1/rectifications/generate", county, map[string]any{"period": period, "area_code": "330803", "due_at": due(time.Hour)}), 403, "out_of_scope")
	testkit.Want(t, e.Call("POST", "/api/v1/rectifications/generate", county, map[string]any{"period": period, "area_code": "330802", "due_at": due(-time.Hour)}), 422)
	var gen struct {
		Items       []rectItem
		AlreadyOpen int `json:"already_open"`
	}
	r := e.Call("POST", "/api/v1/rectifications/generate", county, body)
	testkit.Want(t, r, 200)
	r.JSON(t, &gen)
	// 府山 falls short on the rate (1 of 2); the towns nobody answered in
	// have a coverage of 0, short of any target.
	var it rectItem
	rates, coverages := 0, 0
	for _, g := range gen.Items {
		switch {
		case g.Metric == nil || g.Period == nil || *g.Period != period:
			t.Fatalf("generated %+v", g)
		case *g.Metric == "rate":
			rates++
			it = g
		case *g.Metric == "coverage":
			coverages++
			if g.AreaCode == "330802001" || g.AreaCode == "330802002" {
				t.Fatalf("coverage item for a town with answers: %+v", g)
			}
		}
	}
	if rates != 1 || it.AreaCode != "330802001" || coverages == 0 {
		t.Fatalf("generated %+v", gen)
	}
	opened := len(gen.Items)
	r = e.Call("POST", "/api/v1/rectifications/generate", county, body)
	testkit.Want(t, r, 200)
	r.JSON(t, &gen)
	if len(gen.Items) != 0 || gen.AlreadyOpen != opened || len(listItems(t, e, county, "")) != opened {
		t.Fatalf("second run %+v", gen)
	}
	// Issuing the same by hand is refused too.
	testkit.Want(t, e.Call("POST", "/api/v1/rectifications", county, map[string]any{"area_code": "330802001", "title": "dup", "due_at": due(48 * time.Hour), "period": period, "metric": "rate"}), 409, "already_open")

	step(t, e, town, it.ID, "/accept", nil, 200)
	step(t, e, town, it.ID, "/report", map[string]any{"text": "组织补学"}, 200)
	step(t, e, county, it.ID, "/close", nil, 409, "target_not_met")
	if got := getItem(t, e, county, it.ID); got.Status != "reported" {
		t.Fatalf("refused close changed the item: %+v", got)
	}
	// More residents pass: 府山 9 of 10 reaches 0.9.
	for i := 0; i < 8; i++ {
		take(fmt.Sprintf("131000001%02d", i), "330802001001001", all)
	}
	it = step(t, e, county, it.ID, "/close", nil, 200)
	if it.Status != "closed" {
		t.Fatalf("closed %+v", it)
	}
	// Recovered: generating again opens nothing, and nothing is "already open".
	r = e.Call("POST", "/api/v1/rectifications/generate", county, body)
	r.JSON(t, &gen)
	if len(gen.Items) != 0 || gen.AlreadyOpen != opened-1 {
		t.Fatalf("after recovery %+v", gen)
	}
	// The root raises the target: a new item opens (the closed one no longer blocks).
	testkit.Want(t, e.Call("PUT", "/api/v1/assessment/rule", root, ruleBody(map[string]any{"min_respondents": 1, "target_coverage": 0.000001, "min_questions": 1, "min_seconds_per_question": 0, "target_rate": 0.95})), 200)
	r = e.Call("POST", "/api/v1/rectifications/generate", county, body)
	r.JSON(t, &gen)
	if len(gen.Items) != 1 || gen.Items[0].AreaCode != "330802001" {
		t.Fatalf("after raising the target %+v", gen)
	}
}

type noticeResp struct {
	ID       int64
	Number   string
	Period   string
	AreaCode string  `json:"area_code"`
	UnitID   *int64  `json:"unit_id"`
	UnitName *string `json:"unit_name"`
	BodyHTML string  `json:"body_html"`
	Items    []rectItem
}

func TestSupervisionNotices(t *testing.T) {
	e := testkit.NewEnv(t)
	root := e.Staff("city_admin", auth.Admin, "330800")
	county := e.Staff("kc_admin", auth.Admin, "330802")
	other := e.Staff("qj_admin", auth.Admin, "330803")
	period := awareness.CurrentQuarter(time.Now())
	// An overdue item with markup in its title.
	real := time.Now()
	e.Supervision.SetClock(func() time.Time { return real.Add(-48 * time.Hour) })
	issue(t, e, county, map[string]any{"area_code": "330802001", "title": "<script>alert(1)</script>宣传", "due_at": real.Add(-time.Hour).Format(time.RFC3339)})
	e.Supervision.SetClock(time.Now)

	create := func(token, code string) noticeResp {
		t.Helper()
		r := e.Call("POST", "/api/v1/notices", token, map[string]any{"period": period, "area_code": code})
		testkit.Want(t, r, 201)
		var n noticeResp
		r.JSON(t, &n)
		return n
	}
	n1 := create(county, "330802")
	n2 := create(county, "330802")
	n3 := create(other, "330803")
	if n1.Number != period+"-001" || n2.Number != period+"-002" || n3.Number != period+"-001" {
		t.Fatalf("numbers %s %s %s", n1.Number, n2.Number, n3.Number)
	}
	if len(n1.Items) != 1 || !strings.Contains(n1.BodyHTML, "&lt;script&gt;") || strings.Contains(n1.BodyHTML, "<script>") ||
		!strings.Contains(n1.BodyHTML, "府山") || !strings.Contains(n1.BodyHTML, "排名") {
		t.Fatalf("notice %+v", n1)
	}
	testkit.Want(t, e.Call("GET", fmt.Sprintf("/api/v1/notices/%d", n1.ID), other, nil), 404, "notice_not_found")
	testkit.Want(t, e.Call("POST", "/api/v1/notices", county, map[string]any{"period": period, "area_code": "330803"}), 403, "out_of_scope")
	testkit.Want(t, e.Call("POST", "/api/v1/notices", county, map[string]any{"period": "2026Q9", "area_code": "330802"}), 422)
	var got noticeResp
	e.Call("GET", fmt.Sprintf("/api/v1/notices/%d", n2.ID), county, nil).JSON(t, &got)
	if got.Number != n2.Number || got.BodyHTML != n2.BodyHTML {
		t.Fatalf("read back %+v", got)
	}
	var list struct{ Items []noticeResp }
	e.Call("GET", "/api/v1/notices", county, nil).JSON(t, &list)
	if len(list.Items) != 2 || list.Items[0].ID != n2.ID {
		t.Fatalf("county's notices %+v", list)
	}

	// Concurrent notices of one area get distinct numbers.
	const n = 6
	numbers := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.Call("POST", "/api/v1/notices", root, map[string]any{"period": period, "area_code": "330800"})
			if r.Status != 201 {
				t.Errorf("concurrent notice: %d %s", r.Status, r.Body)
				return
			}
			var nr noticeResp
			r.JSON(t, &nr)
			numbers[i] = nr.Number
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, num := range numbers {
		if num == "" || seen[num] {
			t.Fatalf("numbers %v", numbers)
		}
		seen[num] = true
	}
	if !seen[period+"-001"] || !seen[fmt.Sprintf("%s-%03d", period, n)] {
		t.Fatalf("numbers %v", numbers)
	}
}

func TestSupervisionMemberUnits(t *testing.T) {
	e := testkit.NewEnv(t)
	root := e.Staff("city_admin", auth.Admin, "330800")
	county := e.Staff("kc_admin", auth.Admin, "330802")

	testkit.Want(t, e.Call("POST", "/api/v1/units", county, map[string]any{"name": "某银行"}), 403, "root_admin_required")
	testkit.Want(t, e.Call("POST", "/api/v1/units", root, map[string]any{"name": " "}), 422)
	r := e.Call("POST", "/api/v1/units", root, map[string]any{"name": "市电信分公司", "kind": "telecom"})
	testkit.Want(t, r, 201)
	var unit struct {
		ID   int64
		Name string
		Kind string
	}
	r.JSON(t, &unit)
	testkit.Want(t, e.Call("POST", "/api/v1/units", root, map[string]any{"name": "市电信分公司"}), 409, "unit_name_taken")
	r = e.Call("PATCH", fmt.Sprintf("/api/v1/units/%d", unit.ID), root, map[string]any{"name": "中国电信衢州分公司"})
	testkit.Want(t, r, 200)
	r.JSON(t, &unit)
	if unit.Name != "中国电信衢州分公司" || unit.Kind != "telecom" {
		t.Fatalf("unit %+v", unit)
	}
	testkit.Want(t, e.Call("PATCH", "/api/v1/units/999", root, map[string]any{"name": "x"}), 404, "unit_not_found")

	// Liaisons: created by a root admin with a unit.
	testkit.Want(t, e.Call("POST", "/api/v1/users", county, map[string]any{"username": "dx_liaison", "password": "Liaison-dx-2026", "role": "unit_liaison", "area_code": "330802", "unit_id": unit.ID}), 403)
	testkit.Want(t, e.Call("POST", "/api/v1/users", root, map[string]any{"username": "dx_liaison", "password": "Liaison-dx-2026", "role": "unit_liaison"}), 422)
	testkit.Want(t, e.Call("POST", "/api/v1/users", root, map[string]any{"username": "dx_liaison", "password": "Liaison-dx-2026", "role": "unit_liaison", "unit_id": 999}), 422)
	r = e.Call("POST", "/api/v1/users", root, map[string]any{"username": "dx_liaison", "password": "Liaison-dx-2026", "role": "unit_liaison", "unit_id": unit.ID})
	testkit.Want(t, r, 201)
	var lu struct {
		ID     int64
		UnitID *int64 `json:"unit_id"`
	}
	r.JSON(t, &lu)
	if lu.UnitID == nil || *lu.UnitID != unit.ID {
		t.Fatalf("liaison %+v", lu)
	}
	testkit.Want(t, e.Call("PATCH", fmt.Sprintf("/api/v1/users/%d", lu.ID), root, map[string]any{"role": "admin"}), 422)
	testkit.Want(t, e.Call("POST", "/api/v1/users", root, map[string]any{"username": "kc_x", "password": "Admin-kcx-2026", "role": "admin", "area_code": "330802", "unit_id": unit.ID}), 422)
	liaison := e.FirstSignIn("dx_liaison", "Liaison-dx-2026")
	testkit.Want(t, e.Call("GET", "/api/v1/warnings", liaison, nil), 403) // no area scope
	testkit.Want(t, e.Call("GET", "/api/v1/awareness/330800", liaison, nil), 403)

	testkit.Want(t, e.Call("POST", "/api/v1/rectifications", county, map[string]any{"unit_id": unit.ID, "title": "t", "due_at": due(48 * time.Hour)}), 403, "root_admin_required")
	it := issue(t, e, root, map[string]any{"unit_id": unit.ID, "title": "拦截涉诈电话号码专项", "due_at": due(7 * 24 * time.Hour)})
	if it.UnitID == nil || *it.UnitID != unit.ID {
		t.Fatalf("unit item %+v", it)
	}
	testkit.Want(t, e.Call("GET", rectPath(it.ID, ""), county, nil), 404)
	if l := listItems(t, e, liaison, "?box=todo"); len(l) != 1 {
		t.Fatalf("liaison todo %+v", l)
	}
	step(t, e, root, it.ID, "/accept", nil, 403, "forbidden")
	step(t, e, liaison, it.ID, "/accept", nil, 200)
	testkit.Want(t, attach(t, e, liaison, it.ID, "scan.webp", append([]byte("RIFF\x10\x00\x00\x00WEBPVP8 "), make([]byte, 16)...)), 201)
	step(t, e, liaison, it.ID, "/report", map[string]any{"text": "已关停 120 个涉诈号码"}, 200)
	step(t, e, liaison, it.ID, "/close", nil, 403)
	it = step(t, e, root, it.ID, "/close", nil, 200)
	if it.Status != "closed" {
		t.Fatalf("unit item closed %+v", it)
	}
	var sum map[string]int
	e.Call("GET", "/api/v1/rectifications/summary", liaison, nil).JSON(t, &sum)
	if sum["to_accept"] != 0 {
		t.Fatalf("liaison summary %v", sum)
	}
}
