package text

import "testing"

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"反诈宣传 2026", true},
		{"第一行\n第二行\t缩进\r\n", true},
		{"emoji 🙂 and ß", true},
		{"nul\x00byte", false},
		{"bell\x07", false},
		{"del\x7f", false},
		{"c1\u0085", false},
		{"evil\u202Etxt.exe", false},
		{"isolate\u2066x\u2069", false},
		{"rlm\u200f", false},
		{"", true},
	} {
		if got := Clean(tc.in); got != tc.want {
			t.Errorf("Clean(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
