package apidoc

import (
	_ "embed"
	"net/http"
	"strconv"
)

// redoc is Redoc's standalone bundle (npm package redoc, the version
// docs/package-lock.json pins), committed and embedded so that /docs works
// with no network at run time and building Roster needs no npm. docs/gen.sh
// refreshes it.
//
//go:generate sh docs/gen.sh
//go:embed docs/redoc.standalone.js
var redoc []byte

// ScriptPath is where DocsHandler's page loads Redoc from.
const ScriptPath = "/docs/redoc.standalone.js"

// docsPage renders /openapi.json with Redoc. Everything it loads comes
// from the same origin; no web fonts are asked for, so the page falls back
// to the system's.
const docsPage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Roster API</title>
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<script src="` + ScriptPath + `"></script>
</body>
</html>
`

// docsCSP is the page's Content-Security-Policy, in place of the strict one
// every other answer carries: nothing from another origin, and only what
// Redoc needs from its own. Redoc (styled-components) writes <style>
// elements at run time, hence 'unsafe-inline' for styles only; its search
// index runs in a Worker made from a blob: URL; its icons are data: URLs.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// DocsHandler serves the API's documentation as a readable page at /docs
// and the renderer's script at ScriptPath. Mount it on both paths.
func DocsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if r.URL.Path == ScriptPath {
			h.Set("Content-Type", "text/javascript; charset=utf-8")
			h.Set("Content-Length", strconv.Itoa(len(redoc)))
			h.Set("Cache-Control", "public, max-age=3600")
			h.Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(http.StatusOK)
			if r.Method != http.MethodHead {
				_, _ = w.Write(redoc)
			}
			return
		}
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", docsCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write([]byte(docsPage))
		}
	})
}
