package api_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"wuzha/internal/auth"
	"wuzha/internal/testkit"
)

func TestAreas(t *testing.T) {
	e := testkit.NewEnv(t)
	var roots struct {
		Items []struct {
			Code       string
			Name       string
			Level      string
			Population int64
			Children   []struct{ Code, Name, Level string }
		}
	}
	e.Call("GET", "/api/v1/areas", "", nil).JSON(t, &roots)
	if len(roots.Items) != 1 || roots.Items[0].Code != "330800" || roots.Items[0].Name != "衢州市" || len(roots.Items[0].Children) != 6 {
		t.Fatalf("roots %+v", roots)
	}
	want := map[string]string{"330802": "柯城区", "330803": "衢江区", "330822": "常山县", "330824": "开化县", "330825": "龙游县", "330881": "江山市"}
	for _, c := range roots.Items[0].Children {
		if want[c.Code] != c.Name || c.Level != "county" {
			t.Errorf("county %+v", c)
		}
	}
	// Every town has grids with populations; a parent's population is the sum of its grids.
	var county struct {
		Population int64
		Children   []struct{ Code string }
	}
	e.Call("GET", "/api/v1/areas/330802", "", nil).JSON(t, &county)
	var sum int64
	for _, town := range county.Children {
		var tw struct {
			Population int64
			Children   []struct{ Code string }
		}
		e.Call("GET", "/api/v1/areas/"+town.Code, "", nil).JSON(t, &tw)
		if tw.Population <= 0 || len(tw.Children) == 0 {
			t.Fatalf("town %s: %+v", town.Code, tw)
		}
		sum += tw.Population
	}
	if sum != county.Population || roots.Items[0].Population <= county.Population {
		t.Fatalf("county population %d, towns sum %d, city %d", county.Population, sum, roots.Items[0].Population)
	}
	var grid struct {
		Level      string
		Population int64
		Demo       bool
		Name       string
	}
	e.Call("GET", "/api/v1/areas/330802001001001", "", nil).JSON(t, &grid)
	if grid.Level != "grid" || grid.Population <= 0 || !grid.Demo || !strings.Contains(grid.Name, "演示") {
		t.Fatalf("grid %+v", grid)
	}
	testkit.Want(t, e.Call("GET", "/api/v1/areas/999", "", nil), 404)
}

func upload(t *testing.T, e *testkit.Env, token, name string, data []byte) testkit.Resp {
	t.Helper()
	return uploadTo(t, e, "/api/v1/areas/import", token, name, data)
}

func uploadTo(t testing.TB, e *testkit.Env, path, token, name string, data []byte) testkit.Resp {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	w.Close()
	return e.Do(testkit.Request{Method: "POST", Path: path, Token: token, Body: buf.Bytes(), Content: w.FormDataContentType()})
}

func TestAreaImportAllOrNothing(t *testing.T) {
	e := testkit.NewEnv(t)
	root := e.Staff("root", auth.Admin, "330800")
	kc := e.Staff("kc_admin", auth.Admin, "330802")

	bad := "\xEF\xBB\xBFcode,name,parent_code,level,population\n" +
		"330802900,新街道,330802,town,\n" + // good
		"330802900001,新社区,330802900,community,\n" + // good (parent in the same file)
		"330802900001001,一网格,330802900001,grid,1200\n" + // good
		"330802900001002,二网格,330802900001,grid,-5\n" + // bad population
		"33080290000x,坏代码,330802900,community,\n" + // bad code
		"330802900002,孤儿社区,330802999,community,\n" + // unknown parent
		"330802900003,错级,330802,community,\n" + // parent is a county, child a community
		"330802900,重复,330802,town,\n" // duplicate code
	r := upload(t, e, kc, "areas.csv", []byte(bad))
	testkit.Want(t, r, 422, "import_invalid")
	var p struct {
		Errors []struct {
			Row     int
			Message string
		}
	}
	r.JSON(t, &p)
	rows := map[int]bool{}
	for _, er := range p.Errors {
		rows[er.Row] = true
	}
	for _, want := range []int{5, 6, 7, 8, 9} {
		if !rows[want] {
			t.Errorf("row %d not named in %+v", want, p.Errors)
		}
	}
	if rows[2] || rows[3] || rows[4] {
		t.Errorf("good rows named as bad: %+v", p.Errors)
	}
	testkit.Want(t, e.Call("GET", "/api/v1/areas/330802900", "", nil), 404) // nothing imported

	// Outside the admin's scope: all-or-nothing too.
	other := "code,name,parent_code,level,population\n330802901,甲街道,330802,town,\n330881901,乙街道,330881,town,\n"
	r = upload(t, e, kc, "areas.csv", []byte(other))
	testkit.Want(t, r, 422, "import_invalid")
	testkit.Want(t, e.Call("GET", "/api/v1/areas/330802901", "", nil), 404)

	// A good CSV imports, and renames an existing area.
	good := "code,name,parent_code,level,population\n330802900,新街道,330802,town,\n330802900001,新社区,330802900,community,\n330802900001001,一网格,330802900001,grid,1200\n330802001,府山街道（改）,330802,town,\n"
	r = upload(t, e, kc, "areas.csv", []byte(good))
	// A county admin's populations wait for the city: the areas are in, the
	// new grid's population is 0 until approved.
	testkit.Want(t, r, 202)
	var pending struct {
		Imported int
		ChangeID int64 `json:"change_id"`
		Status   string
		Changes  []struct {
			AreaCode string `json:"area_code"`
			From, To int64
		}
	}
	r.JSON(t, &pending)
	if pending.Imported != 4 || pending.Status != "pending" || len(pending.Changes) != 1 || pending.Changes[0].AreaCode != "330802900001001" || pending.Changes[0].From != 0 || pending.Changes[0].To != 1200 {
		t.Fatalf("pending import %+v", pending)
	}
	var town struct {
		Name       string
		Population int64
	}
	e.Call("GET", "/api/v1/areas/330802900", "", nil).JSON(t, &town)
	if town.Name != "新街道" || town.Population != 0 {
		t.Fatalf("town before approval %+v", town)
	}
	testkit.Want(t, e.Call("POST", fmt.Sprintf("/api/v1/area-changes/%d/approve", pending.ChangeID), root, nil), 200)
	e.Call("GET", "/api/v1/areas/330802900", "", nil).JSON(t, &town)
	if town.Population != 1200 {
		t.Fatalf("town after approval %+v", town)
	}
	// An import never moves an area.
	testkit.Want(t, upload(t, e, root, "move.csv", []byte("code,name,parent_code,level\n330802900,新街道,330803,town\n")), 422, "import_invalid")

	// XLSX with Chinese headers.
	f := excelize.NewFile()
	for i, row := range [][]any{{"代码", "名称", "上级代码", "级别", "人口"}, {"330803900", "试点街道", "330803", "town", nil}, {"330803900001", "试点社区", "330803900", "community", nil}, {"330803900001001", "试点网格", "330803900001", "grid", 800}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Sheet1", cell, &row)
	}
	var xb bytes.Buffer
	f.Write(&xb)
	testkit.Want(t, upload(t, e, root, "areas.xlsx", xb.Bytes()), 200)
	testkit.Want(t, e.Call("GET", "/api/v1/areas/330803900001001", "", nil), 200)
	// Not a spreadsheet at all, or no file.
	testkit.Want(t, upload(t, e, root, "areas.xlsx", []byte("PK garbage")), 422, "import_unreadable")
	testkit.Want(t, e.Call("POST", "/api/v1/areas/import", root, map[string]any{}), 422, "file_required")
	// Only admins import.
	ed := e.Staff("editor1", auth.Editor, "330802")
	testkit.Want(t, upload(t, e, ed, "areas.csv", []byte(good)), 403)

	// The import is audited.
	var audit struct{ Items []struct{ Action string } }
	e.Call("GET", "/api/v1/audit?action=area.import", root, nil).JSON(t, &audit)
	if len(audit.Items) != 2 {
		t.Fatalf("area.import audit entries: %+v", audit.Items)
	}
}
