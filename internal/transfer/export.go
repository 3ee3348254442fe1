package transfer

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"slices"

	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
)

// ExportOptions configure Export.
type ExportOptions struct {
	Format Format
	// NoHashes leaves password hashes out; the users then import without
	// a password, to be invited.
	NoHashes bool
}

// exportColumns are the exported fields, in Audience Manager's names (the
// richer dialect: username, title, phone, status and groups), with
// Panther's role (a name, which keeps custom roles that isAdmin would
// flatten) and passwordHash. Groups are written by name, not id, so that
// the file imports into another database, creating the groups it names.
var exportColumns = []string{"email", "username", "firstName", "lastName", "title", "phoneNumber",
	"status", "role", "groups", "passwordHash"}

// exportUser is one JSON line.
type exportUser struct {
	Email        string   `json:"email"`
	Username     string   `json:"username"`
	FirstName    string   `json:"firstName"`
	LastName     string   `json:"lastName"`
	Title        *string  `json:"title,omitempty"`
	PhoneNumber  *string  `json:"phoneNumber,omitempty"`
	Status       string   `json:"status"`
	Role         string   `json:"role"`
	Groups       []string `json:"groups"`
	PasswordHash string   `json:"passwordHash,omitempty"`
}

// Export writes every user of the actor's partner (inactive and locked
// ones too) to w, streaming: memory stays flat however many there are. It
// returns how many it wrote.
func Export(ctx context.Context, svc *service.Service, a service.Actor, w io.Writer, opt ExportOptions) (int, error) {
	names, err := groupNames(ctx, svc, a)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := newEncoder(bw, opt.Format)
	if err := enc.header(); err != nil {
		return 0, err
	}
	n := 0
	err = svc.EachUser(ctx, a, roster.UserFilter{IncludeInactive: true}, func(u roster.User) error {
		n++
		return enc.user(toExport(u, names, opt.NoHashes))
	})
	if err != nil {
		return n, err
	}
	if err := enc.flush(); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// groupNames maps the partner's group ids to their names.
func groupNames(ctx context.Context, svc *service.Service, a service.Actor) (map[int64]string, error) {
	gs, _, err := svc.Groups(ctx, a, roster.GroupFilter{})
	names := make(map[int64]string, len(gs))
	for _, g := range gs {
		names[g.ID] = g.Name
	}
	return names, err
}

// toExport translates a user into the exported fields.
func toExport(u roster.User, groups map[int64]string, noHashes bool) exportUser {
	e := exportUser{Email: u.Email, Username: u.Username, FirstName: u.GivenName, LastName: u.FamilyName,
		Title: u.Title, PhoneNumber: u.Phone, Status: string(u.State), Role: u.Role.Name, Groups: []string{}}
	for _, id := range u.Groups {
		e.Groups = append(e.Groups, groups[id])
	}
	slices.Sort(e.Groups) // by name, not by this database's ids
	// A temporary (generated) password is not moved: it expires within a
	// day and was mailed to the user; they are invited again instead.
	if !noHashes && service.CheckPasswordHash(u.PasswordHash) == nil {
		e.PasswordHash = u.PasswordHash
	}
	return e
}

// encoder writes users in one format.
type encoder interface {
	header() error
	user(exportUser) error
	flush() error
}

// newEncoder returns the encoder of format f.
func newEncoder(w io.Writer, f Format) encoder {
	if f == CSV {
		return &csvEncoder{w: csv.NewWriter(w)}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return jsonlEncoder{enc}
}

type csvEncoder struct {
	w   *csv.Writer
	rec []string
}

func (c *csvEncoder) header() error { return c.w.Write(exportColumns) }

func (c *csvEncoder) user(e exportUser) error {
	groups := ""
	if len(e.Groups) > 0 {
		// A JSON array, so that any name, even one with ";" or of digits,
		// reads back as itself.
		b, err := json.Marshal(e.Groups)
		if err != nil {
			return err
		}
		groups = string(b)
	}
	c.rec = append(c.rec[:0], e.Email, e.Username, e.FirstName, e.LastName, deref(e.Title), deref(e.PhoneNumber),
		e.Status, e.Role, groups, e.PasswordHash)
	return c.w.Write(c.rec)
}

func (c *csvEncoder) flush() error {
	c.w.Flush()
	return c.w.Error()
}

type jsonlEncoder struct{ enc *json.Encoder }

func (j jsonlEncoder) header() error           { return nil }
func (j jsonlEncoder) user(e exportUser) error { return j.enc.Encode(e) }
func (j jsonlEncoder) flush() error            { return nil }

// deref is an optional string's value, "" for none: CSV has no null, and
// an empty cell reads back as "not given".
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
