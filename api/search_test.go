package api_test

import (
	"fmt"
	"net/url"
	"testing"

	"wuzha/internal/auth"
	"wuzha/internal/testkit"
)

type found struct {
	Items []struct {
		ID       int64
		Code     string
		Title    string
		Stem     string
		Name     string
		Level    string
		PathName string `json:"path_name"`
	}
}

func search(t *testing.T, e *testkit.Env, token, path, q string, extra ...string) found {
	t.Helper()
	u := path + "?q=" + url.QueryEscape(q)
	for _, x := range extra {
		u += "&" + x
	}
	r := e.Call("GET", u, token, nil)
	testkit.Want(t, r, 200)
	var f found
	r.JSON(t, &f)
	return f
}

// The pickers search warnings by title, questions by stem, areas by name or
// code, on the server and inside the caller's scope; LIKE's wildcards are
// taken literally.
func TestPickerSearch(t *testing.T) {
	n := newNewsroom(t)
	e := n.e
	kc := n.create(t, n.editor, "冒充客服退款诈骗提醒", nil)
	n.create(t, n.editor, "刷单返利 100% 是骗局", nil)
	js := n.create(t, n.otherEditor, "冒充客服（江山）", nil)

	t.Run("warnings", func(t *testing.T) {
		f := search(t, e, n.editor, "/api/v1/warnings", "客服")
		if len(f.Items) != 1 || f.Items[0].ID != kc {
			t.Fatalf("客服 in 柯城区 found %+v; the other county's warning must not show", f.Items)
		}
		if f := search(t, e, n.otherEditor, "/api/v1/warnings", "客服"); len(f.Items) != 1 || f.Items[0].ID != js {
			t.Fatalf("江山 finds %+v", f.Items)
		}
		if f := search(t, e, n.editor, "/api/v1/warnings", fmt.Sprint(kc)); len(f.Items) != 1 || f.Items[0].ID != kc {
			t.Fatalf("by id: %+v", f.Items)
		}
		if f := search(t, e, n.editor, "/api/v1/warnings", fmt.Sprint(js)); len(f.Items) != 0 {
			t.Fatalf("another county's warning found by id: %+v", f.Items)
		}
		if f := search(t, e, n.editor, "/api/v1/warnings", "100%"); len(f.Items) != 1 {
			t.Fatalf("100%% finds %+v", f.Items)
		}
		if f := search(t, e, n.editor, "/api/v1/warnings", "%"); len(f.Items) != 1 {
			t.Fatalf("%% is a wildcard: %+v", f.Items)
		}
		if f := search(t, e, n.editor, "/api/v1/warnings", "_"); len(f.Items) != 0 {
			t.Fatalf("_ is a wildcard: %+v", f.Items)
		}
		if f := search(t, e, n.editor, "/api/v1/warnings", "客服", "status=published"); len(f.Items) != 0 {
			t.Fatalf("status filter ignored: %+v", f.Items)
		}
	})

	t.Run("questions", func(t *testing.T) {
		fx := newQuizFixture(t, e, nil)
		f := search(t, e, fx.editor, "/api/v1/questions", "接到自称公安的电话")
		if len(f.Items) != 1 || f.Items[0].Stem == "" {
			t.Fatalf("接到自称公安的电话 finds %+v", f.Items)
		}
		if g := search(t, e, fx.editor, "/api/v1/questions", fmt.Sprint(f.Items[0].ID)); len(g.Items) != 1 || g.Items[0].ID != f.Items[0].ID {
			t.Fatalf("by id: %+v", g.Items)
		}
		other := e.Staff("js_qe", auth.Editor, "330881")
		if g := search(t, e, other, "/api/v1/questions", "接到自称公安的电话"); len(g.Items) != 0 {
			// questions made in 柯城区 are not visible in 江山
			t.Fatalf("江山 sees 柯城区's question: %+v", g.Items)
		}
	})

	t.Run("areas", func(t *testing.T) {
		f := search(t, e, "", "/api/v1/areas", "府山")
		if len(f.Items) == 0 || f.Items[0].Code != "330802001" || f.Items[0].PathName == "" {
			t.Fatalf("府山 finds %+v", f.Items)
		}
		grids := search(t, e, "", "/api/v1/areas", "3308020010", "level=grid")
		if len(grids.Items) == 0 {
			t.Fatal("no grids under 330802001")
		}
		for _, a := range grids.Items {
			if a.Level != "grid" || a.Code[:10] != "3308020010" {
				t.Fatalf("level/code filter: %+v", a)
			}
		}
		if f := search(t, e, "", "/api/v1/areas", "网格", "within=330881"); len(f.Items) > 0 && f.Items[0].Code[:6] != "330881" {
			t.Fatalf("within ignored: %+v", f.Items)
		}
		testkit.Want(t, e.Call("GET", "/api/v1/areas?q=x&level=planet", "", nil), 422)
		testkit.Want(t, e.Call("GET", "/api/v1/areas?q=x&within=999999", "", nil), 404)
	})
}
