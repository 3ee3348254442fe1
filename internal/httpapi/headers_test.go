package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestSecurityHeaders_OnEveryAnswerWithHSTSOnlyOverTLS(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{})
	})
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		w.WriteHeader(http.StatusOK)
	})
	h := SecurityHeaders(JSONErrors(mux))
	plain, tls := httptest.NewServer(h), httptest.NewTLSServer(h)
	defer plain.Close()
	defer tls.Close()

	for _, tc := range []struct {
		name     string
		srv      *httptest.Server
		path     string
		status   int
		wantHSTS bool
	}{
		{"200 over plain HTTP", plain, "/ok", http.StatusOK, false},
		{"404 from the mux", plain, "/nowhere", http.StatusNotFound, false},
		{"200 over TLS", tls, "/ok", http.StatusOK, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := tc.srv.Client().Get(tc.srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			for _, kv := range securityHeaders {
				if got := resp.Header.Get(kv[0]); got != kv[1] {
					t.Errorf("%s: %q, want %q", kv[0], got, kv[1])
				}
			}
			if got := resp.Header.Get("Strict-Transport-Security"); (got != "") != tc.wantHSTS {
				t.Errorf("Strict-Transport-Security %q; want it only over TLS", got)
			}
		})
	}

	t.Run("a handler sets its own Content-Security-Policy", func(t *testing.T) {
		resp, err := plain.Client().Get(plain.URL + "/page")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Values("Content-Security-Policy"); len(got) != 1 || got[0] != "default-src 'self'" {
			t.Errorf("Content-Security-Policy %q, want only the handler's", got)
		}
	})
}
