package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/roster-dev/roster/internal/roster"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// notFound is the ENotFound error for a missing row, e.g. "user 42 not found".
func notFound(format string, args ...any) error {
	return roster.Errorf(roster.ENotFound, format+" not found", args...)
}

// writeError classifies an error from a write on noun ("user", "role"): a
// unique or primary-key violation is EConflict, a foreign-key violation
// EInvalid, anything else is wrapped with op as internal. The checks read
// the driver's extended result code, never its message text, and the
// messages they return are generic so that no SQL or value leaks to callers.
func writeError(err error, op, noun string) error {
	switch driverCode(err) {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return roster.Errorf(roster.EConflict, "%s already exists", noun)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return roster.Errorf(roster.EInvalid, "%s refers to a partner, role or user that does not exist", noun)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// driverCode returns the extended result code of a driver error in
// err's chain, or 0 if there is none.
func driverCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// oneRow returns ENotFound, naming the row with format and args, unless res
// changed exactly one row. Every update and delete filters on its partner and
// id, so zero rows means the partner has no such row.
func oneRow(res sql.Result, format string, args ...any) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: rows affected: %w", err)
	}
	if n == 0 {
		return notFound(format, args...)
	}
	return nil
}
