package main

import (
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/mail"
	"github.com/roster-dev/roster/internal/service"
)

// adminService opens the database for a one-shot operator command. It
// works while a server runs on the same database: SQLite's locking (and,
// later, PostgreSQL's) lets both write.
func adminService(cmd *cobra.Command, dsn string) (*service.Service, func(), error) {
	st, err := openStore(cmd.Context(), dsn)
	if err != nil {
		return nil, nil, err
	}
	log := slog.New(slog.DiscardHandler)
	svc := service.New(service.Config{Store: st, Mail: mail.LogSender{Log: log}, Log: log})
	return svc, func() { _ = st.Close() }, nil
}

// withService opens the database at dsn, runs fn with a service on it and
// closes the database, whatever fn returns: the shape of every command that
// works as the administrator of the whole database rather than as a
// partner's operator (withOperator).
func withService(cmd *cobra.Command, dsn string, fn func(svc *service.Service) error) error {
	svc, done, err := adminService(cmd, dsn)
	if err != nil {
		return err
	}
	defer done()
	return fn(svc)
}
