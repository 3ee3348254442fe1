package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/roster-dev/roster/internal/roster"
)

// fuzzBody is a request body with every kind of field a wire struct has:
// strings, pointers, numbers, booleans, arrays and nested objects.
type fuzzBody struct {
	Name   *string             `json:"name"`
	Count  int64               `json:"count"`
	Flag   *bool               `json:"flag"`
	IDs    []int64             `json:"ids"`
	Nested *struct{ S string } `json:"nested"`
	Tags   map[string]string   `json:"tags"`
}

// FuzzDecodeJSON feeds DecodeJSON any body under any Content-Type. It
// must either fill the value from exactly what was sent (so the body was
// valid UTF-8 JSON, and decoding it again gives the same value) or refuse
// with 413, 415 or a domain EInvalid that the dialects answer as 400.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []struct{ ct, body string }{
		{"application/json", `{"name":"Ada","count":3,"flag":true,"ids":[1,2],"nested":{"S":"x"},"tags":{"a":"b"}}`},
		{"application/json; charset=utf-8", `{"name":null}`},
		{"application/merge-patch+json", `{}`},
		{"", `{"name":"no content type"}`},
		{"text/plain", `{"name":"x"}`},
		{"application/x-www-form-urlencoded", `name=x`},
		{"application/json; charset", `{}`},
		{"application/json", ``},
		{"application/json", `   `},
		{"application/json", `null`},
		{"application/json", `[]`},
		{"application/json", `"a string"`},
		{"application/json", `{"name":"a"} trailing`},
		{"application/json", `{"name":"a"}{"name":"b"}`},
		{"application/json", `{"name":"dup","name":"dup2"}`},
		{"application/json", `{"name":"\xff\xfe"}`},
		{"application/json", `{"name":"nul\u0000byte"}`},
		{"application/json", `{"name":"` + "\x00" + `"}`},
		{"application/json", `{"name":12}`},
		{"application/json", `{"count":"12"}`},
		{"application/json", `{"count":1e3}`},
		{"application/json", `{"count":9223372036854775808}`},
		{"application/json", `{"count":-9223372036854775809}`},
		{"application/json", `{"count":0x10}`},
		{"application/json", `{"ids":[1,"2"]}`},
		{"application/json", `{"ids":{"0":1}}`},
		{"application/json", `{"flag":"true"}`},
		{"application/json", `{"nested":[]}`},
		{"application/json", `{"tags":{"k":1}}`},
		{"application/json", strings.Repeat("[", 10000) + strings.Repeat("]", 10000)},
		{"application/json", `{"name":"` + strings.Repeat("a", MaxBodyBytes) + `"}`},
		{"application/json", `{"name":"' OR 1=1 --"}`},
		{"application/json", `{"name":"\ud800"}`},
		{"application/json", "\xef\xbb\xbf{}"},
	} {
		f.Add(seed.ct, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", ct)
		var got fuzzBody
		err := DecodeJSON(httptest.NewRecorder(), r, &got)
		if err != nil {
			checkDecodeError(t, err, ct, body)
			return
		}
		if len(body) > MaxBodyBytes {
			t.Fatalf("accepted a body of %d bytes", len(body))
		}
		if !utf8.Valid(body) || !json.Valid(body) {
			t.Fatalf("accepted a body that is not valid UTF-8 JSON: %q", body)
		}
		// The decoded value is exactly what the body says: re-encoding it and
		// decoding that again gives it back.
		again, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		var round fuzzBody
		if err := json.Unmarshal(again, &round); err != nil || !reflect.DeepEqual(round, got) {
			t.Fatalf("decoded %+v does not survive a round trip: %s", got, again)
		}
	})
}

// checkDecodeError asserts err is one a client may be shown, with the
// status the cause calls for.
func checkDecodeError(t *testing.T, err error, ct string, body []byte) {
	t.Helper()
	var se *StatusError
	if errors.As(err, &se) {
		switch se.Status {
		case http.StatusRequestEntityTooLarge:
			if len(body) <= MaxBodyBytes {
				t.Fatalf("413 for a body of %d bytes", len(body))
			}
		case http.StatusUnsupportedMediaType:
			if ct == "" || ct == "application/json" {
				t.Fatalf("415 for Content-Type %q", ct)
			}
		default:
			t.Fatalf("unexpected status %d: %v", se.Status, err)
		}
		return
	}
	if roster.ErrorCode(err) != roster.EInvalid || roster.ErrorMessage(err) == "" {
		t.Fatalf("error %v (code %q) is not a client error with a message", err, roster.ErrorCode(err))
	}
	if ct == "application/json" && len(body) <= MaxBodyBytes && utf8.Valid(body) && json.Valid(body) {
		// Valid JSON may still be the wrong shape (an array, a string where
		// a number goes): only a type error may refuse it.
		var probe fuzzBody
		var typeErr *json.UnmarshalTypeError
		if uerr := json.Unmarshal(body, &probe); !errors.As(uerr, &typeErr) && len(bytes.TrimSpace(body)) > 0 {
			t.Fatalf("refused valid JSON %q: %v (json says %v)", body, err, uerr)
		}
	}
}

// FuzzParseQuery parses any raw query and asks it for parameters of every
// kind. Every failure is EInvalid; every success means what the query says.
func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{
		"", "limit=10", "limit=10&limit=10", "limit=", "limit=-1", "limit=1e3", "limit=0x10",
		"limit=99999999999999999999", "flag=true", "flag=1", "flag=maybe", "flag=TRUE",
		"id=1&id=2&ids=3,4", "ids=1,,2", "ids=,", "ids=1,-2", "ids=9223372036854775808",
		"ids=%20%31", "id=007", "contains=%zz", "contains=a;b", "contains=%00", "contains=%ff%fe",
		"contains=' OR 1=1 --", "contains=%25", "contains=_", "contains=%5C", "a=1&&&b=2", "=x", "x",
		"name=%E2%80%AE", strings.Repeat("a=1&", 500),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := ParseQuery(raw)
		if err != nil {
			wantInvalid(t, "ParseQuery", err)
			return
		}
		for name, vals := range q.v {
			for _, s := range append(vals, name) {
				if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
					t.Fatalf("ParseQuery(%q) let %q through", raw, s)
				}
			}
		}
		for _, name := range []string{"limit", "flag", "contains", "id", "ids", "", "a"} {
			vals := q.v[name]
			s, err := q.String(name)
			switch {
			case len(vals) > 1:
				wantInvalid(t, "String", err)
			case err != nil:
				t.Fatalf("String(%q) = %v for %d values", name, err, len(vals))
			case len(vals) == 1 && s != vals[0], len(vals) == 0 && s != "":
				t.Fatalf("String(%q) = %q, values %q", name, s, vals)
			}
			n, ok, err := q.Int(name)
			if err != nil {
				wantInvalid(t, "Int", err)
			} else if m, perr := strconv.ParseInt(s, 10, 64); ok && (perr != nil || m != n) {
				t.Fatalf("Int(%q) = %d from %q", name, n, s)
			} else if !ok && (s != "" || n != 0) {
				t.Fatalf("Int(%q) = %d, not given, from %q", name, n, s)
			}
			if _, err := q.Bool(name, false); err != nil {
				wantInvalid(t, "Bool", err)
			}
		}
		ids, err := q.IDs("id", "ids")
		if err != nil {
			wantInvalid(t, "IDs", err)
			return
		}
		for _, id := range ids {
			if id < 1 || id > roster.MaxID {
				t.Fatalf("IDs gave %d from %q", id, raw)
			}
		}
	})
}

// FuzzParseID checks that an accepted id has exactly one spelling, the
// one given, and lies in 1..MaxID.
func FuzzParseID(f *testing.F) {
	for _, seed := range []string{"1", "42", "0", "-1", "+1", "01", "1e3", "0x10", " 1", "1 ", "",
		"9007199254740991", "9007199254740992", "9223372036854775807", "9223372036854775808",
		"18446744073709551616", "١", "1\x00", "1/2", "' OR 1=1 --"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			wantInvalid(t, "ParseID", err)
			if id != 0 {
				t.Fatalf("ParseID(%q) = %d with an error", s, id)
			}
			return
		}
		if id < 1 || id > roster.MaxID || strconv.FormatInt(id, 10) != s {
			t.Fatalf("ParseID(%q) = %d", s, id)
		}
	})
}

func wantInvalid(t *testing.T, what string, err error) {
	t.Helper()
	if roster.ErrorCode(err) != roster.EInvalid || roster.ErrorMessage(err) == "" {
		t.Fatalf("%s: error %v is not EInvalid with a message", what, err)
	}
}
