package api_test

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"wuzha/internal/testkit"
)

type spec struct {
	Paths map[string]map[string]struct {
		OperationID string            `yaml:"operationId"`
		Security    *[]map[string]any `yaml:"security"`
	} `yaml:"paths"`
}

func loadSpec(t *testing.T) spec {
	t.Helper()
	raw, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var s spec
	if err := yaml.Unmarshal(raw, &s); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	return s
}

var fiberParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// TestOpenAPIMatchesRoutes fails when a registered route is missing from
// api/openapi.yaml or the spec names a route that does not exist.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := testkit.NewEnv(t)
	registered := map[string]bool{}
	for _, r := range e.Server.App().GetRoutes(true) {
		if r.Method == "HEAD" || r.Method == "USE" || r.Path == "/" || r.Path == "/api/v1" {
			continue
		}
		registered[strings.ToLower(r.Method)+" "+fiberParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	documented := map[string]bool{}
	for path, ops := range loadSpec(t).Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented[method+" "+path] = true
		}
	}
	var missing, extra []string
	for k := range registered {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !registered[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.yaml: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("openapi.yaml names routes that are not registered: %v", extra)
	}
	if len(registered) < 15 {
		t.Fatalf("only %d routes registered", len(registered))
	}
}

// TestEveryProtectedRouteNeedsAToken calls every operation the spec does not
// mark public (security: []) without a token and expects 401.
func TestEveryProtectedRouteNeedsAToken(t *testing.T) {
	e := testkit.NewEnv(t)
	checked := 0
	for path, ops := range loadSpec(t).Paths {
		for method, op := range ops {
			if method == "parameters" || (op.Security != nil && len(*op.Security) == 0) {
				continue
			}
			concrete := strings.NewReplacer("{code}", "330802", "{id}", "1", "{period}", "2026Q3", "{area_code}", "330802", "{join_code}", "123456").Replace(path)
			r := e.Do(testkit.Request{Method: strings.ToUpper(method), Path: concrete, Body: map[string]any{}})
			if r.Status != 401 {
				t.Errorf("%s %s without a token: %d %s", strings.ToUpper(method), path, r.Status, r.Body)
			}
			checked++
		}
	}
	if checked < 8 {
		t.Fatalf("only %d protected operations checked", checked)
	}
}
