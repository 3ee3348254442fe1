package transfer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/roster-dev/roster/internal/service"
)

// maxLine bounds one JSON line (or CSV record): a user is a few hundred
// bytes, and a bound keeps a broken file from being read into memory.
const maxLine = 1 << 20

// RowError is what is wrong with one row of a file.
type RowError struct {
	Line   int
	Reason string
}

func (e *RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// reader yields the rows of a file one at a time. next returns io.EOF at
// the end, a *RowError for a bad row (and can go on after it), or another
// error that ends the read.
type reader interface {
	next() (service.ImportUser, int, error)
}

// newReader returns a reader of r in format f.
func newReader(r io.Reader, f Format) (reader, error) {
	if f == CSV {
		return newCSVReader(r)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	return &jsonlReader{sc: sc}, nil
}

// csvReader reads CSV with a header row naming the fields.
type csvReader struct {
	r      *csv.Reader
	fields []field
	names  []string
}

// newCSVReader reads the header and maps each column to its field; an
// unknown column is an error naming it, since a misspelt column would
// otherwise drop its values without a word.
func newCSVReader(r io.Reader) (*csvReader, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("the file is empty: want a header row naming the fields")
	}
	if err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	c := &csvReader{r: cr, names: slices.Clone(header)}
	if len(c.names) > 0 {
		c.names[0] = strings.TrimPrefix(c.names[0], "\uFEFF") // a spreadsheet's byte-order mark
	}
	var unknown []string
	for _, name := range c.names {
		f, ok := lookupField(name)
		if !ok {
			unknown = append(unknown, fmt.Sprintf("%q", name))
		}
		c.fields = append(c.fields, f)
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("line 1: unknown column %s (known: %s)", strings.Join(unknown, ", "), knownNames)
	}
	return c, nil
}

// knownNames lists the accepted field names for error messages.
const knownNames = "email, username, givenName|firstName, familyName|lastName, title, phoneNumber, " +
	"role|role.id|role.name, isAdmin, status, enabled, groups, passwordHash; ignored: id, userId, pid, createdAt, lastLoggedInAt"

func (c *csvReader) next() (service.ImportUser, int, error) {
	rec, err := c.r.Read()
	line, _ := c.r.FieldPos(0)
	var pe *csv.ParseError
	switch {
	case errors.As(err, &pe) && errors.Is(err, csv.ErrFieldCount):
		return service.ImportUser{}, pe.StartLine, &RowError{Line: pe.StartLine, Reason: fmt.Sprintf("%d fields, the header has %d", len(rec), len(c.fields))}
	case errors.As(err, &pe):
		return service.ImportUser{}, pe.StartLine, &RowError{Line: pe.StartLine, Reason: pe.Err.Error()}
	case err != nil:
		return service.ImportUser{}, line, err
	}
	var r row
	for i, cell := range rec {
		if !utf8.ValidString(cell) {
			return service.ImportUser{}, line, &RowError{Line: line, Reason: c.names[i] + " is not valid UTF-8"}
		}
		if err := r.setCell(c.fields[i], c.names[i], cell); err != nil {
			return service.ImportUser{}, line, &RowError{Line: line, Reason: err.Error()}
		}
	}
	if err := r.finish(); err != nil {
		return service.ImportUser{}, line, &RowError{Line: line, Reason: err.Error()}
	}
	return r.user, line, nil
}

// jsonlReader reads one JSON object a line; blank lines are skipped.
type jsonlReader struct {
	sc   *bufio.Scanner
	line int
}

func (j *jsonlReader) next() (service.ImportUser, int, error) {
	for j.sc.Scan() {
		j.line++
		b := bytes.TrimSpace(j.sc.Bytes())
		if len(b) == 0 {
			continue
		}
		u, err := parseJSONRow(b)
		if err != nil {
			return service.ImportUser{}, j.line, &RowError{Line: j.line, Reason: err.Error()}
		}
		return u, j.line, nil
	}
	if err := j.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return service.ImportUser{}, j.line + 1, fmt.Errorf("line %d: longer than %d bytes", j.line+1, maxLine)
		}
		return service.ImportUser{}, j.line, err
	}
	return service.ImportUser{}, j.line, io.EOF
}

// parseJSONRow maps one JSON object's keys onto the fields.
func parseJSONRow(b []byte) (service.ImportUser, error) {
	if !utf8.Valid(b) {
		return service.ImportUser{}, errors.New("not valid UTF-8")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return service.ImportUser{}, errors.New("not a JSON object")
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the same report for the same line, whatever the map order
	var r row
	for _, k := range keys {
		f, ok := lookupField(k)
		if !ok {
			return service.ImportUser{}, fmt.Errorf("unknown field %q (known: %s)", k, knownNames)
		}
		if err := r.setJSON(f, k, obj[k]); err != nil {
			return service.ImportUser{}, err
		}
	}
	return r.user, r.finish()
}
