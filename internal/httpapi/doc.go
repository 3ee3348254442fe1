// Package httpapi is the HTTP plumbing both REST dialects share: handlers
// that return an error and one adapter that writes it, JSON decoding with
// limits, strict query parsing, middleware, and the server's lifecycle.
//
// It knows no dialect's routes or wire structs (those live in
// httpapi/panther and, later, httpapi/aam) and nothing of storage.
package httpapi
