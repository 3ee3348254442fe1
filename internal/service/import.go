package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/roster-dev/roster/internal/roster"
)

// ImportUser is one user of a bulk import, in the one user model: the
// file's dialect has been translated already.
type ImportUser struct {
	Email      string
	Username   string // "" means the e-mail
	GivenName  string
	FamilyName string
	Title      *string
	Phone      *string
	Role       RoleRef // by id or name; neither given means IsAdmin decides
	// IsAdmin, when set without Role, gives Admin (true) or Analyst (false),
	// as Audience Manager's isAdmin does; with Role the two must agree.
	IsAdmin *bool
	Groups  []GroupRef
	State   roster.AccountState // "" means ACTIVE
	// PasswordHash is a hash from another system (see CheckPasswordHash),
	// or "": such a user has no password until an admin invites them.
	PasswordHash string
}

// GroupRef names a group by id or by name.
type GroupRef struct {
	ID   int64
	Name string
}

// ImportOutcome says what Write did with one user.
type ImportOutcome int

// The outcomes of one imported user.
const (
	ImportCreated   ImportOutcome = iota // a new user
	ImportUnchanged                      // the e-mail exists and every field is equal
	ImportDiffers                        // the e-mail exists with other fields: left alone
	ImportConflict                       // the username or e-mail is another user's login
)

// maxImportNewGroups bounds the groups one import may create by name.
const maxImportNewGroups = 1000

// Importer checks and writes the users of a bulk import into one partner.
// It holds the partner's roles and groups, so that Check needs no query.
// Imported users get no invitation: an import moves people who already
// have accounts elsewhere, often by the thousand, and mail to all of them
// is a separate decision an admin makes.
type Importer struct {
	s          *Service
	a          Actor
	roles      []roster.Role
	groupIDs   map[int64]bool
	groupNames map[string]int64 // lower-cased name → id
	newGroups  map[string]string
}

// NewImporter prepares an import into the actor's partner.
func (s *Service) NewImporter(ctx context.Context, a Actor) (*Importer, error) {
	if err := require(a, roster.PermUserModify); err != nil {
		return nil, err
	}
	roles, err := s.store.Roles(ctx, a.PartnerID, roster.RoleFilter{})
	if err != nil {
		return nil, err
	}
	im := &Importer{s: s, a: a, roles: roles, groupIDs: map[int64]bool{},
		groupNames: map[string]int64{}, newGroups: map[string]string{}}
	err = s.eachGroup(ctx, a.PartnerID, func(g roster.Group) {
		im.groupIDs[g.ID] = true
		im.groupNames[strings.ToLower(g.Name)] = g.ID
	})
	return im, err
}

// eachGroup calls fn for every group of the partner.
func (s *Service) eachGroup(ctx context.Context, partnerID int64, fn func(roster.Group)) error {
	gs, err := s.store.Groups(ctx, partnerID, roster.GroupFilter{})
	for _, g := range gs {
		fn(g)
	}
	return err
}

// Check normalises in (trims, defaults) and validates it with the rules of
// CreateUser, without touching the database: the role must exist, group
// ids must exist, and group names that do not exist are noted for
// CreateGroups. It returns an EInvalid error that says what is wrong.
func (im *Importer) Check(in *ImportUser) error {
	_, err := im.user(in)
	return err
}

// user turns in into the user it would create, resolving names to ids;
// group names not yet created resolve to 0 and are noted.
func (im *Importer) user(in *ImportUser) (roster.User, error) {
	in.Email, in.Username = strings.TrimSpace(in.Email), strings.TrimSpace(in.Username)
	in.GivenName, in.FamilyName = strings.TrimSpace(in.GivenName), strings.TrimSpace(in.FamilyName)
	in.Username = cmp.Or(in.Username, in.Email)
	in.State = cmp.Or(in.State, roster.StateActive)
	u := roster.User{PartnerID: im.a.PartnerID, Email: in.Email, Username: in.Username,
		GivenName: in.GivenName, FamilyName: in.FamilyName, Title: in.Title, Phone: in.Phone,
		State: in.State, PasswordHash: in.PasswordHash, SignIn: roster.SignInConfirmed}
	if err := validateUser(&u); err != nil {
		return u, err
	}
	if err := checkState(u.State); err != nil {
		return u, err
	}
	if in.PasswordHash != "" {
		if err := CheckPasswordHash(in.PasswordHash); err != nil {
			return u, err
		}
	} else {
		u.SignIn = roster.SignInForceChange // no password yet: an admin invites them
	}
	role, err := im.role(in)
	if err != nil {
		return u, err
	}
	u.Role = role
	if len(in.Groups) > maxGroupsPerUser {
		return u, roster.Errorf(roster.EInvalid, "a user may be in at most %d groups", maxGroupsPerUser)
	}
	for _, g := range in.Groups {
		id, err := im.group(g)
		if err != nil {
			return u, err
		}
		u.Groups = append(u.Groups, id)
	}
	u.Groups = dedupe(u.Groups)
	return u, nil
}

// role resolves in's role from the roles loaded at the start.
func (im *Importer) role(in *ImportUser) (roster.Role, error) {
	ref := in.Role
	ref.Name = strings.TrimSpace(ref.Name)
	if ref.ID == 0 && ref.Name == "" {
		if in.IsAdmin == nil {
			return roster.Role{}, roster.Errorf(roster.EInvalid, "role is required: give role (Panther) or isAdmin (Audience Manager)")
		}
		ref.Name = roster.RoleAnalyst
		if *in.IsAdmin {
			ref.Name = roster.RoleAdmin
		}
	}
	i := slices.IndexFunc(im.roles, func(r roster.Role) bool {
		return ref.ID != 0 && r.ID == ref.ID || ref.ID == 0 && strings.EqualFold(r.Name, ref.Name)
	})
	switch {
	case i < 0 && ref.ID != 0:
		return roster.Role{}, roster.Errorf(roster.EInvalid, "unknown role id %d", ref.ID)
	case i < 0:
		return roster.Role{}, roster.Errorf(roster.EInvalid, "unknown role %q", ref.Name)
	case ref.ID != 0 && ref.Name != "" && !strings.EqualFold(im.roles[i].Name, ref.Name):
		return roster.Role{}, roster.Errorf(roster.EInvalid, "role id %d is named %q, not %q", ref.ID, im.roles[i].Name, ref.Name)
	case in.IsAdmin != nil && *in.IsAdmin != im.roles[i].IsAdmin():
		return roster.Role{}, roster.Errorf(roster.EInvalid, "isAdmin is %t but role %q %s UserModify", *in.IsAdmin, im.roles[i].Name,
			map[bool]string{true: "grants", false: "does not grant"}[im.roles[i].IsAdmin()])
	}
	return im.roles[i], nil
}

// group resolves one group reference; a name not yet created is noted and
// resolves to 0 until CreateGroups has run.
func (im *Importer) group(g GroupRef) (int64, error) {
	if g.ID != 0 {
		if !im.groupIDs[g.ID] {
			return 0, roster.Errorf(roster.EInvalid, "unknown group id %d", g.ID)
		}
		return g.ID, nil
	}
	name := strings.TrimSpace(g.Name)
	if err := checkText("group name", name, maxNameLen, true); err != nil {
		return 0, err
	}
	key := strings.ToLower(name)
	if id, ok := im.groupNames[key]; ok {
		return id, nil
	}
	if _, ok := im.newGroups[key]; !ok {
		if len(im.newGroups) >= maxImportNewGroups {
			return 0, roster.Errorf(roster.EInvalid, "an import may create at most %d groups", maxImportNewGroups)
		}
		im.newGroups[key] = name
	}
	return 0, nil
}

// NewGroups returns the names of the groups Check found missing, sorted.
func (im *Importer) NewGroups() []string {
	names := make([]string, 0, len(im.newGroups))
	for _, n := range im.newGroups {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// CreateGroups creates the groups Check found named but missing, so that
// an export of users with their groups imports into an empty partner.
func (im *Importer) CreateGroups(ctx context.Context) error {
	for _, name := range im.NewGroups() {
		desc := "Created by roster users import"
		g, err := im.s.CreateGroup(ctx, im.a, GroupInput{Name: &name, Description: &desc})
		if err != nil {
			return fmt.Errorf("creating group %q: %w", name, err)
		}
		im.groupIDs[g.ID] = true
		im.groupNames[strings.ToLower(name)] = g.ID
		delete(im.newGroups, strings.ToLower(name))
	}
	return nil
}

// ImportResult is Write's answer for one user: its outcome, and for a
// conflict the reason.
type ImportResult struct {
	Outcome ImportOutcome
	Err     error // set for ImportConflict
}

// Write stores a batch of users, checked by Check, in one transaction on
// the partner. A user whose e-mail exists is compared and left alone
// (ImportUnchanged or ImportDiffers), so that running the same file twice
// changes nothing; a user whose e-mail or username is another user's login
// is skipped as ImportConflict. Any other error rolls the batch back.
//
// The batch costs a fixed handful of statements: one lookup of every
// login it names, one bulk insert of the users it creates, and one append
// of their audit events. Rows are decided in file order against the stored
// users and the batch's earlier rows, as if written one by one.
func (im *Importer) Write(ctx context.Context, batch []ImportUser) ([]ImportResult, error) {
	results := make([]ImportResult, len(batch))
	err := im.s.grantTx(ctx, im.a.PartnerID, func(tx roster.Store) error {
		users := make([]roster.User, len(batch))
		for i := range batch {
			var err error
			if users[i], err = im.user(&batch[i]); err != nil {
				return err
			}
		}
		known, err := lookupLogins(ctx, tx, im.a.PartnerID, users)
		if err != nil {
			return err
		}
		var created []*roster.User
		for i := range users {
			if results[i] = known.decide(users[i]); results[i].Outcome == ImportCreated {
				known.add(users[i])
				created = append(created, &users[i])
			}
		}
		return im.create(ctx, tx, created)
	})
	return results, err
}

// Finish brings the store's search indexes and statistics into shape once
// the last batch is written (roster.Store's Optimize): a bulk load leaves
// the index as its batches wrote it, slower to search than need be. Call
// it after a Write created users; what was written stays if it fails.
func (im *Importer) Finish(ctx context.Context) error {
	return im.s.store.Optimize(ctx)
}

// create inserts us and, like every change, audits each in the same
// transaction.
func (im *Importer) create(ctx context.Context, tx roster.Store, us []*roster.User) error {
	if len(us) == 0 {
		return nil
	}
	if err := tx.CreateUsers(ctx, us); err != nil {
		return err
	}
	events := make([]roster.AuditEvent, len(us))
	for i, u := range us {
		events[i] = im.a.event(u.PartnerID, roster.ActionUserCreate, roster.TargetUser, u.ID, userFields(*u)...)
	}
	return im.s.appendAudit(ctx, tx, events...)
}

// loginIndex holds a partner's users by lower-cased login (e-mail and
// username), so that a batch's rows are decided without a query each.
type loginIndex map[string][]roster.User

// lookupLogins returns the index of the partner's users whose e-mail or
// username is a login of us.
func lookupLogins(ctx context.Context, tx roster.Store, partnerID int64, us []roster.User) (loginIndex, error) {
	logins := make([]string, 0, 2*len(us))
	for _, u := range us {
		logins = append(logins, u.Email, u.Username)
	}
	stored, err := tx.UsersByLogins(ctx, partnerID, logins)
	if err != nil {
		return nil, err
	}
	known := loginIndex{}
	for _, o := range stored {
		known.add(o)
	}
	return known, nil
}

// add indexes u under its e-mail and its username.
func (k loginIndex) add(u roster.User) {
	email, name := strings.ToLower(u.Email), strings.ToLower(u.Username)
	k[email] = append(k[email], u)
	if name != email {
		k[name] = append(k[name], u)
	}
}

// decide says what Write does with u: created unless its e-mail exists or
// its logins clash.
func (k loginIndex) decide(u roster.User) ImportResult {
	others := k[strings.ToLower(u.Email)]
	for _, o := range others {
		if strings.EqualFold(o.Email, u.Email) {
			if sameImported(o, u) {
				return ImportResult{Outcome: ImportUnchanged}
			}
			return ImportResult{Outcome: ImportDiffers}
		}
	}
	if len(others) > 0 {
		return conflict("e-mail %q is the username of another user", u.Email)
	}
	if !strings.EqualFold(u.Username, u.Email) && len(k[strings.ToLower(u.Username)]) > 0 {
		return conflict("username %q is taken by another user", u.Username)
	}
	return ImportResult{Outcome: ImportCreated}
}

// conflict is an ImportConflict result.
func conflict(format string, args ...any) ImportResult {
	return ImportResult{Outcome: ImportConflict, Err: roster.Errorf(roster.EConflict, format, args...)}
}

// sameImported reports whether a stored user already holds what an import
// row says. The password is not compared: once imported it is the user's,
// and the first sign-in replaces an imported hash with Roster's own.
func sameImported(stored, u roster.User) bool {
	return stored.Email == u.Email && stored.Username == u.Username &&
		stored.GivenName == u.GivenName && stored.FamilyName == u.FamilyName &&
		equalPtr(stored.Title, u.Title) && equalPtr(stored.Phone, u.Phone) &&
		stored.Role.ID == u.Role.ID && stored.State == u.State && slices.Equal(stored.Groups, u.Groups)
}
