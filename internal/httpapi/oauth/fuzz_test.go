package oauth

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/roster-dev/roster/internal/httpapi"
	"github.com/roster-dev/roster/internal/httpapi/httpapitest"
	"github.com/roster-dev/roster/internal/service"
)

// formSeeds are token request bodies, good and hostile, with their
// Content-Type.
var formSeeds = []struct{ ct, body string }{
	{"application/x-www-form-urlencoded", "grant_type=password&username=root%40example.com&password=Sturdy%26Secret-2026"},
	{"application/x-www-form-urlencoded", "grant_type=password&username=root%40example.com&password=wrong"},
	{"application/x-www-form-urlencoded", "grant_type=refresh_token&refresh_token=rrt_nothing"},
	{"application/x-www-form-urlencoded", "grant_type=password&username=a&password=b&pid=1"},
	{"application/x-www-form-urlencoded", "grant_type=password&username=a&password=b&pid=-1"},
	{"application/x-www-form-urlencoded", "grant_type=password&username=a&password=b&pid=9223372036854775808"},
	{"application/x-www-form-urlencoded", "grant_type=password&grant_type=refresh_token"},
	{"application/x-www-form-urlencoded", "grant_type=client_credentials"},
	{"application/x-www-form-urlencoded", "grant_type="},
	{"application/x-www-form-urlencoded", "username=%27+OR+1%3D1+--&password=%25&grant_type=password"},
	{"application/x-www-form-urlencoded", "grant_type=password&username=%00&password=%ff%fe"},
	{"application/x-www-form-urlencoded", "grant_type=%zz"},
	{"application/x-www-form-urlencoded", "a;b=c"},
	{"application/x-www-form-urlencoded; charset=utf-8", "grant_type=password"},
	{"application/x-www-form-urlencoded", "password=" + strings.Repeat("a", maxFormBytes)},
	{"application/json", `{"grant_type":"password"}`},
	{"", "grant_type=password"},
	{"multipart/form-data; boundary=x", "--x--"},
	{"application/x-www-form-urlencoded", ""},
}

// FuzzReadForm reads any body under any Content-Type as a token request
// form. It is either refused as an RFC 6749 error (400 invalid_request,
// or 413) or gives each parameter once.
func FuzzReadForm(f *testing.F) {
	for _, s := range formSeeds {
		f.Add(s.ct, s.body)
	}
	f.Fuzz(func(t *testing.T, ct, body string) {
		r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		form, err := readForm(httptest.NewRecorder(), r)
		if err != nil {
			var oe *oauthError
			if !errors.As(err, &oe) || oe.code != "invalid_request" || oe.desc == "" ||
				(oe.status != http.StatusBadRequest && oe.status != http.StatusRequestEntityTooLarge) {
				t.Fatalf("error %#v is not an RFC 6749 invalid_request", err)
			}
			if oe.status == http.StatusRequestEntityTooLarge && len(body) <= maxFormBytes {
				t.Fatalf("413 for %d bytes", len(body))
			}
			return
		}
		if len(body) > maxFormBytes {
			t.Fatalf("accepted %d bytes", len(body))
		}
		want, err := url.ParseQuery(body)
		if err != nil {
			t.Fatalf("accepted %q, which does not parse: %v", body, err)
		}
		for name, vals := range form {
			if !utf8.ValidString(name+vals[0]) || strings.ContainsRune(name+vals[0], 0) {
				t.Fatalf("accepted %q = %q", name, vals)
			}
			if len(vals) != 1 || want.Get(name) != vals[0] {
				t.Fatalf("%s = %q, the body says %q", name, vals, want[name])
			}
		}
	})
}

// FuzzTokenEndpoint posts any form to /oauth/token over a real store. The
// answer is a token or an RFC 6749 error with a known code, never a 5xx,
// and never cacheable.
func FuzzTokenEndpoint(f *testing.F) {
	for _, s := range formSeeds {
		f.Add(s.ct, s.body)
	}
	// The rate limits are off: a fuzzer is one client at full speed.
	srv := httpapitest.New(f, func(mux *httpapi.Mux, svc *service.Service, log *slog.Logger) {
		Mount(mux, svc, log, Limits{PerAddress: httpapi.NewKeyedLimiter(0, 1, 0), PerUsername: httpapi.NewKeyedLimiter(0, 1, 0)})
	})
	codes := map[string]bool{"invalid_request": true, "invalid_grant": true, "unsupported_grant_type": true}
	f.Fuzz(func(t *testing.T, ct, body string) {
		r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		rec := srv.Do(r)
		httpapitest.CheckAnswer(t, rec, "error_description")
		if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("Cache-Control %q", cc)
		}
		switch {
		case rec.Code == http.StatusOK:
			if !strings.Contains(rec.Body.String(), `"access_token":"rat_`) {
				t.Fatalf("200 without an access token: %s", rec.Body)
			}
		case rec.Code == http.StatusBadRequest || rec.Code == http.StatusRequestEntityTooLarge:
			var code string
			for c := range codes {
				if strings.Contains(rec.Body.String(), `"error":"`+c+`"`) {
					code = c
				}
			}
			if code == "" {
				t.Fatalf("status %d with an unknown error: %s", rec.Code, rec.Body)
			}
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
}
