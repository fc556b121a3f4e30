package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"wuzha/internal/auth"
	"wuzha/internal/awareness"
	"wuzha/internal/testkit"
)

type sheet struct {
	Rows []struct {
		AreaCode    string `json:"area_code"`
		Respondents int64
		Passed      int64
		Score       float64
		Rank        int
	}
	Locked   bool
	Checksum *string
	Rule     struct {
		TargetRate float64 `json:"target_rate"`
	}
}

func TestAssessmentLockExportAndKeys(t *testing.T) {
	e := testkit.NewEnv(t)
	f := newQuizFixture(t, e, nil)
	all := f.allRight()
	take := func(phone, grid string, right map[int64]bool) { f.take(t, phone, grid, right) }
	take("13100000001", "330802001001001", all) // 府山: pass
	take("13100000002", "330802001001002", nil) // 府山: fail
	take("13100000003", "330802002001001", all) // 荷花: pass

	admin := e.Staff("kc_admin", auth.Admin, "330802")
	period := awareness.CurrentQuarter(time.Now())
	path := "/api/v1/assessment/" + period + "/330802"
	var live sheet
	e.Call("GET", path, admin, nil).JSON(t, &live)
	rows := map[string][2]int64{}
	for _, r := range live.Rows {
		rows[r.AreaCode] = [2]int64{r.Respondents, r.Passed}
	}
	if live.Locked || rows["330802001"] != [2]int64{2, 1} || rows["330802002"] != [2]int64{1, 1} || live.Rule.TargetRate != 0.9 {
		t.Fatalf("live sheet %+v", live)
	}

	// Lock: the quarter is running, so only a root admin with a reason
	// locks it; a checksum; a second lock conflicts; later attempts move
	// live figures but never the snapshot.
	testkit.Want(t, e.Call("POST", path+"/lock", admin, map[string]any{"reason": "提前报送"}), 409, "period_not_ended")
	root := e.Staff("city_admin", auth.Admin, "330800")
	var locked sheet
	r := e.Call("POST", path+"/lock", root, map[string]any{"reason": "省考核组提前抽查"})
	testkit.Want(t, r, 200)
	r.JSON(t, &locked)
	if !locked.Locked || locked.Checksum == nil || len(*locked.Checksum) != 64 {
		t.Fatalf("locked sheet %+v", locked)
	}
	testkit.Want(t, e.Call("POST", path+"/lock", root, map[string]any{"reason": "再锁一次"}), 409, "already_locked")
	take("13100000004", "330802001001001", all)
	var after sheet
	e.Call("GET", path, admin, nil).JSON(t, &after)
	if *after.Checksum != *locked.Checksum || fmt.Sprint(after.Rows) != fmt.Sprint(locked.Rows) {
		t.Fatalf("the snapshot changed after a later attempt")
	}
	var fig struct{ Respondents int64 }
	e.Call("GET", "/api/v1/awareness/330802?period="+period, admin, nil).JSON(t, &fig)
	if fig.Respondents != 4 {
		t.Fatalf("live figures did not move: %d respondents", fig.Respondents)
	}

	// Exports: CSV with BOM and the checksum; XLSX with two sheets.
	csvResp := e.Call("GET", path+"/export?format=csv", admin, nil)
	testkit.Want(t, csvResp, 200)
	if !bytes.HasPrefix(csvResp.Body, []byte("\xEF\xBB\xBF区域代码,区域名称")) || !strings.Contains(string(csvResp.Body), *locked.Checksum) {
		t.Fatalf("csv: %.300s", csvResp.Body)
	}
	x := e.Call("GET", path+"/export?format=xlsx", admin, nil)
	testkit.Want(t, x, 200)
	book, err := excelize.OpenReader(bytes.NewReader(x.Body))
	if err != nil {
		t.Fatal(err)
	}
	if sheets := book.GetSheetList(); len(sheets) != 2 || sheets[0] != "考核结果" || sheets[1] != "说明" {
		t.Fatalf("sheets %v", sheets)
	}
	notes, _ := book.GetRows("说明")
	if !strings.Contains(fmt.Sprint(notes), *locked.Checksum) || !strings.Contains(fmt.Sprint(notes), "方法") {
		t.Fatalf("说明 sheet: %v", notes)
	}
	testkit.Want(t, e.Call("GET", path+"/export?format=pdf", admin, nil), 400)

	// Scope, roles and periods.
	js := e.Staff("js_admin", auth.Admin, "330881")
	testkit.Want(t, e.Call("GET", path, js, nil), 403)
	testkit.Want(t, e.Call("POST", path+"/lock", js, nil), 403)
	ed := e.Staff("kc_ed", auth.Editor, "330802")
	testkit.Want(t, e.Call("GET", path, ed, nil), 403)
	assessor := e.Staff("kc_assessor", auth.Assessor, "330802")
	testkit.Want(t, e.Call("GET", path, assessor, nil), 200)
	testkit.Want(t, e.Call("POST", path+"/lock", assessor, nil), 403)
	testkit.Want(t, e.Call("GET", "/api/v1/assessment/2026Q7/330802", admin, nil), 422, "invalid_period")
	testkit.Want(t, e.Call("GET", fmt.Sprintf("/api/v1/assessment/%dQ1/330802", time.Now().Year()+2), admin, nil), 422)

	// API keys: shown once, read-only, bound to their area, revocable, audited.
	r = e.Call("POST", "/api/v1/api-keys", admin, map[string]any{"name": "平安考核系统", "area_code": "330802001"})
	testkit.Want(t, r, 201)
	var key struct {
		ID  int64
		Key string
	}
	r.JSON(t, &key)
	withKey := func(method, p string) testkit.Resp {
		return e.Do(testkit.Request{Method: method, Path: p, Header: map[string]string{"X-API-Key": key.Key}})
	}
	testkit.Want(t, withKey("GET", "/api/v1/assessment/"+period+"/330802001"), 200)
	testkit.Want(t, withKey("GET", "/api/v1/assessment/"+period+"/330802001/export?format=csv"), 200)
	testkit.Want(t, withKey("GET", path), 403)                                            // the county is above the key's area
	testkit.Want(t, withKey("POST", "/api/v1/assessment/"+period+"/330802001/lock"), 403) // read-only
	testkit.Want(t, withKey("GET", "/api/v1/users"), 401)                                 // keys open assessment endpoints only
	var list struct{ Items []map[string]any }
	e.Call("GET", "/api/v1/api-keys", admin, nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0]["key"] != nil || strings.Contains(fmt.Sprint(list.Items), key.Key) {
		t.Fatalf("key list shows the key: %v", list.Items)
	}
	testkit.Want(t, e.Call("POST", "/api/v1/api-keys", admin, map[string]any{"name": "越界", "area_code": "330881"}), 403)
	testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/api-keys/%d/revoke", key.ID), admin, nil), 204)
	testkit.Want(t, withKey("GET", "/api/v1/assessment/"+period+"/330802001"), 401, "invalid_api_key")
	var uses struct{ Items []any }
	e.Call("GET", "/api/v1/audit?action=apikey.use", admin, nil).JSON(t, &uses)
	if len(uses.Items) != 3 {
		t.Fatalf("key uses audited: %d, want 3", len(uses.Items))
	}
}

// Area names that a spreadsheet would run as formulas are defused.
func TestExportDefusesFormulas(t *testing.T) {
	e := testkit.NewEnv(t)
	root := e.Staff("root", auth.Admin, "330800")
	up := upload(t, e, root, "evil.csv", []byte("code,name,parent_code,level,population\n330802901,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",330802,town,\n"))
	testkit.Want(t, up, 200)
	r := e.Call("GET", "/api/v1/assessment/"+awareness.CurrentQuarter(time.Now())+"/330802/export?format=csv", root, nil)
	testkit.Want(t, r, 200)
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Body, []byte("\xEF\xBB\xBF"))))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	{
		for _, rec := range recs {
			for _, cell := range rec {
				if strings.HasPrefix(cell, "=") {
					t.Fatalf("a cell starts with '=': %q", cell)
				}
			}
		}
	}
	if !strings.Contains(string(r.Body), "'=HYPERLINK") {
		t.Fatalf("the formula name is not defused: %s", r.Body)
	}
}

// API keys expire (default 90 days, at most a year) and stop working when
// their creator is disabled, demoted or moved away from the key's area.
func TestAPIKeysExpireAndFollowTheirCreator(t *testing.T) {
	e := testkit.NewEnv(t)
	root := e.Staff("root", auth.Admin, "330800")
	kc := e.Staff("kc_admin", auth.Admin, "330802")
	period := fmt.Sprintf("%dQ1", time.Now().Year())
	var users struct{ Items []auth.StaffUser }
	e.Call("GET", "/api/v1/users?role=admin&area_code=330802", root, nil).JSON(t, &users)
	kcPath := "/api/v1/users/" + strconv.FormatInt(users.Items[0].ID, 10)

	type key struct {
		ID        int64     `json:"id"`
		Key       string    `json:"key"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	create := func(body map[string]any) (key, testkit.Resp) {
		r := e.Call("POST", "/api/v1/api-keys", kc, body)
		var k key
		if r.Status == 201 {
			r.JSON(t, &k)
		}
		return k, r
	}
	use := func(k key) testkit.Resp {
		return e.Do(testkit.Request{Method: "GET", Path: "/api/v1/assessment/" + period + "/330802", Header: map[string]string{"X-API-Key": k.Key}})
	}
	now := time.Now()
	t.Run("expiry is checked on creation", func(t *testing.T) {
		k, r := create(map[string]any{"name": "默认有效期", "area_code": "330802"})
		testkit.Want(t, r, 201)
		if d := k.ExpiresAt.Sub(now); d < 89*24*time.Hour || d > 91*24*time.Hour {
			t.Fatalf("default expiry %v ahead, want 90 days", d)
		}
		k, r = create(map[string]any{"name": "半年", "area_code": "330802", "expires_at": now.Add(180 * 24 * time.Hour).Format(time.RFC3339)})
		testkit.Want(t, r, 201)
		if d := k.ExpiresAt.Sub(now); d < 179*24*time.Hour || d > 181*24*time.Hour {
			t.Fatalf("asked for 180 days, got %v", d)
		}
		for name, at := range map[string]time.Time{"two years": now.Add(2 * 365 * 24 * time.Hour), "yesterday": now.Add(-24 * time.Hour)} {
			_, r := create(map[string]any{"name": name, "area_code": "330802", "expires_at": at.Format(time.RFC3339)})
			testkit.Want(t, r, 422, "validation_failed")
		}
		_, r = create(map[string]any{"name": "坏时间", "area_code": "330802", "expires_at": "next week"})
		testkit.Want(t, r, 400)
	})
	t.Run("an expired key is refused", func(t *testing.T) {
		k, r := create(map[string]any{"name": "将过期", "area_code": "330802"})
		testkit.Want(t, r, 201)
		testkit.Want(t, use(k), 200)
		// Time passes: the key's expiry is now behind us.
		if err := e.DB.Exec("UPDATE api_keys SET expires_at = ? WHERE id = ?", now.Add(-time.Minute).UTC(), k.ID).Error; err != nil {
			t.Fatal(err)
		}
		testkit.Want(t, use(k), 401, "api_key_expired")
		// A key from before keys expired (no expiry stored) lasts 90 days from creation.
		if err := e.DB.Exec("UPDATE api_keys SET expires_at = NULL, created_at = ? WHERE id = ?", now.Add(-91*24*time.Hour).UTC(), k.ID).Error; err != nil {
			t.Fatal(err)
		}
		testkit.Want(t, use(k), 401, "api_key_expired")
		if err := e.DB.Exec("UPDATE api_keys SET created_at = ? WHERE id = ?", now.Add(-89*24*time.Hour).UTC(), k.ID).Error; err != nil {
			t.Fatal(err)
		}
		testkit.Want(t, use(k), 200)
	})
	t.Run("a key stops with its creator", func(t *testing.T) {
		k, r := create(map[string]any{"name": "随人失效", "area_code": "330802"})
		testkit.Want(t, r, 201)
		testkit.Want(t, use(k), 200)
		steps := []struct {
			name   string
			change map[string]any
			works  bool
		}{
			{"creator disabled", map[string]any{"disabled": true}, false},
			{"creator enabled again", map[string]any{"disabled": false}, true},
			{"creator moved to another county", map[string]any{"area_code": "330881"}, false},
			{"creator moved back", map[string]any{"area_code": "330802"}, true},
			{"creator demoted", map[string]any{"role": "editor"}, false},
		}
		for _, st := range steps {
			testkit.Want(t, e.Call("PATCH", kcPath, root, st.change), 200)
			if st.works {
				testkit.Want(t, use(k), 200)
			} else {
				testkit.Want(t, use(k), 401, "invalid_api_key")
			}
		}
	})
}
