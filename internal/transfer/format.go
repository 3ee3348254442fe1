// Package transfer moves users in and out of Roster as files: CSV or JSON
// Lines, one user a row, with the field names of either REST dialect
// (Panther's email/givenName/familyName/role/enabled, Audience Manager's
// email/username/firstName/lastName/status/isAdmin/groups/…), plus
// passwordHash for hashes brought from another system.
//
// Import reads a file twice, streaming: a validation pass that reports
// every bad row by line number and writes nothing if there is one, then a
// writing pass in batches, each one transaction through service.Importer.
// Export streams a partner's users through the store in the same format.
// It knows nothing of the command line or of SQL.
package transfer

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Format is a file format.
type Format string

// The formats.
const (
	CSV   Format = "csv"
	JSONL Format = "jsonl"
)

// ParseFormat returns the format a --format flag names, or, when flag is
// empty, the one the file name's extension says (.csv, .jsonl, .ndjson).
func ParseFormat(flag, path string) (Format, error) {
	name := strings.ToLower(flag)
	if name == "" {
		name = strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	}
	switch name {
	case "csv":
		return CSV, nil
	case "jsonl", "ndjson":
		return JSONL, nil
	case "":
		return "", fmt.Errorf("cannot tell the format of %q: give --format csv or --format jsonl", path)
	}
	return "", fmt.Errorf("unknown format %q: want csv or jsonl", name)
}
