package httpapi

import "net/http"

// securityHeaders are set on every answer. The API serves JSON to programs,
// never pages to browsers, so the strictest values cost nothing: nothing
// may be framed, sniffed, cached (answers carry personal data) or load
// anything.
var securityHeaders = [][2]string{
	{"X-Content-Type-Options", "nosniff"},
	{"Cache-Control", "no-store"},
	{"X-Frame-Options", "DENY"},
	{"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
	{"Referrer-Policy", "no-referrer"},
}

// hsts is sent only over TLS: browsers ignore it on plain HTTP (RFC 6797,
// 8.1), and a plain listener is usually behind a proxy that sets its own.
const hsts = "max-age=63072000; includeSubDomains"

// SecurityHeaders sets Roster's security headers on every answer before
// next runs, so that they are on errors, 404s and 405s too. A handler
// that needs another value (an HTML page with a looser
// Content-Security-Policy) sets its own before it writes: it replaces
// ours.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for _, kv := range securityHeaders {
			h.Set(kv[0], kv[1])
		}
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", hsts)
		}
		next.ServeHTTP(w, r)
	})
}
