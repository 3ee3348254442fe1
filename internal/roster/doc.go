// Package roster is Roster's domain: the users, partners, roles and API keys
// that every other package speaks about, the Store interface that persists
// them, and the error codes shared by every layer.
//
// It imports only the standard library. It knows nothing of HTTP, SQL, JSON
// or either REST dialect: each dialect owns its wire format and translates to
// and from these types at the edge.
package roster
