package main

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, to reach PostgreSQL beside the server
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/roster-dev/roster/internal/apidoc/apidoctest"
)

// End-to-end tests of the operator's routes: /metrics, /healthz, /readyz.
// /docs in a browser is in docs_chromium_test.go.

// withServeConfig changes the server's configuration before it starts.
func withServeConfig(change func(*serveConfig)) serverOption {
	return func(s *setup) { change(&s.cfg) }
}

// metricFamilies scrapes /metrics and parses the exposition.
func (s *testServer) metricFamilies() map[string]*dto.MetricFamily {
	s.t.Helper()
	r := s.do("GET", "/metrics", "", nil)
	wantStatus(s.t, r, http.StatusOK)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(r.body))
	if err != nil {
		s.t.Fatalf("/metrics is not Prometheus' text format: %v\n%s", err, r.body)
	}
	return fams
}

// metricValue is the value of the counter, gauge or histogram count of
// family name with exactly the labels given (name, value pairs); found is
// false if there is no such series.
func metricValue(fams map[string]*dto.MetricFamily, name string, labels ...string) (v float64, found bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, lp := range m.GetLabel() {
			got[lp.GetName()] = lp.GetValue()
		}
		if len(got) != len(labels)/2 {
			continue
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if got[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func TestMetrics_CountRequestsByRoutePatternNeverByRawPath(t *testing.T) {
	s := startServer(t)
	a := s.createUser("ann@example.com", "Ann", "Ash", "Admin")
	b := s.createUser("bob@example.com", "Bob", "Birch", "Admin")
	for _, id := range []string{a.ID, b.ID, "999999"} {
		s.do("GET", "/users/"+id, s.readKey, nil)
	}
	s.do("GET", "/no/such/route/12345", "", nil)
	s.do("GET", "/no/such/route/67890", "", nil)

	fams := s.metricFamilies()
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"roster_http_requests_total", []string{"route", "GET /users/{id}", "method", "GET", "code", "200"}, 2},
		{"roster_http_requests_total", []string{"route", "GET /users/{id}", "method", "GET", "code", "404"}, 1},
		{"roster_http_requests_total", []string{"route", "POST /users", "method", "POST", "code", "200"}, 2},
		{"roster_http_requests_total", []string{"route", "unmatched", "method", "GET", "code", "404"}, 2},
		{"roster_http_request_duration_seconds", []string{"route", "GET /users/{id}", "method", "GET"}, 3},
	} {
		if got, ok := metricValue(fams, tc.name, tc.labels...); !ok || got != tc.want {
			t.Errorf("%s%v = %v (found %v), want %v", tc.name, tc.labels, got, ok, tc.want)
		}
	}
	if f := fams["roster_http_request_duration_seconds"]; f.GetType() != dto.MetricType_HISTOGRAM {
		t.Errorf("roster_http_request_duration_seconds is a %v, want a histogram", f.GetType())
	}
	// No series carries a raw path: an id or a probed path would make the
	// number of series grow without bound.
	for _, m := range fams["roster_http_requests_total"].GetMetric() {
		for _, lp := range m.GetLabel() {
			if v := lp.GetValue(); strings.Contains(v, a.ID) || strings.Contains(v, "12345") {
				t.Errorf("a label carries a raw path: %s=%q", lp.GetName(), v)
			}
		}
	}
}

func TestMetrics_ExportEveryFamilyTheIssueNames(t *testing.T) {
	s := startServer(t)
	s.do("GET", "/healthz", "", nil)
	fams := s.metricFamilies()
	for name, typ := range map[string]dto.MetricType{
		"roster_http_requests_total":           dto.MetricType_COUNTER,
		"roster_http_request_duration_seconds": dto.MetricType_HISTOGRAM,
		"roster_signins_total":                 dto.MetricType_COUNTER,
		"roster_account_lockouts_total":        dto.MetricType_COUNTER,
		"roster_mail_sent_total":               dto.MetricType_COUNTER,
		"roster_mail_failed_total":             dto.MetricType_COUNTER,
		"roster_db_pool_max_connections":       dto.MetricType_GAUGE,
		"roster_db_pool_connections":           dto.MetricType_GAUGE,
		"roster_db_pool_waits_total":           dto.MetricType_COUNTER,
		"roster_db_pool_wait_seconds_total":    dto.MetricType_COUNTER,
		"go_goroutines":                        dto.MetricType_GAUGE,
		"process_resident_memory_bytes":        dto.MetricType_GAUGE,
	} {
		f, ok := fams[name]
		if !ok {
			t.Errorf("no metric %s", name)
			continue
		}
		if f.GetType() != typ {
			t.Errorf("%s is a %v, want a %v", name, f.GetType(), typ)
		}
		if f.GetHelp() == "" {
			t.Errorf("%s has no help text", name)
		}
	}
	// The database's pools, read at scrape time: after a request at least
	// one connection is open.
	var open float64
	for _, m := range fams["roster_db_pool_connections"].GetMetric() {
		open += m.GetGauge().GetValue()
	}
	if open == 0 {
		t.Error("roster_db_pool_connections counts no open connection after a request")
	}
}

func TestMetrics_CountSignInsLockoutsAndMail(t *testing.T) {
	s := startServer(t)
	addUser(t, s, "ada", false)
	signIn(t, s, "ada", goodPassword)
	for range 5 {
		wantOAuthError(t, s.trySignIn("ada", otherPassword), "invalid_grant")
	}
	wantOAuthError(t, s.trySignIn("nobody", otherPassword), "invalid_grant")
	s.createUser("invited@example.com", "In", "Vited", "Analyst") // mails an invitation

	// The invitation is delivered in the background: wait for its count.
	var fams map[string]*dto.MetricFamily
	for deadline := time.Now().Add(10 * time.Second); ; {
		fams = s.metricFamilies()
		if n, _ := metricValue(fams, "roster_mail_sent_total"); n >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"roster_signins_total", []string{"result", "success"}, 1},
		{"roster_signins_total", []string{"result", "failure"}, 6},
		{"roster_account_lockouts_total", nil, 1},
		{"roster_mail_sent_total", nil, 1},
		{"roster_mail_failed_total", nil, 0},
	} {
		if got, ok := metricValue(fams, tc.name, tc.labels...); !ok || got != tc.want {
			t.Errorf("%s%v = %v (found %v), want %v", tc.name, tc.labels, got, ok, tc.want)
		}
	}
	if got := len(s.smtp.Messages()); got != 1 {
		t.Errorf("the SMTP server received %d messages, want the 1 counted", got)
	}
}

func TestMetrics_MetricsAddrMovesThemOffTheAPIPort(t *testing.T) {
	addr := make(chan string, 1)
	s := startServer(t, withServeConfig(func(c *serveConfig) {
		c.metricsAddr = "127.0.0.1:0"
		c.metricsReady = func(a string) { addr <- a }
	}))
	wantStatus(t, s.do("GET", "/metrics", "", nil), http.StatusNotFound)
	resp, err := s.client.Get("http://" + <-addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("GET /metrics on --metrics-addr: %d %s, want 200 text/plain", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestProbes_HealthzAndReadyzAnswer200WhileTheDatabaseIsCurrent(t *testing.T) {
	s := startServer(t)
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready"} {
		r := s.do("GET", path, "", nil)
		wantStatus(t, r, http.StatusOK)
		var body struct{ Status string }
		r.json(t, &body)
		if body.Status != want {
			t.Errorf("GET %s: status %q, want %q", path, body.Status, want)
		}
	}
}

func TestProbes_ReadyzAnswers503WhenTheSchemaIsBehind(t *testing.T) {
	s := startServer(t)
	// As if the database were restored from a backup older than the
	// binary: the newest migration is no longer recorded as applied.
	driver, dsn := "sqlite", "file:"+s.db
	if isPostgres(s.db) {
		driver, dsn = "pgx", s.db
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(),
		`DELETE FROM goose_db_version WHERE version_id = (SELECT MAX(version_id) FROM goose_db_version)`); err != nil {
		t.Fatal(err)
	}

	// s.do fails on any 5xx, which this answer is meant to be.
	req, _ := http.NewRequest("GET", s.url+"/readyz", nil)
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	if _, err := body.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	apidoctest.Check(t, req, resp, body.Bytes())
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("GET /readyz with the schema behind: %d %s, want 503", resp.StatusCode, body.Bytes())
	}
	if !strings.Contains(body.String(), `"message"`) {
		t.Errorf("503 body has no message: %s", body.Bytes())
	}
	if !strings.Contains(s.logs.String(), "schema at migration") {
		t.Errorf("the log does not say why the server is not ready:\n%s", s.logs)
	}
	// Liveness does not depend on the database.
	wantStatus(t, s.do("GET", "/healthz", "", nil), http.StatusOK)
}
