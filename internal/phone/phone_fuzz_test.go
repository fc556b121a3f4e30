package phone

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzNormalize: a number Normalize accepts is 11 digits of a mainland
// mobile, normalizes to itself, masks to 3+4 stars+4, seals and opens back to
// itself and hashes the same each time; anything else is ErrInvalid.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"13800138000", "+86 138-0013-8000", "008613800138000", "12800138000", "1380013800", "１３８００１３８０００", "+86+8613800138000", " 139 0000 1111 ", ""} {
		f.Add(s)
	}
	v, err := NewVault(bytes.Repeat([]byte{3}, 32))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Normalize(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v, want ErrInvalid", err)
			}
			return
		}
		if len(n) != 11 || n[0] != '1' || n[1] < '3' || strings.Trim(n, "0123456789") != "" {
			t.Fatalf("%q normalized to %q", s, n)
		}
		if again, err := Normalize(n); err != nil || again != n {
			t.Fatalf("%q normalized again to %q, %v", n, again, err)
		}
		if m := Mask(n); m != n[:3]+"****"+n[7:] {
			t.Fatalf("mask %q", m)
		}
		opened, err := v.Open(v.Seal(n))
		if err != nil || opened != n {
			t.Fatalf("seal/open %q gave %q, %v", n, opened, err)
		}
		if v.Hash(n) != v.Hash(n) || v.Hash(n) == n {
			t.Fatal("hash not a stable opaque value")
		}
	})
}
