package service

import (
	"context"
	"fmt"

	"github.com/roster-dev/roster/internal/mail"
	"github.com/roster-dev/roster/internal/roster"
)

// sendInvitation hands the invitation to the mailer. Delivery happens
// later; a refusal here (such as a full queue) is logged and the user is
// kept: an admin can always reset the password.
func (s *Service) sendInvitation(ctx context.Context, u roster.User, password string) {
	m := mail.Message{
		To:      u.Email,
		Subject: "Your Roster account",
		Text: fmt.Sprintf("Hello %s,\n\n"+
			"An account has been created for you.\n\n"+
			"  Username:           %s\n"+
			"  Temporary password: %s\n\n"+
			"The temporary password works for %d hours. You will be asked to\n"+
			"choose your own password when you first sign in.\n",
			u.GivenName, u.Username, password, int(TempPasswordTTL.Hours())),
		Secrets: []string{password},
	}
	if err := s.mail.Send(ctx, m); err != nil {
		s.log.ErrorContext(ctx, "invitation not sent", "user_id", u.ID, "partner_id", u.PartnerID, "err", err)
	}
}
