package roster

import "strings"

// BulkRefs checks the references of a bulk insert of us, whose memberships
// are groups (groups[i] for us[i]), before anything is written: every user
// must be of partnerID, and each role they name, looked up once with role,
// must exist (ENotFound becomes EInvalid). It returns the roles by id and
// every group id named, for the caller to check against the partner.
//
// Both stores run it, each with its own role lookup, so that the rules of a
// bulk insert are written once.
func BulkRefs(partnerID int64, us []*User, groups [][]int64, role func(id int64) (Role, error)) (map[int64]Role, []int64, error) {
	roles := map[int64]Role{}
	var allGroups []int64
	for i, u := range us {
		if u.PartnerID != partnerID {
			return nil, nil, Errorf(EInvalid, "users of one bulk insert must share a partner")
		}
		allGroups = append(allGroups, groups[i]...)
		if _, ok := roles[u.Role.ID]; ok {
			continue
		}
		r, err := role(u.Role.ID)
		if ErrorCode(err) == ENotFound {
			return nil, nil, Errorf(EInvalid, "unknown role")
		}
		if err != nil {
			return nil, nil, err
		}
		roles[u.Role.ID] = r
	}
	return roles, allGroups, nil
}

// BulkLogins returns the lower-cased e-mails and usernames of us, or
// EConflict if either repeats among them: each has its unique index.
func BulkLogins(us []*User) (emails, names []string, err error) {
	seenEmail, seenName := make(map[string]bool, len(us)), make(map[string]bool, len(us))
	for _, u := range us {
		e, n := strings.ToLower(u.Email), strings.ToLower(u.Username)
		if seenEmail[e] || seenName[n] {
			return nil, nil, Errorf(EConflict, "user already exists")
		}
		seenEmail[e], seenName[n] = true, true
		emails, names = append(emails, e), append(names, n)
	}
	return emails, names, nil
}
