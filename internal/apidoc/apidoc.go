// Package apidoc holds Roster's OpenAPI 3.0.3 document and serves it.
//
// The document, openapi.json beside this file, is written by hand and
// describes what Roster answers today: the Panther dialect (/users, whose
// paths, parameters, schemas and status codes are those of Panther's own
// document, and /roles), the Audience Manager dialect (/api/v1/users and
// /api/v1/groups; its other spellings, under /v1, with a trailing slash and
// the /self aliases, are described in words rather than listed), POST
// /oauth/token, and the operator's routes: /healthz, /readyz, /metrics,
// /openapi.json and /docs, the page that renders it. It is embedded in the
// binary, so the document served is always the one the binary was built
// with.
//
// Package apidoctest checks HTTP answers against the same document in
// tests, so the document cannot drift from the handlers unnoticed.
package apidoc

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"strconv"
)

//go:embed openapi.json
var document []byte

// Document returns the OpenAPI document as JSON. The slice is a copy; the
// caller may keep or modify it.
func Document() []byte {
	return append([]byte(nil), document...)
}

// Handler returns a handler that answers GET (and HEAD) with the document
// as application/json, and any other method with a JSON 405.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			h.Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusMethodNotAllowed)
			msg, _ := json.Marshal(struct {
				Message string `json:"message"`
			}{"method " + r.Method + " is not allowed on " + r.URL.Path + " (allowed: GET, HEAD)"})
			_, _ = w.Write(append(msg, '\n'))
			return
		}
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(document)))
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(document)
		}
	})
}
