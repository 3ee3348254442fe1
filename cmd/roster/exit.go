package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/roster"
)

// The exit codes of every command, so that a script can tell "not there"
// from "already there" from "you typed it wrong" without reading stderr.
const (
	exitOK       = 0
	exitFailure  = 1 // anything else: the database unreachable, a fault of ours
	exitUsage    = 2 // an unknown command or flag, a missing or malformed argument
	exitNotFound = 3 // the user, group, key or partner does not exist
	exitConflict = 4 // the change clashes with what is there (a taken e-mail, the last admin)
	exitInvalid  = 5 // the input breaks a rule (a malformed e-mail, an unknown role)
)

// exitCodesHelp is the table `roster --help` shows.
const exitCodesHelp = `Exit codes:
  0  success
  1  failure (the database could not be reached, or an internal error)
  2  usage error: an unknown command or flag, a missing or malformed argument
  3  not found: the user, group, key or partner does not exist
  4  conflict: the change clashes with what is there (a taken e-mail, the last admin)
  5  invalid input: a value breaks a rule (a malformed e-mail, an unknown role)`

// usageError is a command line that cannot be run as written.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef returns a usageError; the message should say what to type instead.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// ranError marks an error returned by a command's RunE, as opposed to one
// cobra returned while parsing the command line, which is a usage error.
type ranError struct{ err error }

func (e *ranError) Error() string { return e.err.Error() }
func (e *ranError) Unwrap() error { return e.err }

// markRunErrors wraps the RunE of cmd and of every command below it, so
// that exitCode can tell a command's failure from cobra's refusal of the
// command line. Commands added later (by any file) get it for free.
func markRunErrors(cmd *cobra.Command) {
	if fn := cmd.RunE; fn != nil {
		cmd.RunE = func(c *cobra.Command, args []string) error {
			if err := fn(c, args); err != nil {
				return &ranError{err: err}
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		markRunErrors(sub)
	}
}

// exitCode maps an error of run to the process's exit code.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var u *usageError
	var r *ranError
	if errors.As(err, &u) || !errors.As(err, &r) {
		return exitUsage
	}
	switch roster.ErrorCode(err) {
	case roster.ENotFound:
		return exitNotFound
	case roster.EConflict:
		return exitConflict
	case roster.EInvalid:
		return exitInvalid
	}
	return exitFailure
}

// withHint keeps err's code and appends what to do about it to the
// message, for errors of that code; other errors pass unchanged.
func withHint(err error, code roster.Code, hint string) error {
	if roster.ErrorCode(err) != code {
		return err
	}
	return roster.Errorf(code, "%s (%s)", roster.ErrorMessage(err), hint)
}
