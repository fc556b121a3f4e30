package sms_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"wuzha/internal/sms"
)

// The HTTP gateway sender posts {phone, text} with the bearer token, and a
// gateway's refusal is an error that does not carry the phone number or text.
func TestHTTPSender(t *testing.T) {
	var got []map[string]string
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if r.Header.Get("Authorization") != "Bearer right-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var m map[string]string
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		got = append(got, m)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer gw.Close()

	for _, tc := range []struct {
		name, token string
		ok          bool
	}{
		{"accepted", "right-token", true},
		{"refused", "wrong-token", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got = nil
			err := sms.NewHTTP(gw.URL, tc.token).Send(context.Background(), "13800138000", "【无诈】您的验证码是 123456")
			if tc.ok {
				if err != nil || len(got) != 1 || got[0]["phone"] != "13800138000" || got[0]["text"] != "【无诈】您的验证码是 123456" {
					t.Fatalf("err %v, gateway got %v", err, got)
				}
				return
			}
			if err == nil || len(got) != 0 {
				t.Fatalf("a refused message passed as sent: %v %v", err, got)
			}
			if strings.Contains(err.Error(), "13800138000") || strings.Contains(err.Error(), "123456") {
				t.Fatalf("the error leaks the message: %v", err)
			}
		})
	}
}
