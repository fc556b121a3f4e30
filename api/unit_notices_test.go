package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/testkit"
)

// A root admin's notice to a member unit: numbered in the root area's
// series, listing the unit's overdue, open and closed items; read by the
// unit's liaisons and nobody outside the scope.
func TestSupervisionUnitNotices(t *testing.T) {
	e := testkit.NewEnv(t)
	root := e.Staff("city_admin", auth.Admin, "330800")
	county := e.Staff("kc_admin", auth.Admin, "330802")
	period := awareness.CurrentQuarter(time.Now())

	unitOf := func(name string) int64 {
		t.Helper()
		r := e.Call("POST", "/api/v1/units", root, map[string]any{"name": name})
		testkit.Want(t, r, 201)
		var u struct{ ID int64 }
		r.JSON(t, &u)
		return u.ID
	}
	liaisonOf := func(username string, unit int64) string {
		t.Helper()
		testkit.Want(t, e.Call("POST", "/api/v1/users", root, map[string]any{"username": username, "password": "Liaison-pw-2026", "role": "unit_liaison", "unit_id": unit}), 201)
		return e.FirstSignIn(username, "Liaison-pw-2026")
	}
	dx, bank := unitOf("市电信分公司"), unitOf("某银行衢州分行")
	dxLiaison, bankLiaison := liaisonOf("dx_liaison", dx), liaisonOf("bank_liaison", bank)

	// The unit's items: one overdue (markup in its title), one open, one closed; one of another unit.
	real := time.Now()
	e.Supervision.SetClock(func() time.Time { return real.Add(-3 * time.Hour) })
	overdue := issue(t, e, root, map[string]any{"unit_id": dx, "title": "<b>号码</b>拦截", "due_at": real.Add(-time.Hour).Format(time.RFC3339)})
	e.Supervision.SetClock(time.Now)
	open := issue(t, e, root, map[string]any{"unit_id": dx, "title": "营业厅宣传", "due_at": due(7 * 24 * time.Hour)})
	closed := issue(t, e, root, map[string]any{"unit_id": dx, "title": "短信提醒", "due_at": due(7 * 24 * time.Hour)})
	step(t, e, dxLiaison, closed.ID, "/accept", nil, 200)
	step(t, e, dxLiaison, closed.ID, "/report", map[string]any{"text": "已发送"}, 200)
	step(t, e, root, closed.ID, "/close", nil, 200)
	issue(t, e, root, map[string]any{"unit_id": bank, "title": "柜面劝阻", "due_at": due(7 * 24 * time.Hour)})

	create := func(body map[string]any) noticeResp {
		t.Helper()
		r := e.Call("POST", "/api/v1/notices", root, body)
		testkit.Want(t, r, 201)
		var n noticeResp
		r.JSON(t, &n)
		return n
	}
	n1 := create(map[string]any{"period": period, "area_code": "330800"})
	n2 := create(map[string]any{"period": period, "unit_id": dx})
	n3 := create(map[string]any{"period": period, "area_code": "330800"})
	if n1.Number != period+"-001" || n2.Number != period+"-002" || n3.Number != period+"-003" {
		t.Fatalf("one series for the root area: %s %s %s", n1.Number, n2.Number, n3.Number)
	}
	if n2.UnitID == nil || *n2.UnitID != dx || n2.AreaCode != "330800" {
		t.Fatalf("unit notice %+v", n2)
	}
	if len(n2.Items) != 3 || n2.Items[0].ID != overdue.ID || n2.Items[1].ID != open.ID || n2.Items[2].ID != closed.ID {
		t.Fatalf("items: overdue, open, closed; got %+v", n2.Items)
	}
	for _, want := range []string{"市电信分公司", "共 3 项", "逾期未办结 1 项", "办理中 1 项", "已销号 1 项", "&lt;b&gt;号码&lt;/b&gt;拦截", "1 天", "营业厅宣传", "短信提醒"} {
		if !strings.Contains(n2.BodyHTML, want) {
			t.Fatalf("body lacks %q: %s", want, n2.BodyHTML)
		}
	}
	if strings.Contains(n2.BodyHTML, "<b>") || strings.Contains(n2.BodyHTML, "柜面劝阻") {
		t.Fatalf("body %s", n2.BodyHTML)
	}

	// The unit's liaison reads it; another unit's liaison and a county admin do not.
	var got noticeResp
	r := e.Call("GET", fmt.Sprintf("/api/v1/notices/%d", n2.ID), dxLiaison, nil)
	testkit.Want(t, r, 200)
	r.JSON(t, &got)
	if got.Number != n2.Number || got.BodyHTML != n2.BodyHTML || got.UnitName == nil || *got.UnitName != "市电信分公司" {
		t.Fatalf("liaison reads %+v", got)
	}
	var list struct{ Items []noticeResp }
	e.Call("GET", "/api/v1/notices", dxLiaison, nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != n2.ID {
		t.Fatalf("liaison's notices %+v", list.Items)
	}
	testkit.Want(t, e.Call("GET", fmt.Sprintf("/api/v1/notices/%d", n2.ID), bankLiaison, nil), 404, "notice_not_found")
	testkit.Want(t, e.Call("GET", fmt.Sprintf("/api/v1/notices/%d", n1.ID), dxLiaison, nil), 404, "notice_not_found")
	testkit.Want(t, e.Call("GET", fmt.Sprintf("/api/v1/notices/%d", n2.ID), county, nil), 404, "notice_not_found")
	list.Items = nil
	e.Call("GET", "/api/v1/notices", bankLiaison, nil).JSON(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("other liaison's notices %+v", list.Items)
	}
	testkit.Want(t, e.Call("POST", "/api/v1/notices", dxLiaison, map[string]any{"period": period, "unit_id": dx}), 403)

	// Bad input is refused and changes nothing.
	var before int64
	e.DB.Table("notices").Count(&before)
	for _, tc := range []struct {
		name   string
		token  string
		body   map[string]any
		status int
		code   string
	}{
		{"both area and unit", root, map[string]any{"period": period, "area_code": "330800", "unit_id": dx}, 422, ""},
		{"neither", root, map[string]any{"period": period}, 422, ""},
		{"unknown unit", root, map[string]any{"period": period, "unit_id": 99999}, 422, ""},
		{"bad period", root, map[string]any{"period": "2026Q9", "unit_id": dx}, 422, ""},
		{"not a root admin", county, map[string]any{"period": period, "unit_id": dx}, 403, "root_admin_required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Call("POST", "/api/v1/notices", tc.token, tc.body)
			if tc.code != "" {
				testkit.Want(t, r, tc.status, tc.code)
			} else {
				testkit.Want(t, r, tc.status)
			}
		})
	}
	var after int64
	e.DB.Table("notices").Count(&after)
	if after != before {
		t.Fatalf("refusals wrote notices: %d -> %d", before, after)
	}
	n4 := create(map[string]any{"period": period, "unit_id": bank})
	if n4.Number != period+"-004" || len(n4.Items) != 1 {
		t.Fatalf("next number after refusals %+v", n4)
	}
}
