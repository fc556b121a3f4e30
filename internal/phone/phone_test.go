package phone

import (
	"bytes"
	"strings"
	"testing"
)

func TestNormalizeAndMask(t *testing.T) {
	for in, want := range map[string]string{"13812345678": "13812345678", "+86 138-1234-5678": "13812345678", "008613812345678": "13812345678"} {
		got, err := Normalize(in)
		if err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "12812345678", "1381234567", "138123456789", "abc"} {
		if _, err := Normalize(bad); err == nil {
			t.Errorf("Normalize(%q) accepted", bad)
		}
	}
	if Mask("13812341234") != "138****1234" {
		t.Error(Mask("13812341234"))
	}
}

func TestVault(t *testing.T) {
	v, _ := NewVault(bytes.Repeat([]byte{1}, 32))
	other, _ := NewVault(bytes.Repeat([]byte{2}, 32))
	a, b := v.Seal("13812345678"), v.Seal("13812345678")
	if a == b || strings.Contains(a, "5678") {
		t.Fatal("sealing is deterministic or leaks")
	}
	if n, err := v.Open(a); err != nil || n != "13812345678" {
		t.Fatalf("open: %q %v", n, err)
	}
	if _, err := other.Open(a); err == nil {
		t.Fatal("another key opened it")
	}
	if v.Hash("13812345678") != v.Hash("13812345678") || v.Hash("13812345678") == other.Hash("13812345678") {
		t.Fatal("hash must be stable per key and differ across keys")
	}
}
