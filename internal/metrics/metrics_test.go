package metrics

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMiddleware_LabelsByPatternAndBoundsMethodAndRoute(t *testing.T) {
	m := New()
	New() // a second server in one process: its own registry, no clash
	mux := http.NewServeMux()
	mux.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok")) // no WriteHeader: an implicit 200
	})
	mux.HandleFunc("/teapot", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	})
	h := m.Middleware(mux)
	for _, req := range []struct{ method, path string }{
		{"GET", "/things/1"}, {"GET", "/things/2"}, {"BREW", "/teapot"}, {"GET", "/elsewhere"},
	} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(req.method, req.path, nil))
	}
	for _, tc := range []struct {
		labels []string
		want   float64
	}{
		{[]string{"GET /things/{id}", "GET", "200"}, 2},
		{[]string{"/teapot", "other", "418"}, 1},
		{[]string{Unmatched, "GET", "404"}, 1},
	} {
		if got := testutil.ToFloat64(m.requests.WithLabelValues(tc.labels...)); got != tc.want {
			t.Errorf("requests%v = %v, want %v", tc.labels, got, tc.want)
		}
	}
	if n := testutil.CollectAndCount(m.requests); n != 3 {
		t.Errorf("%d request series, want 3", n)
	}
}

func TestNew_SignInResultsExistBeforeTheFirstSignIn(t *testing.T) {
	m := New()
	want := `
# HELP roster_signins_total Sign-ins with a password, by result: "success" or "failure" (bad credentials, locked or inactive account).
# TYPE roster_signins_total counter
roster_signins_total{result="failure"} 0
roster_signins_total{result="success"} 1
`
	m.SignInSucceeded()
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "roster_signins_total"); err != nil {
		t.Error(err)
	}
}
