package api

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"wuzha/internal/fault"
	"wuzha/internal/quiz"
	"wuzha/internal/text"
)

// FuzzDecodeJSON: any body either decodes into the request type or is
// refused with a client error (a domain fault or 413) — never a panic. What
// is accepted has no forbidden characters in any text field, and encoding it
// and decoding it again gives the same value.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"stem":"以下哪种是诈骗？","kind":"single","options":[{"key":"A","text":"甲"}],"answer":["A"],"difficulty":2,"active":true}`,
		`{"stem":"a\u0000b"}`, `{"stem":"\u202e"}`, `{"answers":[{"question_id":1,"keys":["A"]}]}`,
		`{"unknown":1}`, `{"stem":"x"} {}`, `   `, `null`, `{"difficulty":1e400}`, `{"stem":"` + strings.Repeat("长", 100) + `"}`,
		`[1,2,3]`, `{"warning_ids":[-1,9223372036854775807]}`, "{\"stem\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var q quiz.QuestionInput
		err := decodeJSON(body, &q)
		if err != nil {
			var fe *fiber.Error
			if _, ok := fault.As(err); !ok && !(errors.As(err, &fe) && fe.Code == fiber.StatusRequestEntityTooLarge) {
				t.Fatalf("error %T %v is neither a fault nor a 413", err, err)
			}
			return
		}
		if bad := uncleanText(reflect.ValueOf(&q), ""); len(bad) > 0 {
			t.Fatalf("accepted unclean text: %+v", bad)
		}
		for _, s := range []*string{q.Stem, q.Explanation, q.FraudType} {
			if s != nil && !text.Clean(*s) {
				t.Fatalf("accepted %q", *s)
			}
		}
		again, err := json.Marshal(q)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		var q2 quiz.QuestionInput
		if err := decodeJSON(again, &q2); err != nil {
			t.Fatalf("re-decode of %s: %v", again, err)
		}
		if !reflect.DeepEqual(q, q2) {
			t.Fatalf("round trip changed %+v into %+v", q, q2)
		}
	})
}

// FuzzCursor: parseCursor refuses what it did not make with errBadParam and
// never panics; a cursor it accepts is the encoding of the id it returns,
// and every id round-trips.
func FuzzCursor(f *testing.F) {
	for _, s := range []string{"aWQ6MTIz", "aWQ6LTE", "bzoxMA", "", "!!!", "aWQ6OTIyMzM3MjAzNjg1NDc3NTgwOA", "aWQ6"} {
		f.Add(s, int64(42))
	}
	f.Fuzz(func(t *testing.T, cursor string, id int64) {
		after, err := parseCursor(cursor)
		if err != nil {
			if !errors.Is(err, errBadParam) {
				t.Fatalf("error %v, want errBadParam", err)
			}
		} else {
			if after < 0 {
				t.Fatalf("accepted a negative id %d", after)
			}
			if again, err := parseCursor(encodeCursor(after)); err != nil || again != after {
				t.Fatalf("re-encoding %d gave %d, %v", after, again, err)
			}
		}
		if id < 0 {
			id = -(id + 1)
		}
		if got, err := parseCursor(encodeCursor(id)); err != nil || got != id {
			t.Fatalf("id %d round-tripped to %d, %v", id, got, err)
		}
	})
}
