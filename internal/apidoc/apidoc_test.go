package apidoc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/roster-dev/roster/internal/apidoc"
)

// seedCopy is Panther's merged OpenAPI document, kept in testdata so that
// the test runs in any clone. sharedSeed is the project's source of truth,
// in the shared/ directory beside the clone where there is one (CI always
// has it); TestSeedCopyIsCurrent keeps the two identical.
const (
	seedCopy   = "testdata/panther-users.openapi.json"
	sharedSeed = "../../../shared/spec/panther-users.openapi.json"
)

// load parses and validates an OpenAPI document.
func load(t *testing.T, data []byte, what string) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatalf("loading %s: %v", what, err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("validating %s: %v", what, err)
	}
	return doc
}

func ours(t *testing.T) *openapi3.T { return load(t, apidoc.Document(), "our OpenAPI document") }

func seed(t *testing.T) *openapi3.T {
	t.Helper()
	data, err := os.ReadFile(seedCopy)
	if err != nil {
		t.Fatalf("reading the seed document: %v", err)
	}
	return load(t, data, "the seed document "+seedCopy)
}

func TestSeedCopyIsCurrent(t *testing.T) {
	shared, err := os.ReadFile(sharedSeed)
	if errors.Is(err, fs.ErrNotExist) {
		abs, _ := filepath.Abs(sharedSeed)
		t.Skipf("no shared/ beside this clone (%s): comparing with the testdata copy only", abs)
	}
	if err != nil {
		t.Fatal(err)
	}
	copied, err := os.ReadFile(seedCopy)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shared, copied) {
		t.Errorf("%s differs from %s: copy the new seed into testdata", seedCopy, sharedSeed)
	}
}

func TestDocumentLoadsAndValidates(t *testing.T) {
	doc := ours(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	if doc.Info.Title != "Roster" || doc.Info.Version == "" {
		t.Errorf("info = %q %q, want title Roster and a version", doc.Info.Title, doc.Info.Version)
	}
	want := map[string][]string{
		"/users":        {"GET", "POST"},
		"/users/{id}":   {"DELETE", "GET", "POST"},
		"/roles":        {"GET", "POST"},
		"/roles/{id}":   {"DELETE", "GET", "POST"},
		"/healthz":      {"GET"},
		"/readyz":       {"GET"},
		"/metrics":      {"GET"},
		"/openapi.json": {"GET"},
		"/docs":         {"GET"},

		"/docs/redoc.standalone.js": {"GET"},

		"/api/v1/users":                      {"GET", "POST"},
		"/api/v1/users/{userId}":             {"DELETE", "GET", "PUT"},
		"/api/v1/users/bulk-delete":          {"POST"},
		"/api/v1/users/self":                 {"GET"},
		"/api/v1/users/self/update":          {"PUT"},
		"/api/v1/users/self/update-password": {"POST"},
		"/api/v1/users/self/reset-password":  {"POST"},
		"/api/v1/groups":                     {"GET", "POST"},
		"/api/v1/groups/{groupId}":           {"DELETE", "GET", "PUT"},
		"/api/v1/groups/bulk-delete":         {"DELETE"},
		"/api/v1/audit":                      {"GET"},
		"/oauth/token":                       {"POST"},
	}
	got := map[string][]string{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			got[path] = append(got[path], method)
		}
		slices.Sort(got[path])
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("operations = %v, want %v", got, want)
	}
	for _, at := range []struct{ method, path string }{
		{"GET", "/healthz"}, {"GET", "/openapi.json"}, {"POST", "/oauth/token"},
	} {
		if sec := doc.Paths.Value(at.path).GetOperation(at.method).Security; sec == nil || len(*sec) != 0 {
			t.Errorf("%s %s: security = %v, want [] (no authentication)", at.method, at.path, sec)
		}
	}
	for path, item := range doc.Paths.Map() {
		panther := path == "/users" || path == "/roles" ||
			strings.HasPrefix(path, "/users/") || strings.HasPrefix(path, "/roles/")
		aam := strings.HasPrefix(path, "/api/v1/")
		for method, op := range item.Operations() {
			if panther && op.Responses.Status(http.StatusConflict) != nil {
				t.Errorf("%s %s declares a 409; the Panther dialect answers conflicts with 400", method, path)
			}
			if aam {
				checkAAMOperation(t, method, path, op)
			}
		}
	}
}

// checkAAMOperation holds an Audience Manager operation to what the
// dialect's plumbing does on every route: a bearer token or an API key,
// 401 and 403 from authentication, and 413 and 415 from reading a body.
func checkAAMOperation(t *testing.T, method, path string, op *openapi3.Operation) {
	t.Helper()
	want := openapi3.SecurityRequirements{{"BearerAuth": {}}, {"ApiKeyAuth": {}}}
	if op.Security == nil || !reflect.DeepEqual(*op.Security, want) {
		t.Errorf("%s %s: security = %v, want %v", method, path, op.Security, want)
	}
	codes := []int{http.StatusUnauthorized, http.StatusForbidden}
	if op.RequestBody != nil {
		codes = append(codes, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	}
	for _, code := range codes {
		if op.Responses.Status(code) == nil {
			t.Errorf("%s %s does not declare %d", method, path, code)
		}
	}
}

// TestSameAsSeed holds our document to Panther's for everything the seed
// declares: paths, methods, parameters, request bodies, statuses and
// schemas. Ours may add (statuses, descriptions, paths), never change.
func TestSameAsSeed(t *testing.T) {
	theirs, ours := seed(t), ours(t)

	for path, item := range theirs.Paths.Map() {
		mine := ours.Paths.Value(path)
		if mine == nil {
			t.Errorf("path %s of the seed is missing", path)
			continue
		}
		for method, op := range item.Operations() {
			myOp := mine.GetOperation(method)
			if myOp == nil {
				t.Errorf("%s %s of the seed is missing", method, path)
				continue
			}
			at := method + " " + path
			compareParameters(t, at, append(item.Parameters, op.Parameters...), append(mine.Parameters, myOp.Parameters...))
			compareRequestBody(t, at, op.RequestBody, myOp.RequestBody)
			for code, resp := range op.Responses.Map() {
				myResp := myOp.Responses.Value(code)
				if myResp == nil {
					t.Errorf("%s: status %s of the seed is missing", at, code)
					continue
				}
				if got, want := contentRefs(myResp.Value.Content), contentRefs(resp.Value.Content); !reflect.DeepEqual(got, want) {
					t.Errorf("%s %s: content = %v, want %v", at, code, got, want)
				}
			}
		}
	}

	for name, s := range theirs.Components.Schemas {
		mine := ours.Components.Schemas[name]
		if mine == nil {
			t.Errorf("schema %s of the seed is missing", name)
			continue
		}
		if got, want := describe(mine), describe(s); got != want {
			t.Errorf("schema %s:\n got %s\nwant %s", name, got, want)
		}
		if got, want := sorted(mine.Value.Required), sorted(s.Value.Required); !slices.Equal(got, want) {
			t.Errorf("schema %s: required = %v, want %v", name, got, want)
		}
		for prop, ps := range s.Value.Properties {
			mp := mine.Value.Properties[prop]
			if mp == nil {
				continue // reported with the property names
			}
			if got, want := schemaShape(mp), schemaShape(ps); got != want {
				t.Errorf("schema %s, property %s: %s, want %s", name, prop, got, want)
			}
		}
	}

	for name, s := range theirs.Components.SecuritySchemes {
		mine := ours.Components.SecuritySchemes[name]
		if mine == nil {
			t.Errorf("security scheme %s of the seed is missing", name)
			continue
		}
		if mine.Value.Type != s.Value.Type || mine.Value.In != s.Value.In || mine.Value.Name != s.Value.Name {
			t.Errorf("security scheme %s = %s in %s named %s, want %s in %s named %s", name,
				mine.Value.Type, mine.Value.In, mine.Value.Name, s.Value.Type, s.Value.In, s.Value.Name)
		}
	}
	if !reflect.DeepEqual(ours.Security, theirs.Security) {
		t.Errorf("global security = %v, want %v", ours.Security, theirs.Security)
	}
}

// compareParameters requires the same set of parameters, each with the
// same location, flags and schema.
func compareParameters(t *testing.T, at string, want, got openapi3.Parameters) {
	t.Helper()
	index := func(ps openapi3.Parameters) map[string]string {
		m := map[string]string{}
		for _, p := range ps {
			v := p.Value
			m[v.In+" "+v.Name] = fmt.Sprintf("required=%t allowEmptyValue=%t schema=%s",
				v.Required, v.AllowEmptyValue, schemaShape(v.Schema))
		}
		return m
	}
	w, g := index(want), index(got)
	for key, ws := range w {
		gs, ok := g[key]
		switch {
		case !ok:
			t.Errorf("%s: parameter %s of the seed is missing", at, key)
		case gs != ws:
			t.Errorf("%s: parameter %s:\n got %s\nwant %s", at, key, gs, ws)
		}
	}
	for key := range g {
		if _, ok := w[key]; !ok {
			t.Errorf("%s: parameter %s is not in the seed", at, key)
		}
	}
}

func compareRequestBody(t *testing.T, at string, want, got *openapi3.RequestBodyRef) {
	t.Helper()
	switch {
	case want == nil && got == nil:
		return
	case want == nil:
		t.Errorf("%s: has a request body, the seed has none", at)
		return
	case got == nil:
		t.Errorf("%s: has no request body, the seed has one", at)
		return
	}
	if got.Value.Required != want.Value.Required {
		t.Errorf("%s: request body required = %t, want %t", at, got.Value.Required, want.Value.Required)
	}
	if g, w := contentRefs(got.Value.Content), contentRefs(want.Value.Content); !reflect.DeepEqual(g, w) {
		t.Errorf("%s: request body = %v, want %v", at, g, w)
	}
}

// contentRefs maps each media type to its schema's $ref (or, for an inline
// schema, its shape).
func contentRefs(c openapi3.Content) map[string]string {
	m := map[string]string{}
	for mt, media := range c {
		m[mt] = schemaShape(media.Schema)
	}
	return m
}

// schemaShape describes what a schema accepts, as far as the seed pins it
// down: the $ref name if it is one, else type, format, bounds, default and
// item shape. Descriptions are not part of it.
func schemaShape(s *openapi3.SchemaRef) string {
	switch {
	case s == nil:
		return "none"
	case s.Ref != "":
		return "$ref " + s.Ref
	case s.Value == nil:
		return "unresolved"
	}
	v := s.Value
	var b strings.Builder
	fmt.Fprintf(&b, "type=%v", v.Type.Slice())
	if v.Format != "" {
		fmt.Fprintf(&b, " format=%s", v.Format)
	}
	if v.Min != nil {
		fmt.Fprintf(&b, " min=%v", *v.Min)
	}
	if v.Max != nil {
		fmt.Fprintf(&b, " max=%v", *v.Max)
	}
	if v.Default != nil {
		fmt.Fprintf(&b, " default=%v", v.Default)
	}
	if len(v.Enum) > 0 {
		fmt.Fprintf(&b, " enum=%v", v.Enum)
	}
	if v.Items != nil {
		fmt.Fprintf(&b, " items=(%s)", schemaShape(v.Items))
	}
	return b.String()
}

// describe gives a schema's type and the names of its properties; their
// shapes are compared one by one.
func describe(s *openapi3.SchemaRef) string {
	props := make([]string, 0, len(s.Value.Properties))
	for name := range s.Value.Properties {
		props = append(props, name)
	}
	sort.Strings(props)
	return fmt.Sprintf("type=%v properties=%v", s.Value.Type.Slice(), props)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestDocumentIsACopy(t *testing.T) {
	a := apidoc.Document()
	a[0] = 'x'
	if b := apidoc.Document(); b[0] != '{' {
		t.Fatalf("Document shares its bytes: modifying one result changed the next")
	}
}

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(apidoc.Handler())
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	err = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("GET: body is not JSON: %v", err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("GET: %d %q, want 200 application/json", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if doc["openapi"] != "3.0.3" {
		t.Errorf("GET: openapi = %v, want 3.0.3", doc["openapi"])
	}

	resp, err = http.Post(srv.URL+"/openapi.json", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	var e struct{ Message string }
	err = json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || err != nil || e.Message == "" || resp.Header.Get("Allow") == "" {
		t.Errorf("POST: %d, message %q (%v), Allow %q; want 405 with a message and Allow",
			resp.StatusCode, e.Message, err, resp.Header.Get("Allow"))
	}
}
