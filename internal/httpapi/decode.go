package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/roster-dev/roster/internal/roster"
)

// MaxBodyBytes bounds every request body. A user or role is a few hundred
// bytes; 64 KiB leaves room for long role lists without inviting abuse.
const MaxBodyBytes = 64 << 10

// DecodeJSON reads r's body, which must be one JSON value, into v. Every
// failure is the client's and says what is wrong: 413 for a body over
// MaxBodyBytes, 415 for a non-JSON media type, 400 for anything malformed.
// Unknown fields are ignored, as most JSON APIs do, so that clients may
// send objects they also read.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &StatusError{http.StatusUnsupportedMediaType, "Content-Type must be application/json"}
		}
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	switch {
	case err != nil:
		return decodeError(err)
	case len(bytes.TrimSpace(raw)) == 0:
		return roster.Errorf(roster.EInvalid, "request body is required")
	case !utf8.Valid(raw):
		// encoding/json would quietly turn invalid bytes into U+FFFD and
		// store a name the client never wrote.
		return roster.Errorf(roster.EInvalid, "request body is not valid UTF-8")
	}
	// Unmarshal, unlike a streaming Decoder, also refuses anything after
	// the first value.
	if err := json.Unmarshal(raw, v); err != nil {
		return decodeError(err)
	}
	return nil
}

// decodeError explains a decoding failure in the client's terms.
func decodeError(err error) error {
	var (
		tooBig  *http.MaxBytesError
		syntax  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooBig):
		return &StatusError{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", MaxBodyBytes)}
	case errors.Is(err, os.ErrDeadlineExceeded):
		// The server's read timeout: a client that stalls mid-body.
		return &StatusError{http.StatusRequestTimeout, "request body was not received in time"}
	case errors.Is(err, io.EOF):
		return roster.Errorf(roster.EInvalid, "request body is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return roster.Errorf(roster.EInvalid, "request body is not valid JSON: it ends too soon")
	case errors.As(err, &syntax):
		return roster.Errorf(roster.EInvalid, "request body is not valid JSON (at byte %d): %s", syntax.Offset, syntax.Error())
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return roster.Errorf(roster.EInvalid, "request body must be %s", expected(typeErr))
		}
		return roster.Errorf(roster.EInvalid, "%s must be %s, not %s", typeErr.Field, expected(typeErr), typeErr.Value)
	}
	return roster.Errorf(roster.EInvalid, "request body could not be read: %s", err.Error())
}

// expected names the JSON type a Go type wants, in a client's words.
func expected(e *json.UnmarshalTypeError) string {
	switch e.Type.Kind().String() {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	}
	return "of another type"
}
