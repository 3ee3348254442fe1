package service

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"slices"
	"strconv"

	"github.com/roster-dev/roster/internal/roster"
)

// MaxPageSize is the largest page a list returns, Panther's limit.
const MaxPageSize = 60

// maxIDsPerQuery bounds an id set in one list request.
const maxIDsPerQuery = 500

// UserQuery asks for one page of users. Cursor, when set, continues a
// previous page of the same query.
type UserQuery struct {
	Filter roster.UserFilter // AfterID and Limit are ignored: Cursor and Limit rule
	Cursor string
	Limit  int // 1..MaxPageSize; 0 means MaxPageSize
}

// UserPage is one page of users. Next is the cursor of the following page,
// "" on the last one.
type UserPage struct {
	Users []roster.User
	Next  string
}

// Users lists one page of the actor's partner's users in ascending id
// order. Pages are cut by id (keyset), so a cursor stays valid and skips
// nothing that existed when it was made, whatever is inserted or deleted
// meanwhile.
func (s *Service) Users(ctx context.Context, a Actor, q UserQuery) (UserPage, error) {
	if err := require(a, roster.PermUserRead); err != nil {
		return UserPage{}, err
	}
	f := q.Filter
	if f.Email != "" {
		// Panther: "If provided all other parameters are ignored".
		users, err := s.store.Users(ctx, a.PartnerID, roster.UserFilter{Email: f.Email, Limit: 1})
		return UserPage{Users: users}, err
	}
	if err := checkFilter(f); err != nil {
		return UserPage{}, err
	}
	if q.Limit == 0 {
		q.Limit = MaxPageSize
	}
	if q.Limit < 1 || q.Limit > MaxPageSize {
		return UserPage{}, roster.Errorf(roster.EInvalid, "limit must be between 1 and %d", MaxPageSize)
	}
	f.AfterID, f.Limit = 0, q.Limit+1
	key, err := s.cursorSecret(ctx)
	if err != nil {
		return UserPage{}, err
	}
	fp := fingerprint(f)
	if q.Cursor != "" {
		if f.AfterID, err = openCursor(key, q.Cursor, fp); err != nil {
			return UserPage{}, err
		}
	}
	users, err := s.store.Users(ctx, a.PartnerID, f)
	if err != nil {
		return UserPage{}, err
	}
	page := UserPage{Users: users}
	if len(users) > q.Limit {
		page.Users = users[:q.Limit]
		page.Next = sealCursor(key, page.Users[q.Limit-1].ID, fp)
	}
	return page, nil
}

// A cursor is base64url(version | afterID | filter fingerprint | MAC). The
// MAC, keyed by a secret kept in the database (so every node can check
// every other node's cursors), makes a tampered cursor detectable; the
// fingerprint ties it to the filter it was made for.
const (
	cursorVersion = 1
	cursorFPLen   = 8
	cursorMACLen  = 16
	cursorLen     = 1 + 8 + cursorFPLen + cursorMACLen
)

var errBadCursor = roster.Errorf(roster.EInvalid, "cursor is not valid: pass the next value of the previous page of the same query unchanged")

func sealCursor(key []byte, afterID int64, fp []byte) string {
	b := make([]byte, 0, cursorLen)
	b = append(b, cursorVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(afterID))
	b = append(b, fp...)
	b = append(b, cursorMAC(key, b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func openCursor(key []byte, c string, fp []byte) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) != cursorLen || b[0] != cursorVersion {
		return 0, errBadCursor
	}
	body, mac := b[:cursorLen-cursorMACLen], b[cursorLen-cursorMACLen:]
	if !hmac.Equal(mac, cursorMAC(key, body)) {
		return 0, errBadCursor
	}
	if !hmac.Equal(body[9:], fp) {
		return 0, roster.Errorf(roster.EInvalid, "cursor belongs to a different query: keep the filters of the page it came from")
	}
	id := int64(binary.BigEndian.Uint64(body[1:9]))
	if id < 0 {
		return 0, errBadCursor
	}
	return id, nil
}

func cursorMAC(key, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return m.Sum(nil)[:cursorMACLen]
}

// fingerprint digests the filter fields that shape a result set.
func fingerprint(f roster.UserFilter) []byte {
	h := sha256.New()
	ids := slices.Clone(f.IDs)
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		h.Write(strconv.AppendInt(nil, id, 10))
		h.Write([]byte{','})
	}
	h.Write([]byte{0})
	h.Write([]byte(f.Contains))
	h.Write([]byte{0})
	h.Write([]byte(f.SignIn))
	h.Write([]byte{0})
	h.Write([]byte(strconv.FormatBool(f.IncludeInactive)))
	return h.Sum(nil)[:cursorFPLen]
}

// cursorSecret loads (creating on first use) the installation's cursor key.
func (s *Service) cursorSecret(ctx context.Context) ([]byte, error) {
	s.cursorMu.Lock()
	defer s.cursorMu.Unlock()
	if s.cursorKey != nil {
		return s.cursorKey, nil
	}
	key, err := s.store.Secret(ctx, "cursor-hmac", func() ([]byte, error) { return randomBytes(32), nil })
	if err != nil {
		return nil, err
	}
	s.cursorKey = key
	return key, nil
}

// maxSearchLen bounds a search string; no name or e-mail is longer.
const maxSearchLen = 256

// checkFilter bounds the parts of a user filter a client controls.
func checkFilter(f roster.UserFilter) error {
	if len(f.IDs) > maxIDsPerQuery || len(f.GroupIDs) > maxIDsPerQuery {
		return roster.Errorf(roster.EInvalid, "at most %d ids may be asked for at once", maxIDsPerQuery)
	}
	if len(f.Search) > maxSearchLen || len(f.Contains) > maxSearchLen {
		return roster.Errorf(roster.EInvalid, "a search string may be at most %d bytes", maxSearchLen)
	}
	return nil
}

// FindUsers returns the actor's partner's users matching f, in f's order,
// from f.Offset for f.Limit, and how many match in all.
func (s *Service) FindUsers(ctx context.Context, a Actor, f roster.UserFilter) ([]roster.User, int, error) {
	if err := require(a, roster.PermUserRead); err != nil {
		return nil, 0, err
	}
	if err := checkFilter(f); err != nil {
		return nil, 0, err
	}
	users, err := s.store.Users(ctx, a.PartnerID, f)
	if err != nil {
		return nil, 0, err
	}
	total, err := s.store.CountUsers(ctx, a.PartnerID, f)
	return users, total, err
}

// EachUser calls fn for every user of the actor's partner matching f,
// without holding them all in memory.
func (s *Service) EachUser(ctx context.Context, a Actor, f roster.UserFilter, fn func(roster.User) error) error {
	if err := require(a, roster.PermUserRead); err != nil {
		return err
	}
	if err := checkFilter(f); err != nil {
		return err
	}
	return s.store.EachUser(ctx, a.PartnerID, f, fn)
}
