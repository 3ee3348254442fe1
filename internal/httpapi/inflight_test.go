package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

func TestLimitInFlight_RefusesTheRequestBeyondTheCapButNeverTheHealthCheck(t *testing.T) {
	const n = 3
	entered, release := make(chan struct{}), make(chan struct{})
	hold := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hold" {
			entered <- struct{}{}
			<-release
		}
		WriteJSON(w, http.StatusOK, map[string]string{"path": r.URL.Path})
	})
	isHealth := func(r *http.Request) bool { return r.URL.Path == "/healthz" }
	srv := httptest.NewServer(LimitInFlight(n, isHealth, hold))
	defer srv.Close()

	var wg sync.WaitGroup
	held := make([]int, n)
	for i := range n {
		wg.Go(func() {
			resp, err := http.Get(srv.URL + "/hold")
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			held[i] = resp.StatusCode
		})
		<-entered // each holds a slot before the next starts
	}

	resp, err := http.Get(srv.URL + "/other")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var msg struct{ Message string }
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" ||
		json.Unmarshal(body, &msg) != nil || msg.Message == "" {
		t.Errorf("request %d: %d Retry-After %q %s; want 503, Retry-After 1 and a JSON message",
			n+1, resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if st := getStatus(t, srv.URL+"/healthz"); st != http.StatusOK {
		t.Errorf("/healthz while full: %d, want 200", st)
	}

	close(release)
	wg.Wait()
	for i, st := range held {
		if st != http.StatusOK {
			t.Errorf("held request %d answered %d, want 200", i, st)
		}
	}
	if st := getStatus(t, srv.URL+"/other"); st != http.StatusOK {
		t.Errorf("after the held requests ended: %d, want 200", st)
	}
}

// getStatus GETs url and returns the status.
func getStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
