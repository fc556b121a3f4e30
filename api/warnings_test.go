package api_test

import (
	"fmt"

	"golang.org/x/net/html"
	"regexp"
	"strings"
	"testing"
	"time"

	"wuzha/internal/auth"
	"wuzha/internal/testkit"
)

// newsroom is a county's editorial team plus a resident, on a seeded server.
type newsroom struct {
	e                     *testkit.Env
	editor, editor2, rev  string
	otherEditor, otherRev string
	cityRev               string
}

func newNewsroom(t *testing.T) *newsroom {
	e := testkit.NewEnv(t)
	return &newsroom{
		e:           e,
		editor:      e.Staff("kc_editor", auth.Editor, "330802"),
		editor2:     e.Staff("kc_editor2", auth.Editor, "330802"),
		rev:         e.Staff("kc_reviewer", auth.Reviewer, "330802"),
		otherEditor: e.Staff("js_editor", auth.Editor, "330881"),
		otherRev:    e.Staff("js_reviewer", auth.Reviewer, "330881"),
		cityRev:     e.Staff("city_reviewer", auth.Reviewer, "330800"),
	}
}

func warningBody(title string, extra map[string]any) map[string]any {
	b := map[string]any{"title": title, "summary": "一段摘要：" + title, "body_markdown": "### 识别要点\n\n- 先垫钱的兼职都是骗局。\n- 记住 96110。", "fraud_type": "brushing"}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

func (n *newsroom) create(t *testing.T, token, title string, extra map[string]any) int64 {
	t.Helper()
	r := n.e.Call("POST", "/api/v1/warnings", token, warningBody(title, extra))
	testkit.Want(t, r, 201)
	var d struct {
		ID     int64
		Status string
	}
	r.JSON(t, &d)
	if d.Status != "draft" {
		t.Fatalf("new warning status %s", d.Status)
	}
	return d.ID
}

func (n *newsroom) publish(t *testing.T, title string, extra map[string]any) int64 {
	t.Helper()
	id := n.create(t, n.editor, title, extra)
	testkit.Want(t, n.e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/submit", id), n.editor, nil), 200)
	testkit.Want(t, n.e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/approve", id), n.rev, nil), 200)
	return id
}

func (n *newsroom) status(t *testing.T, id int64) (string, bool, string) {
	t.Helper()
	var d struct {
		Status string
		Live   bool
		Title  string
	}
	n.e.Call("GET", fmt.Sprintf("/api/v1/warnings/%d", id), n.editor, nil).JSON(t, &d)
	return d.Status, d.Live, d.Title
}

// TestWarningWorkflow drives every workflow step from every state and checks
// which are allowed (and where they lead) and which answer 409.
func TestWarningWorkflow(t *testing.T) {
	n := newNewsroom(t)
	type state string
	setups := map[state]func(t *testing.T) int64{
		"draft": func(t *testing.T) int64 { return n.create(t, n.editor, "草稿", nil) },
		"in_review": func(t *testing.T) int64 {
			id := n.create(t, n.editor, "审核中", nil)
			testkit.Want(t, n.e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/submit", id), n.editor, nil), 200)
			return id
		},
		"published": func(t *testing.T) int64 { return n.publish(t, "已发布", nil) },
		"published, edited": func(t *testing.T) int64 {
			id := n.publish(t, "已发布后修改", nil)
			testkit.Want(t, n.e.Call("PATCH", fmt.Sprintf("/api/v1/warnings/%d", id), n.editor, map[string]any{"title": "修改后的标题"}), 200)
			return id
		},
		"archived": func(t *testing.T) int64 {
			id := n.publish(t, "已归档", nil)
			testkit.Want(t, n.e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/archive", id), n.editor, nil), 200)
			return id
		},
	}
	type step struct{ action, token string }
	steps := map[string]step{
		"submit":  {"submit", n.editor},
		"approve": {"approve", n.rev},
		"reject":  {"reject", n.rev},
		"archive": {"archive", n.editor},
		"edit":    {"edit", n.editor},
	}
	// want: the status code, and for 200 the state and liveness after.
	type want struct {
		code  int
		after string
		live  bool
	}
	table := map[state]map[string]want{
		"draft":             {"submit": {200, "in_review", false}, "approve": {409, "", false}, "reject": {409, "", false}, "archive": {409, "", false}, "edit": {200, "draft", false}},
		"in_review":         {"submit": {409, "", false}, "approve": {200, "published", true}, "reject": {200, "draft", false}, "archive": {409, "", false}, "edit": {409, "", false}},
		"published":         {"submit": {409, "", false}, "approve": {409, "", false}, "reject": {409, "", false}, "archive": {200, "archived", false}, "edit": {200, "draft", true}},
		"published, edited": {"submit": {200, "in_review", true}, "approve": {409, "", false}, "reject": {409, "", false}, "archive": {200, "archived", false}, "edit": {200, "draft", true}},
		"archived":          {"submit": {409, "", false}, "approve": {409, "", false}, "reject": {409, "", false}, "archive": {409, "", false}, "edit": {409, "", false}},
	}
	for st, actions := range table {
		for action, w := range actions {
			t.Run(string(st)+" → "+action, func(t *testing.T) {
				id := setups[st](t)
				s := steps[action]
				var r testkit.Resp
				switch action {
				case "edit":
					r = n.e.Call("PATCH", fmt.Sprintf("/api/v1/warnings/%d", id), s.token, map[string]any{"summary": "改过的摘要"})
				case "reject":
					r = n.e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/reject", id), s.token, map[string]any{"reason": "事实需要核实"})
				default:
					r = n.e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/%s", id, action), s.token, nil)
				}
				if r.Status != w.code {
					t.Fatalf("%s from %s: %d, want %d: %s", action, st, r.Status, w.code, r.Body)
				}
				if w.code != 200 {
					testkit.Want(t, r, w.code)
					return
				}
				status, live, _ := n.status(t, id)
				if status != w.after || live != w.live {
					t.Fatalf("after %s from %s: status %s live %v, want %s live %v", action, st, status, live, w.after, w.live)
				}
			})
		}
	}

	t.Run("a reviewer never approves their own", func(t *testing.T) {
		// A reviewer who also edited the newest version may not approve it.
		e := n.e
		revEditor := e.Staff("kc_both", auth.Editor, "330802")
		id := n.create(t, revEditor, "自己写的", nil)
		testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/submit", id), revEditor, nil), 200)
		// Give the author the reviewer role, then try to approve.
		var list struct{ Items []auth.StaffUser }
		root := e.Staff("root", auth.Admin, "330800")
		e.Call("GET", "/api/v1/users?role=editor&limit=100", root, nil).JSON(t, &list)
		for _, u := range list.Items {
			if u.Username == "kc_both" {
				testkit.Want(t, e.Call("PATCH", fmt.Sprintf("/api/v1/users/%d", u.ID), root, map[string]any{"role": "reviewer"}), 200)
			}
		}
		testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/approve", id), revEditor, nil), 409, "own_review")
		testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/approve", id), n.rev, nil), 200)
	})
	t.Run("roles", func(t *testing.T) {
		id := n.create(t, n.editor, "角色", nil)
		testkit.Want(t, n.e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/submit", id), n.rev, nil), 403)
		testkit.Want(t, n.e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/submit", id), n.editor2, nil), 200) // any editor in scope
		testkit.Want(t, n.e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/approve", id), n.editor, nil), 403)
		testkit.Want(t, n.e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/reject", id), n.rev, map[string]any{"reason": ""}), 422)
		testkit.Want(t, n.e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/reject", id), n.rev, map[string]any{"reason": "请补充处置方法"}), 200)
		_, _, _ = n.status(t, id)
		var d struct {
			RejectReason string `json:"reject_reason"`
		}
		n.e.Call("GET", fmt.Sprintf("/api/v1/warnings/%d", id), n.editor, nil).JSON(t, &d)
		if d.RejectReason != "请补充处置方法" {
			t.Fatalf("reject reason %q", d.RejectReason)
		}
	})
	t.Run("every transition is audited", func(t *testing.T) {
		root := n.e.Login("root", "password-root").AccessToken
		for _, a := range []string{"warning.create", "warning.update", "warning.submit", "warning.approve", "warning.reject", "warning.archive"} {
			var p struct{ Items []any }
			n.e.Call("GET", "/api/v1/audit?action="+a, root, nil).JSON(t, &p)
			if len(p.Items) == 0 {
				t.Errorf("no audit entry for %s", a)
			}
		}
	})
}

// Editing a published warning keeps the published version live until the
// edit is approved.
func TestEditOfPublishedWarningStaysLive(t *testing.T) {
	n := newNewsroom(t)
	id := n.publish(t, "原标题", nil)
	path := fmt.Sprintf("/api/v1/warnings/%d", id)
	testkit.Want(t, n.e.Call("PATCH", path, n.editor, map[string]any{"title": "新标题"}), 200)
	var pub struct{ Title string }
	n.e.Call("GET", path, "", nil).JSON(t, &pub)
	if pub.Title != "原标题" {
		t.Fatalf("the public sees %q during review", pub.Title)
	}
	testkit.Want(t, n.e.Call("POST", path+"/submit", n.editor, nil), 200)
	testkit.Want(t, n.e.Call("POST", path+"/approve", n.rev, nil), 200)
	n.e.Call("GET", path, "", nil).JSON(t, &pub)
	if pub.Title != "新标题" {
		t.Fatalf("after approval the public sees %q", pub.Title)
	}
	var h struct{ Items []struct{ Version int } }
	n.e.Call("GET", path+"/versions", n.editor, nil).JSON(t, &h)
	if len(h.Items) != 2 || h.Items[0].Version != 2 {
		t.Fatalf("history %+v", h.Items)
	}
}

func TestWarningScopeAndValidation(t *testing.T) {
	n := newNewsroom(t)
	e := n.e
	// Targeting outside the editor's county.
	testkit.Want(t, e.Call("POST", "/api/v1/warnings", n.editor, warningBody("越界", map[string]any{"area_codes": []string{"330881"}})), 403, "out_of_scope")
	testkit.Want(t, e.Call("POST", "/api/v1/warnings", n.editor, warningBody("越界", map[string]any{"area_codes": []string{"330800"}})), 403, "out_of_scope")
	// Unknown codes and bad times.
	for name, extra := range map[string]map[string]any{
		"unknown age band":      {"age_bands": []string{"70p"}},
		"unknown occupation":    {"occupations": []string{"astronaut"}},
		"unknown area":          {"area_codes": []string{"999999"}},
		"unknown fraud type":    {"fraud_type": "phishing"},
		"expire before publish": {"publish_at": time.Now().Add(48 * time.Hour).Format(time.RFC3339), "expire_at": time.Now().Add(24 * time.Hour).Format(time.RFC3339)},
		"empty title":           {"title": ""},
	} {
		t.Run(name, func(t *testing.T) {
			testkit.Want(t, e.Call("POST", "/api/v1/warnings", n.editor, warningBody("校验", extra)), 422, "validation_failed")
		})
	}
	testkit.Want(t, e.Call("POST", "/api/v1/warnings", n.editor, map[string]any{"title": "缺正文"}), 422)
	testkit.Want(t, e.Call("POST", "/api/v1/warnings", n.editor, map[string]any{"title": "x", "status": "published"}), 400, "unknown_field")

	id := n.create(t, n.editor, "柯城的草稿", nil)
	path := fmt.Sprintf("/api/v1/warnings/%d", id)
	// Another county sees nothing of it.
	testkit.Want(t, e.Call("GET", path, n.otherEditor, nil), 404)
	testkit.Want(t, e.Call("PATCH", path, n.otherEditor, map[string]any{"title": "改"}), 404)
	testkit.Want(t, e.Call("POST", path+"/submit", n.editor, nil), 200)
	testkit.Want(t, e.Call("POST", path+"/approve", n.otherRev, nil), 404)
	testkit.Want(t, e.Call("GET", path+"/reach", n.otherRev, nil), 404)
	// The public does not see drafts or reviews.
	testkit.Want(t, e.Call("GET", path, "", nil), 404)
	// A city reviewer (the parent area) may review it.
	testkit.Want(t, e.Call("POST", path+"/approve", n.cityRev, nil), 200)
	var list struct{ Items []struct{ ID int64 } }
	e.Call("GET", "/api/v1/warnings", n.otherEditor, nil).JSON(t, &list)
	for _, it := range list.Items {
		if it.ID == id {
			t.Fatal("江山 editor lists a 柯城 warning")
		}
	}
	e.Call("GET", "/api/v1/warnings?status=published", n.editor, nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != id {
		t.Fatalf("柯城 editor's published list: %+v", list.Items)
	}
	testkit.Want(t, e.Call("GET", "/api/v1/feed?age_band=old", "", nil), 422)
	testkit.Want(t, e.Call("GET", "/api/v1/feed?grid_code=330802001", "", nil), 200) // a town narrows too
}

func feedIDs(t *testing.T, e *testkit.Env, query, token string) map[int64]int {
	t.Helper()
	out := map[int64]int{}
	cursor := ""
	for page := 0; page < 20; page++ {
		q := query + "&limit=100"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		var p struct {
			Items      []struct{ ID int64 }
			NextCursor *string `json:"next_cursor"`
		}
		r := e.Call("GET", "/api/v1/feed?"+q, token, nil)
		testkit.Want(t, r, 200)
		r.JSON(t, &p)
		for _, it := range p.Items {
			out[it.ID] = len(out)
		}
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
	}
	return out
}

func TestFeedTargeting(t *testing.T) {
	n := newNewsroom(t)
	e := n.e
	elderly := n.publish(t, "养老骗局提醒", map[string]any{"fraud_type": "elderly", "age_bands": []string{"60p"}, "occupations": []string{"retiree"}})
	students := n.publish(t, "学生刷单提醒", map[string]any{"fraud_type": "brushing", "age_bands": []string{"u18", "18_29"}, "occupations": []string{"student"}})
	general := n.publish(t, "通用提醒", nil)
	kechengOnly := n.publish(t, "柯城府山街道专项提醒", map[string]any{"area_codes": []string{"330802001"}})
	jsEditor := n.otherEditor
	jsID := n.create(t, jsEditor, "江山专项提醒", map[string]any{"area_codes": []string{"330881"}})
	testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/submit", jsID), jsEditor, nil), 200)
	testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/approve", jsID), n.otherRev, nil), 200)
	future := n.publish(t, "明天才发布", map[string]any{"publish_at": time.Now().Add(24 * time.Hour).Format(time.RFC3339)})

	// A 65-year-old retiree in 柯城区 府山街道, by profile.
	retiree := e.ResidentWithProfile("13900000065", "60p", "retiree", "330802001001001").AccessToken
	got := feedIDs(t, e, "", retiree)
	if _, ok := got[elderly]; !ok {
		t.Error("the retiree does not get the elderly warning")
	}
	if _, ok := got[students]; ok {
		t.Error("the retiree gets the student-only warning")
	}
	if _, ok := got[general]; !ok {
		t.Error("the retiree does not get the general warning")
	}
	if _, ok := got[kechengOnly]; !ok {
		t.Error("the 府山 resident does not get the 府山 warning")
	}
	if _, ok := got[jsID]; ok {
		t.Error("a 江山 warning reached 柯城")
	}
	if _, ok := got[future]; ok {
		t.Error("a warning scheduled for tomorrow is shown")
	}
	if got[elderly] > got[general] {
		t.Errorf("targeted warning ranked after a general one: %d vs %d", got[elderly], got[general])
	}
	// Seeded elderly warnings are there too, all of them.
	if len(got) < 10 {
		t.Errorf("only %d warnings in the retiree's feed", len(got))
	}

	// A student in 柯城 花园街道 (by query, no sign-in): the student warning, not
	// the elderly one nor the one for 府山街道.
	stud := feedIDs(t, e, "age_band=18_29&occupation=student&grid_code=330802003001001", "")
	if _, ok := stud[students]; !ok {
		t.Error("the student does not get the student warning")
	}
	for _, id := range []int64{elderly, kechengOnly, jsID} {
		if _, ok := stud[id]; ok {
			t.Errorf("the 花园 student gets warning %d", id)
		}
	}
	// A resident of 江山 gets the 江山 warning and none of 柯城's own.
	js := feedIDs(t, e, "grid_code=330881001001001", "")
	if _, ok := js[jsID]; !ok {
		t.Error("the 江山 resident does not get the 江山 warning")
	}
	for _, id := range []int64{elderly, students, general, kechengOnly} {
		if _, ok := js[id]; ok {
			t.Errorf("柯城 warning %d reached 江山", id)
		}
	}
	// Paging: small pages, followed by cursor, give the same set as one big page.
	paged := map[int64]bool{}
	cursor := ""
	for page := 0; page < 100; page++ {
		q := "/api/v1/feed?limit=7"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		var p struct {
			Items      []struct{ ID int64 }
			NextCursor *string `json:"next_cursor"`
		}
		e.Call("GET", q, retiree, nil).JSON(t, &p)
		for _, it := range p.Items {
			if paged[it.ID] {
				t.Fatalf("warning %d on two pages", it.ID)
			}
			paged[it.ID] = true
		}
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
	}
	if len(paged) != len(got) {
		t.Fatalf("paging by 7 gave %d warnings, one page gave %d", len(paged), len(got))
	}
	testkit.Want(t, e.Call("GET", "/api/v1/feed?cursor=garbage", "", nil), 400)

	// Archived warnings leave the feed at once.
	testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/warnings/%d/archive", general), n.editor, nil), 200)
	if _, ok := feedIDs(t, e, "", retiree)[general]; ok {
		t.Error("an archived warning is still in the feed")
	}
	testkit.Want(t, e.Call("GET", fmt.Sprintf("/api/v1/warnings/%d", general), "", nil), 404)
}

func TestReachCounting(t *testing.T) {
	n := newNewsroom(t)
	e := n.e
	id := n.publish(t, "触达统计", nil)
	path := fmt.Sprintf("/api/v1/warnings/%d", id)
	a := e.ResidentWithProfile("13900000001", "60p", "retiree", "330802001001001").AccessToken
	b := e.ResidentWithProfile("13900000002", "18_29", "student", "330802002001001").AccessToken
	for i := 0; i < 3; i++ {
		testkit.Want(t, e.Call("GET", path, a, nil), 200)
	}
	testkit.Want(t, e.Call("GET", path, b, nil), 200)
	// Two anonymous devices, one of them twice.
	for _, d := range []string{"device-aaaa-1111", "device-aaaa-1111", "device-bbbb-2222"} {
		testkit.Want(t, e.Do(testkit.Request{Method: "GET", Path: path, Header: map[string]string{"X-Device-Id": d}}), 200)
	}
	// Staff reading does not count.
	testkit.Want(t, e.Call("GET", path, n.rev, nil), 200)
	for i := 0; i < 3; i++ {
		testkit.Want(t, e.Call("POST", path+"/ack", a, nil), 204)
	}
	testkit.Want(t, e.Call("POST", path+"/ack", n.editor, nil), 403)
	testkit.Want(t, e.Call("POST", "/api/v1/warnings/999999/ack", a, nil), 404)

	var r struct {
		Views, Viewers, Acks int64
		ByArea               []struct {
			Code        string
			Views, Acks int64
		} `json:"by_area"`
		ByAgeBand []struct {
			Code        string
			Views, Acks int64
		} `json:"by_age_band"`
	}
	e.Call("GET", path+"/reach", n.editor, nil).JSON(t, &r)
	if r.Views != 4 || r.Viewers != 4 || r.Acks != 1 {
		t.Fatalf("reach views %d viewers %d acks %d, want 4, 4, 1", r.Views, r.Viewers, r.Acks)
	}
	area := map[string][2]int64{}
	for _, x := range r.ByArea {
		area[x.Code] = [2]int64{x.Views, x.Acks}
	}
	if area["330802001"] != [2]int64{1, 1} || area["330802002"] != [2]int64{1, 0} || area["unknown"] != [2]int64{2, 0} {
		t.Fatalf("by area %+v", r.ByArea)
	}
	age := map[string][2]int64{}
	for _, x := range r.ByAgeBand {
		age[x.Code] = [2]int64{x.Views, x.Acks}
	}
	if age["60p"] != [2]int64{1, 1} || age["18_29"] != [2]int64{1, 0} {
		t.Fatalf("by age band %+v", r.ByAgeBand)
	}
	// The resident sees their acknowledgement.
	var mine struct {
		Items []struct {
			WarningID int64 `json:"warning_id"`
		}
	}
	e.Call("GET", "/api/v1/me/acks", a, nil).JSON(t, &mine)
	if len(mine.Items) != 1 || mine.Items[0].WarningID != id {
		t.Fatalf("my acks %+v", mine.Items)
	}
	var d struct{ Acknowledged *bool }
	e.Call("GET", path, a, nil).JSON(t, &d)
	if d.Acknowledged == nil || !*d.Acknowledged {
		t.Fatal("detail does not say acknowledged")
	}
}

// xssCorpus is what an attacker might type into any field of a warning.
var xssCorpus = []string{
	`<script>window.__xss=1</script>`,
	`<SCRIPT SRC=//evil.example/x.js></SCRIPT>`,
	`<img src=x onerror="window.__xss=1">`,
	`<img src="javascript:window.__xss=1">`,
	`<svg onload="window.__xss=1">`,
	`<svg><script>window.__xss=1</script></svg>`,
	`<body onload=window.__xss=1>`,
	`<iframe src="javascript:window.__xss=1"></iframe>`,
	`<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>`,
	`<a href="javascript:window.__xss=1">点我</a>`,
	`<a href="JaVaScRiPt:window.__xss=1">点我</a>`,
	`<a href="&#106;avascript:window.__xss=1">点我</a>`,
	`<a href="java&#x09;script:window.__xss=1">点我</a>`,
	`[点我](javascript:window.__xss=1)`,
	`[点我](JAVASCRIPT:window.__xss=1)`,
	`![x](javascript:window.__xss=1)`,
	`![x](x" onerror="window.__xss=1)`,
	`<div style="background:url(javascript:window.__xss=1)">x</div>`,
	`<style>@import 'javascript:window.__xss=1';</style>`,
	`<object data="javascript:window.__xss=1"></object>`,
	`<embed src="javascript:window.__xss=1">`,
	`<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>`,
	`<details open ontoggle=window.__xss=1>`,
	`<input autofocus onfocus=window.__xss=1>`,
	`<video><source onerror="window.__xss=1"></video>`,
	`<form action="javascript:window.__xss=1"><button>x</button></form>`,
	`<meta http-equiv="refresh" content="0;url=javascript:window.__xss=1">`,
	`<base href="javascript:window.__xss=1//">`,
	`"><script>window.__xss=1</script>`,
	`'-window.__xss=1-'`,
	`<scr<script>ipt>window.__xss=1</scr</script>ipt>`,
	`&lt;script&gt;window.__xss=1&lt;/script&gt;`,
	`<a href="data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==">x</a>`,
	`<svg><a xlink:href="javascript:window.__xss=1"><text x="20" y="20">x</text></a></svg>`,
	`<noscript><p title="</noscript><img src=x onerror=window.__xss=1>">`,
}

// allowedTags is what sanitized warning HTML may contain.
var allowedTags = map[string]bool{"p": true, "br": true, "hr": true, "h3": true, "h4": true, "h5": true, "h6": true, "strong": true, "em": true, "b": true, "i": true, "del": true,
	"blockquote": true, "ul": true, "ol": true, "li": true, "code": true, "pre": true, "table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true, "a": true, "img": true}

// unsafeHTML parses s as a browser would and names the first element,
// attribute or URL that could run script or load something, or "".
var ownImageURL = regexp.MustCompile(`^/api/v1/images/[0-9a-f]{64}\.(jpg|png)$`)

func unsafeHTML(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if !allowedTags[tok.Data] {
				return "element <" + tok.Data + ">"
			}
			for _, a := range tok.Attr {
				switch {
				case tok.Data == "a" && a.Key == "href":
					u := strings.ToLower(strings.TrimSpace(a.Val))
					if !(strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "mailto:") || strings.HasPrefix(u, "tel:")) {
						return "href " + a.Val
					}
				case tok.Data == "a" && a.Key == "rel":
					if !strings.Contains(a.Val, "noopener") || !strings.Contains(a.Val, "noreferrer") || !strings.Contains(a.Val, "nofollow") {
						return "rel " + a.Val
					}
				case tok.Data == "a" && a.Key == "target":
				case tok.Data == "img" && a.Key == "src":
					if !ownImageURL.MatchString(a.Val) {
						return "src " + a.Val
					}
				case tok.Data == "img" && a.Key == "alt":
				default:
					return "attribute " + a.Key + " on <" + tok.Data + ">"
				}
			}
		}
	}
}

func TestXSSCorpusIsNeutralized(t *testing.T) {
	if len(xssCorpus) < 30 {
		t.Fatalf("corpus has %d payloads, want ≥ 30", len(xssCorpus))
	}
	n := newNewsroom(t)
	for i, p := range xssCorpus {
		body := map[string]any{
			"title":         "标题" + p,
			"summary":       "摘要" + p,
			"body_markdown": "正文开始，下面是攻击载荷：\n\n" + p + "\n\n以及行内 " + p + " 结束。",
			"fraud_type":    "other",
		}
		r := n.e.Call("POST", "/api/v1/warnings", n.editor, body)
		testkit.Want(t, r, 201)
		var d struct {
			ID       int64
			Title    string
			Summary  string
			BodyHTML string `json:"body_html"`
		}
		r.JSON(t, &d)
		if bad := unsafeHTML(d.BodyHTML); bad != "" {
			t.Errorf("payload %d %q: body_html has %s: %q", i, p, bad, d.BodyHTML)
		}
		// Plain fields keep no markup at all: whatever tags were typed are gone.
		for _, field := range []string{d.Title, d.Summary} {
			if bad := unsafeHTML(field); bad != "" || strings.Contains(strings.ToLower(field), "<script") || strings.Contains(strings.ToLower(field), "<img") {
				t.Errorf("payload %d: markup survived in a plain field: %q", i, field)
			}
		}
	}
}
