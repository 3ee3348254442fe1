package httpapi

import (
	"net/http"
	"slices"
)

// Mux is an http.ServeMux that remembers the patterns registered on it, so
// that the server's routes can be enumerated (the authorization matrix test
// checks every one of them) without a hand-kept list beside the Mount
// functions. Routing is http.ServeMux's, unchanged.
type Mux struct {
	mux      http.ServeMux
	patterns []string
}

// NewMux returns an empty Mux.
func NewMux() *Mux { return &Mux{} }

// Handle registers h for pattern, as http.ServeMux.Handle does (and panics
// as it does on a bad or conflicting pattern).
func (m *Mux) Handle(pattern string, h http.Handler) {
	m.mux.Handle(pattern, h)
	m.patterns = append(m.patterns, pattern)
}

// HandleFunc registers f for pattern, as http.ServeMux.HandleFunc does.
func (m *Mux) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(f))
}

// ServeHTTP dispatches r to the handler whose pattern matches it.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mux.ServeHTTP(w, r)
}

// Routes returns every pattern registered, in the order of registration.
func (m *Mux) Routes() []string { return slices.Clone(m.patterns) }
