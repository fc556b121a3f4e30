package auth

import (
	"strings"
	"testing"

	"wuzha/internal/fault"
)

func TestCheckPassword(t *testing.T) {
	cases := []struct {
		username, password, want string // want: part of the message, "" = accepted
	}{
		{"wang", "Abcdef1!", ""},
		{"wang", "abcdef12", "至少 3 类"},
		{"wang", "ABCDEFG!", "至少 3 类"},
		{"wang", "Ab1!", "至少 8 位"},
		{"wang", "密码很长很长很长Ab1", ""}, // symbols include anything but letters and digits
		{"wang", "xWANG-2026", "不能包含用户名"},
		{"wang", "Tab\there1A", "空格"},
		{"wang", strings.Repeat("Ab1!", 19), "72 个字节"},
	}
	for _, tc := range cases {
		t.Run(tc.password, func(t *testing.T) {
			var v fault.Validation
			CheckPassword(&v, "p", tc.username, tc.password)
			err := v.Err()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestInitialPasswordsFollowTheRules(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 500; i++ {
		p, err := initialPassword("wgy001")
		if err != nil {
			t.Fatal(err)
		}
		var v fault.Validation
		CheckPassword(&v, "p", "wgy001", p)
		if v.Err() != nil || len(p) != initialLen || seen[p] || strings.ContainsAny(p[:1], "#%+-=@") {
			t.Fatalf("initial password %q: %v", p, v.Err())
		}
		seen[p] = true
	}
}
