package area

import (
	"errors"
	"strings"
	"testing"

	"wuzha/internal/fault"
)

// FuzzParseFile: any CSV an admin uploads parses into rows with increasing
// line numbers, trimmed fields and no negative population, or is refused
// with ErrBadFile or a domain fault — never a panic.
func FuzzParseFile(f *testing.F) {
	for _, s := range []string{
		"code,name,parent_code,level,population\n330802,柯城区,3308,county,400000\n",
		"代码,名称,上级代码,级别,人口\n330802001,府山街道,330802,town,\n\n330802002, 荷花 ,330802,town,-5\n",
		"code,name\n1,2\n", "code,name,parent_code,level\n\"a\nb\",x,y,z\n", "code,name,parent_code,level,population\n1,2,3,4,99999999999999999999\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		rows, err := ParseFile("areas.csv", []byte(data))
		if err != nil {
			if _, ok := fault.As(err); !ok && !errors.Is(err, ErrBadFile) {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		last := 1
		for _, r := range rows {
			if r.Line <= last {
				t.Fatalf("line %d after %d", r.Line, last)
			}
			last = r.Line
			for _, v := range []string{r.Code, r.Name, r.ParentCode, string(r.Level)} {
				if v != strings.TrimSpace(v) {
					t.Fatalf("untrimmed %q", v)
				}
			}
			if r.Population < 0 {
				t.Fatalf("population %d", r.Population)
			}
		}
	})
}
