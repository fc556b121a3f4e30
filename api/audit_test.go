package api_test

import (
	"fmt"
	"strings"
	"testing"

	"wuzha/internal/auth"
	"wuzha/internal/testkit"
)

// The audit log reads in Chinese: actions named, actors and target users by
// name, details as label/value lines; and versions name their editor.
func TestAuditAndVersionsReadInChinese(t *testing.T) {
	n := newNewsroom(t)
	e := n.e
	root := e.Staff("root_admin", auth.Admin, "330800")
	testkit.Want(t, e.Call("POST", "/api/v1/users", root, map[string]any{"username": "new_worker", "password": "Passw0rd!Passw0rd", "role": "grid_worker", "area_code": "330802001001001"}), 201)
	id := n.create(t, n.editor, "冒充客服退款", nil)

	var page struct {
		Items []struct {
			Action      string
			ActionName  string `json:"action_name"`
			ActorLabel  string `json:"actor_label"`
			AreaName    string `json:"area_name"`
			TargetName  string `json:"target_name"`
			Target      string
			DetailLines []struct{ Label, Value string } `json:"detail_lines"`
		}
	}
	e.Call("GET", "/api/v1/audit?limit=100", root, nil).JSON(t, &page)
	seen := map[string]bool{}
	for _, it := range page.Items {
		seen[it.Action] = true
		if it.ActionName == "" || it.ActionName == it.Action {
			t.Errorf("%s has no Chinese name", it.Action)
		}
		if strings.Contains(it.TargetName, "user:") || strings.Contains(it.TargetName, "warning:") {
			t.Errorf("%s target reads %q", it.Action, it.TargetName)
		}
		switch it.Action {
		case "user.create":
			if it.ActorLabel == "cli" {
				t.Errorf("the command line reads %q", it.ActorLabel)
			}
			if !strings.HasSuffix(it.TargetName, "new_worker") {
				continue
			}
			lines := fmt.Sprint(it.DetailLines)
			if it.ActionName != "创建用户" || it.ActorLabel != "root_admin" || it.TargetName != "用户 new_worker" ||
				!strings.Contains(lines, "{角色 网格员}") || !strings.Contains(lines, "{用户名 new_worker}") || strings.Contains(lines, "{") && strings.Contains(lines, `"`) {
				t.Errorf("user.create reads %+v", it)
			}
		case "auth.login":
			if it.ActionName != "登录" {
				t.Errorf("auth.login reads %q", it.ActionName)
			}
		case "warning.create":
			if it.ActionName != "新建预警" || it.ActorLabel != "kc_editor" || it.AreaName != "柯城区" || it.TargetName != fmt.Sprintf("预警（编号 %d）", id) {
				t.Errorf("warning.create reads %+v", it)
			}
		}
	}
	for _, a := range []string{"user.create", "auth.login", "warning.create"} {
		if !seen[a] {
			t.Errorf("no %s entry among %d", a, len(page.Items))
		}
	}

	var actions struct {
		Items []struct{ Action, Name string }
	}
	e.Call("GET", "/api/v1/audit/actions", root, nil).JSON(t, &actions)
	if len(actions.Items) < 40 {
		t.Fatalf("only %d named actions", len(actions.Items))
	}
	testkit.Want(t, e.Call("GET", "/api/v1/audit/actions", n.editor, nil), 403)

	var versions struct {
		Items []struct {
			EditorName string `json:"editor_name"`
		}
	}
	e.Call("GET", fmt.Sprintf("/api/v1/warnings/%d/versions", id), n.editor, nil).JSON(t, &versions)
	if len(versions.Items) != 1 || versions.Items[0].EditorName != "kc_editor" {
		t.Fatalf("versions %+v", versions.Items)
	}
}
