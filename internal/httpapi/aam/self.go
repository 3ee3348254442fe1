package aam

import (
	"net/http"

	"github.com/roster-dev/roster/internal/httpapi"
	"github.com/roster-dev/roster/internal/roster"
)

func (a *api) getSelf(w http.ResponseWriter, r *http.Request) error {
	u, err := a.svc.Self(r.Context(), actor(r))
	return httpapi.Reply(w, u, err, toUserJSON)
}

// updateSelf changes the caller's own profile. It takes the same body as
// an admin's update; role, groups, status and isAdmin may only be repeated
// unchanged.
func (a *api) updateSelf(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeUser(w, r)
	if err != nil {
		return err
	}
	if in.Password != nil {
		return roster.Errorf(roster.EInvalid, "change your password at /users/self/update-password")
	}
	u, err := a.svc.UpdateSelf(r.Context(), actor(r), in.patch())
	return httpapi.Reply(w, u, err, toUserJSON)
}

// messageJSON is the body of answers that carry no resource.
type messageJSON struct {
	Message string `json:"message"`
}

// passwordChangeJSON is the body of update-password.
type passwordChangeJSON struct {
	OldPassword *string `json:"oldPassword"`
	NewPassword *string `json:"newPassword"`
}

// decodePasswordChange reads an update-password body; both fields are
// required. It is apart from the handler so that it can be fuzzed without
// a signed-in session, which a wrong old password would soon lock.
func decodePasswordChange(w http.ResponseWriter, r *http.Request) (oldPw, newPw string, err error) {
	var in passwordChangeJSON
	if err := httpapi.DecodeJSON(w, r, &in); err != nil {
		return "", "", err
	}
	if in.OldPassword == nil || in.NewPassword == nil {
		return "", "", roster.Errorf(roster.EInvalid, "oldPassword and newPassword are required")
	}
	return *in.OldPassword, *in.NewPassword, nil
}

func (a *api) updatePassword(w http.ResponseWriter, r *http.Request) error {
	oldPw, newPw, err := decodePasswordChange(w, r)
	if err != nil {
		return err
	}
	if err := a.svc.ChangePassword(r.Context(), actor(r), oldPw, newPw); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, messageJSON{"password changed: sign in again with the new password"})
	return nil
}

func (a *api) resetPassword(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.ResetPassword(r.Context(), actor(r)); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, messageJSON{"a new password has been sent to your e-mail address"})
	return nil
}
