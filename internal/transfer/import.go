package transfer

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"strings"

	"github.com/roster-dev/roster/internal/service"
)

// DefaultBatch is how many users one transaction writes: large enough that
// a commit's cost is spread thin, small enough that a batch holds the
// partner's lock (and SQLite's writer) for well under a second.
const DefaultBatch = 1000

// MaxReported bounds the problems an import lists; the rest are counted.
const MaxReported = 100

// ErrInvalidRows is returned when the validation pass found bad rows and
// nothing was written.
var ErrInvalidRows = errors.New("the file has invalid rows; nothing was imported")

// ImportOptions configure Import.
type ImportOptions struct {
	Format Format
	Batch  int // users per transaction; 0 means DefaultBatch
	// Progress, if not nil, hears how far the writing pass has got.
	Progress Progress
}

// Progress is told the total number of rows, then how many are done.
type Progress interface {
	Start(total int)
	Add(n int)
	Finish()
}

// ImportStats is what an import found and did.
type ImportStats struct {
	Rows      int // data rows in the file
	Invalid   int // rows the validation pass refused
	Created   int
	Unchanged int // the e-mail existed with the same fields
	Differs   int // the e-mail existed with other fields: left alone
	Conflicts int // the e-mail or username was another user's login
	Groups    []string
	// Problems are the first MaxReported bad rows, conflicts and
	// differences, each "line N: reason".
	Problems []RowError
}

// problem records one row's problem, keeping the first MaxReported.
func (s *ImportStats) problem(line int, reason string) {
	if len(s.Problems) < MaxReported {
		s.Problems = append(s.Problems, RowError{Line: line, Reason: reason})
	}
}

// Import reads the file open returns, twice. The first pass validates every
// row (fields, roles, groups, password hashes, e-mails and usernames
// repeated within the file); if any row is bad it returns ErrInvalidRows
// and writes nothing. The second pass writes in batches of one transaction
// each. Re-running a file changes nothing: a row whose e-mail exists is
// compared and left alone. A row that clashes with a different stored
// user's login is skipped and reported; the rows around it are written.
func Import(ctx context.Context, im *service.Importer, open func() (io.ReadCloser, error), opt ImportOptions) (ImportStats, error) {
	var stats ImportStats
	if err := validate(im, open, opt.Format, &stats); err != nil {
		return stats, err
	}
	if stats.Invalid > 0 {
		return stats, ErrInvalidRows
	}
	stats.Groups = im.NewGroups()
	if err := im.CreateGroups(ctx); err != nil {
		return stats, err
	}
	return stats, write(ctx, im, open, opt, &stats)
}

// eachRow calls fn for every row of the file, good or bad.
func eachRow(open func() (io.ReadCloser, error), f Format, fn func(u service.ImportUser, line int, rowErr *RowError) error) error {
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	rd, err := newReader(rc, f)
	if err != nil {
		return err
	}
	for {
		u, line, err := rd.next()
		var re *RowError
		switch {
		case err == io.EOF:
			return nil
		case errors.As(err, &re):
			err = fn(u, line, re)
		case err != nil:
			return err
		default:
			err = fn(u, line, nil)
		}
		if err != nil {
			return err
		}
	}
}

// validate is the first pass. It remembers each e-mail and username by a
// 64-bit hash of its lower-cased form (8 bytes and a line number a login,
// whatever its length), so a million rows need tens of megabytes, not the
// file; a hash collision, about one chance in 10^7 at two million logins,
// would be reported as a duplicate that is not one, never the reverse.
func validate(im *service.Importer, open func() (io.ReadCloser, error), f Format, stats *ImportStats) error {
	seed := maphash.MakeSeed()
	seen := map[uint64]int32{}
	return eachRow(open, f, func(u service.ImportUser, line int, rowErr *RowError) error {
		stats.Rows++
		if rowErr == nil {
			rowErr = checkRow(im, &u, line, seed, seen)
		}
		if rowErr != nil {
			stats.Invalid++
			stats.problem(rowErr.Line, rowErr.Reason)
		}
		return nil
	})
}

// checkRow validates one parsed row, and its logins against earlier rows.
func checkRow(im *service.Importer, u *service.ImportUser, line int, seed maphash.Seed, seen map[uint64]int32) *RowError {
	if err := im.Check(u); err != nil {
		return &RowError{Line: line, Reason: err.Error()}
	}
	logins := []string{u.Email}
	if !strings.EqualFold(u.Username, u.Email) {
		logins = append(logins, u.Username)
	}
	for _, login := range logins {
		key := maphash.String(seed, strings.ToLower(login))
		if first, ok := seen[key]; ok {
			return &RowError{Line: line, Reason: fmt.Sprintf("%q is already the e-mail or username of line %d", login, first)}
		}
	}
	for _, login := range logins {
		seen[maphash.String(seed, strings.ToLower(login))] = int32(line)
	}
	return nil
}

// write is the second pass: batches of users, one transaction each.
func write(ctx context.Context, im *service.Importer, open func() (io.ReadCloser, error), opt ImportOptions, stats *ImportStats) error {
	size := opt.Batch
	if size <= 0 {
		size = DefaultBatch
	}
	if opt.Progress != nil {
		opt.Progress.Start(stats.Rows)
		defer opt.Progress.Finish()
	}
	batch := make([]service.ImportUser, 0, size)
	lines := make([]int, 0, size)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		results, err := im.Write(ctx, batch)
		if err != nil {
			return fmt.Errorf("writing the batch of lines %d to %d (rolled back; earlier batches are written, and re-running the file skips them): %w",
				lines[0], lines[len(lines)-1], err)
		}
		for i, r := range results {
			stats.tally(lines[i], r)
		}
		if opt.Progress != nil {
			opt.Progress.Add(len(batch))
		}
		batch, lines = batch[:0], lines[:0]
		return nil
	}
	err := eachRow(open, opt.Format, func(u service.ImportUser, line int, rowErr *RowError) error {
		if rowErr != nil {
			return fmt.Errorf("the file changed since it was checked: %w", rowErr)
		}
		batch, lines = append(batch, u), append(lines, line)
		if len(batch) == size {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// tally counts one written row's outcome.
func (s *ImportStats) tally(line int, r service.ImportResult) {
	switch r.Outcome {
	case service.ImportCreated:
		s.Created++
	case service.ImportUnchanged:
		s.Unchanged++
	case service.ImportDiffers:
		s.Differs++
		s.problem(line, "a user with this e-mail exists with other fields; left as it is")
	case service.ImportConflict:
		s.Conflicts++
		s.problem(line, r.Err.Error())
	}
}
