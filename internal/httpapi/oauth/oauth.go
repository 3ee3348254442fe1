// Package oauth serves POST /oauth/token: OAuth 2.0's resource owner
// password grant and refresh-token grant (RFC 6749, sections 4.3 and 6),
// with the answers and errors that RFC specifies.
//
// It knows nothing of storage or of either REST dialect; the tokens it
// hands out are checked by the dialects through the service.
package oauth

import (
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/roster-dev/roster/internal/httpapi"
	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
)

// maxFormBytes bounds a token request; a username and password are short.
const maxFormBytes = 8 << 10

// Mount registers POST /oauth/token on mux.
func Mount(mux *http.ServeMux, svc *service.Service, log *slog.Logger) {
	mux.Handle("POST /oauth/token", &handler{svc: svc, log: log})
}

type handler struct {
	svc *service.Service
	log *slog.Logger
}

// tokenJSON is RFC 6749's successful access token response (section 5.1).
type tokenJSON struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

// errorJSON is RFC 6749's error response (section 5.2).
type errorJSON struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// oauthError is an error with its RFC 6749 code and status.
type oauthError struct {
	status int
	code   string
	desc   string
}

func (e *oauthError) Error() string { return e.desc }

func invalidRequest(desc string) error {
	return &oauthError{http.StatusBadRequest, "invalid_request", desc}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Tokens and their errors must never be cached (RFC 6749, 5.1).
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	t, err := h.token(w, r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, tokenJSON{
		AccessToken:  t.Access,
		TokenType:    "bearer",
		ExpiresIn:    int(t.ExpiresIn.Seconds()),
		RefreshToken: t.Refresh,
		Scope:        strings.ReplaceAll(t.User.Role.Permissions.String(), ",", " "),
	})
}

func (h *handler) token(w http.ResponseWriter, r *http.Request) (service.Tokens, error) {
	form, err := readForm(w, r)
	if err != nil {
		return service.Tokens{}, err
	}
	switch grant := form.Get("grant_type"); grant {
	case "password":
		// pid is Roster's extension: it names the partner when the login
		// names accounts in several.
		user, pw := form.Get("username"), form.Get("password")
		if user == "" || pw == "" {
			return service.Tokens{}, invalidRequest("username and password are required")
		}
		var pid int64
		if p := form.Get("pid"); p != "" {
			if pid, err = httpapi.ParseID(p); err != nil {
				return service.Tokens{}, invalidRequest("pid must be a partner id")
			}
		}
		return h.svc.SignIn(r.Context(), user, pw, pid)
	case "refresh_token":
		rt := form.Get("refresh_token")
		if rt == "" {
			return service.Tokens{}, invalidRequest("refresh_token is required")
		}
		return h.svc.Refresh(r.Context(), rt)
	case "":
		return service.Tokens{}, invalidRequest("grant_type is required")
	default:
		return service.Tokens{}, &oauthError{http.StatusBadRequest, "unsupported_grant_type", "grant_type must be password or refresh_token"}
	}
}

// readForm reads an application/x-www-form-urlencoded body. Each parameter
// may appear once (RFC 6749, 3.2).
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, invalidRequest("the body must be application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &oauthError{http.StatusRequestEntityTooLarge, "invalid_request", "the body is too large"}
		}
		return nil, invalidRequest("the body is not a valid form")
	}
	for name, vals := range r.PostForm {
		if len(vals) > 1 {
			return nil, invalidRequest(name + " is given more than once")
		}
		// No login or token holds other bytes, and PostgreSQL refuses
		// them: answer the client's error here rather than a 500 there.
		if !utf8.ValidString(name) || !utf8.ValidString(vals[0]) || strings.ContainsRune(name+vals[0], 0) {
			return nil, invalidRequest("parameters must be valid UTF-8 text without NUL")
		}
	}
	return r.PostForm, nil
}

// writeError answers in RFC 6749's shape: bad credentials or a dead token
// are invalid_grant (400), the same answer whatever was wrong.
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var oe *oauthError
	switch {
	case errors.As(err, &oe):
	case roster.ErrorCode(err) == roster.EUnauthorized:
		oe = &oauthError{http.StatusBadRequest, "invalid_grant", roster.ErrorMessage(err)}
	default:
		h.log.ErrorContext(r.Context(), "token request failed", "err", err)
		oe = &oauthError{http.StatusInternalServerError, "server_error", "internal error"}
	}
	httpapi.WriteJSON(w, oe.status, errorJSON{Error: oe.code, ErrorDescription: oe.desc})
}
