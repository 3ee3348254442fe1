package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/roster-dev/roster/internal/roster"
)

// SQLSTATE codes the store classifies (PostgreSQL's Appendix A).
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
	checkViolation      = "23514"
)

// notFound is the ENotFound error for a missing row, e.g. "user 42 not found".
func notFound(format string, args ...any) error {
	return roster.Errorf(roster.ENotFound, format+" not found", args...)
}

// writeError classifies an error from a write on noun ("user", "role"): a
// unique violation is EConflict, a foreign-key or check violation EInvalid,
// anything else is wrapped with op as internal. The checks read the
// SQLSTATE, never the message text, and the messages they return are the
// SQLite store's, generic so that no SQL or value leaks to callers.
func writeError(err error, op, noun string) error {
	switch sqlState(err) {
	case uniqueViolation:
		return roster.Errorf(roster.EConflict, "%s already exists", noun)
	case foreignKeyViolation:
		return roster.Errorf(roster.EInvalid, "%s refers to a partner, role or user that does not exist", noun)
	case checkViolation:
		return roster.Errorf(roster.EInvalid, "%s breaks a rule of the schema", noun)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// sqlState returns the SQLSTATE of a server error in err's chain, or "" if
// there is none.
func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// oneRow returns ENotFound, naming the row with format and args, unless tag
// reports exactly one row changed. Every update and delete filters on its
// partner and id, so zero rows means the partner has no such row.
func oneRow(tag pgconn.CommandTag, format string, args ...any) error {
	if tag.RowsAffected() == 0 {
		return notFound(format, args...)
	}
	return nil
}
