package apidoc

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDocsHandler_ServesThePageUnderItsOwnPolicyAndTheEmbeddedRenderer(t *testing.T) {
	h := DocsHandler()
	page := httptest.NewRecorder()
	h.ServeHTTP(page, httptest.NewRequest("GET", "/docs", nil))
	if ct := page.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("/docs Content-Type %q, want text/html", ct)
	}
	csp := page.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "worker-src 'self' blob:", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("/docs policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "http") || strings.Contains(csp, "*") {
		t.Errorf("/docs policy %q allows another origin", csp)
	}
	body := page.Body.String()
	if !strings.Contains(body, `src="`+ScriptPath+`"`) || !strings.Contains(body, `spec-url="/openapi.json"`) {
		t.Errorf("/docs does not load the renderer and the document from this origin:\n%s", body)
	}

	js := httptest.NewRecorder()
	h.ServeHTTP(js, httptest.NewRequest("GET", ScriptPath, nil))
	if js.Code != http.StatusOK || !strings.HasPrefix(js.Header().Get("Content-Type"), "text/javascript") {
		t.Fatalf("%s: %d %q", ScriptPath, js.Code, js.Header().Get("Content-Type"))
	}
	if !bytes.Equal(js.Body.Bytes(), redoc) || len(redoc) < 100_000 || !bytes.Contains(redoc, []byte("Redoc")) {
		t.Errorf("%s is not the embedded Redoc bundle (%d bytes)", ScriptPath, js.Body.Len())
	}
}
