// Package apidoctest checks, in tests, that Roster's HTTP answers are the
// ones its OpenAPI document (package apidoc) promises.
//
// A test that exercises the API hands each exchange to Check:
//
//	resp, err := http.DefaultClient.Do(req)
//	...
//	body, _ := io.ReadAll(resp.Body)
//	apidoctest.Check(t, req, resp, body)
//
// Check validates the answer only. The request is used to find the
// operation (by method and path, ignoring the host) and is never
// validated itself, since tests send malformed requests on purpose. The
// Audience Manager dialect's other spellings of a path (under /v1, with a
// trailing slash, /self/update and /self/reset-password) are checked
// against the operation the document lists under /api/v1.
package apidoctest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/roster-dev/roster/internal/apidoc"
)

// The document and its router, built once for the whole test binary.
var (
	loadOnce sync.Once
	router   routers.Router
	loadErr  error
)

// options make every undeclared status an error; authentication is not
// the document's business here (requests are not validated).
var options = &openapi3filter.Options{
	IncludeResponseStatus: true,
	MultiError:            true,
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
}

// load parses and validates apidoc.Document and builds a router over it.
// The servers are dropped so that a route matches on any host (tests run
// on httptest's random ports).
func load() {
	// The document's only non-JSON answers are text: /metrics, /docs and
	// its script. kin-openapi decodes text/plain itself; the others are
	// held to their string schema the same way.
	for _, ct := range []string{"text/html", "text/javascript"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromData(apidoc.Document())
	if err != nil {
		loadErr = fmt.Errorf("loading the OpenAPI document: %w", err)
		return
	}
	if err := doc.Validate(ctx); err != nil {
		loadErr = fmt.Errorf("the OpenAPI document is invalid: %w", err)
		return
	}
	doc.Servers = nil
	router, err = gorillamux.NewRouter(doc)
	if err != nil {
		loadErr = fmt.Errorf("routing the OpenAPI document: %w", err)
	}
}

// Check validates one exchange; it fails t (t.Errorf) if the route is not
// in the document, if the status is not declared for the operation, or if
// the body does not match the schema. body is the already-read response
// body.
//
// A request whose path, or whose method on a known path, is not in the
// document (GET /nope, PUT /users) cannot be held to an operation; for
// those Check only requires what every answer of the API is: a JSON object
// with a string "message". Whether the status is right (404, 405) is left
// to the caller's own assertions.
//
// Where the document declares no body for a status (DELETE's 200), the
// body must be empty. A HEAD request is checked against its GET operation:
// status only, with an empty body.
//
// Check may be called from parallel tests. It calls t.Fatalf only if the
// document itself cannot be loaded.
func Check(t testing.TB, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	loadOnce.Do(load)
	if loadErr != nil {
		t.Fatalf("apidoctest: %v", loadErr)
		return
	}
	what := fmt.Sprintf("%s %s → %d", req.Method, req.URL.RequestURI(), resp.StatusCode)

	route, params, err := router.FindRoute(lookupRequest(req))
	switch {
	case errors.Is(err, routers.ErrPathNotFound), errors.Is(err, routers.ErrMethodNotAllowed):
		checkUnrouted(t, what, body)
		return
	case err != nil:
		t.Errorf("%s: finding the operation in the OpenAPI document: %v", what, err)
		return
	}

	declared := route.Operation.Responses.Status(resp.StatusCode)
	if declared == nil {
		declared = route.Operation.Responses.Default()
	}
	if declared == nil || declared.Value == nil {
		t.Errorf("%s: status %d is not declared for %s %s in the OpenAPI document; body: %s",
			what, resp.StatusCode, route.Method, route.Path, excerpt(body))
		return
	}
	if req.Method == http.MethodHead || len(declared.Value.Content) == 0 {
		if len(body) != 0 {
			t.Errorf("%s: the OpenAPI document declares no body here, but the answer has %d bytes: %s",
				what, len(body), excerpt(body))
		}
		return
	}

	header := resp.Header
	if header == nil {
		header = http.Header{}
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: params,
			Route:      route,
			Options:    options,
		},
		Status:  resp.StatusCode,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: options,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		t.Errorf("%s: the answer does not match the OpenAPI document (%s %s): %v\nbody: %s",
			what, route.Method, route.Path, err, excerpt(body))
	}
}

// lookupRequest returns the request to find req's operation with: a HEAD
// as its GET, and a path the Audience Manager dialect also answers under
// another spelling as the one path the document lists. req itself is left
// as it is; a changed request is a clone.
func lookupRequest(req *http.Request) *http.Request {
	path := documentedPath(req.URL.Path)
	if req.Method != http.MethodHead && path == req.URL.Path {
		return req
	}
	lookup := req.Clone(req.Context())
	if req.Method == http.MethodHead {
		lookup.Method = http.MethodGet
	}
	if path != req.URL.Path {
		lookup.URL.Path, lookup.URL.RawPath = path, ""
	}
	return lookup
}

// selfAliases are the shorter spellings of two self operations that
// Audience Manager's documentation uses and the dialect also serves.
var selfAliases = map[string]string{
	"/api/v1/self/update":         "/api/v1/users/self/update",
	"/api/v1/self/reset-password": "/api/v1/users/self/reset-password",
}

// documentedPath maps a path of the Audience Manager dialect to the path
// the document lists for it: /v1/… is /api/v1/…, one trailing slash is
// dropped, and the self aliases are their /users/self/… forms. Other
// paths, the Panther dialect's included (where /users/ is no route), are
// returned as they are.
func documentedPath(p string) string {
	if strings.HasPrefix(p, "/v1/") {
		p = "/api" + p
	}
	if !strings.HasPrefix(p, "/api/v1/") {
		return p
	}
	p = strings.TrimSuffix(p, "/")
	if alias, ok := selfAliases[p]; ok {
		p = alias
	}
	return p
}

// checkUnrouted holds an answer outside the document to the API's error
// envelope: a JSON object with a string message.
func checkUnrouted(t testing.TB, what string, body []byte) {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil || v == nil {
		t.Errorf("%s: the route is not in the OpenAPI document, and the body is not a JSON object: %s",
			what, excerpt(body))
		return
	}
	if _, ok := v["message"].(string); !ok {
		t.Errorf("%s: the route is not in the OpenAPI document, and the body has no string \"message\": %s",
			what, excerpt(body))
	}
}

// excerpt shortens a body for an error message.
func excerpt(body []byte) string {
	const limit = 512
	if len(body) == 0 {
		return "(empty)"
	}
	if len(body) > limit {
		return fmt.Sprintf("%s… (%d bytes)", body[:limit], len(body))
	}
	return string(body)
}
