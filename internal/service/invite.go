package service

import (
	"context"
	"fmt"

	"github.com/roster-dev/roster/internal/mail"
	"github.com/roster-dev/roster/internal/roster"
)

// sendInvitation mails a new user their temporary password.
func (s *Service) sendInvitation(ctx context.Context, u roster.User, password string) {
	s.mailPassword(ctx, u, password, "Your Roster account",
		"An account has been created for you.",
		"You will be asked to\nchoose your own password when you first sign in.")
}

// sendReset mails a user the password that replaced theirs.
func (s *Service) sendReset(ctx context.Context, u roster.User, password string) {
	s.mailPassword(ctx, u, password, "Your Roster password was reset",
		"Your password was reset at your request.",
		"Sign in with it and\nchoose your own password.")
}

// mailPassword hands a mail carrying a temporary password to the mailer.
// Delivery happens later; a refusal here (such as a full queue) is logged
// and changes nothing: the password is set, and an admin or the user can
// always reset it again.
func (s *Service) mailPassword(ctx context.Context, u roster.User, password, subject, intro, outro string) {
	m := mail.Message{
		To:      u.Email,
		Subject: subject,
		Text: fmt.Sprintf("Hello %s,\n\n%s\n\n"+
			"  Username:           %s\n"+
			"  Temporary password: %s\n\n"+
			"The temporary password works for %d hours. %s\n",
			u.GivenName, intro, u.Username, password, int(TempPasswordTTL.Hours()), outro),
		Secrets: []string{password},
	}
	if err := s.mail.Send(ctx, m); err != nil {
		s.log.ErrorContext(ctx, "mail not queued", "subject", subject, "user_id", u.ID, "partner_id", u.PartnerID, "err", err)
	}
}
