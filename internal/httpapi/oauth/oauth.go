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
	"time"
	"unicode/utf8"

	"github.com/roster-dev/roster/internal/httpapi"
	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
)

// maxFormBytes bounds a token request; a username and password are short.
const maxFormBytes = 8 << 10

// Limits are the rate limits of token requests: guesses at passwords are
// slowed per client address (every request) and per username (password
// grants), so that neither one address trying many accounts nor many
// addresses trying one account go fast. The lockout after five failures
// protects an account; these protect the server's CPU (every sign-in costs
// an argon2id) and users from being locked out by a flood. A nil limiter
// is no limit.
type Limits struct {
	PerAddress  *httpapi.KeyedLimiter
	PerUsername *httpapi.KeyedLimiter
}

// Mount registers POST /oauth/token on mux.
func Mount(mux *httpapi.Mux, svc *service.Service, log *slog.Logger, limits Limits) {
	mux.Handle("POST /oauth/token", &handler{svc: svc, log: log, limits: limits})
}

type handler struct {
	svc    *service.Service
	log    *slog.Logger
	limits Limits
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
	// retryAfter, if set, is sent as Retry-After.
	retryAfter time.Duration
}

func (e *oauthError) Error() string { return e.desc }

func invalidRequest(desc string) error {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_request", desc: desc}
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

// slowDown is the answer to a client over a rate limit: 429 with
// RFC 8628's slow_down, the one registered OAuth error that means "too
// fast" at the token endpoint.
func slowDown(wait time.Duration) error {
	return &oauthError{status: http.StatusTooManyRequests, code: "slow_down", desc: "too many token requests; retry later", retryAfter: wait}
}

func (h *handler) token(w http.ResponseWriter, r *http.Request) (service.Tokens, error) {
	// Before the body is read: a client over its limit costs nothing more.
	if ok, wait := h.limits.PerAddress.Allow(httpapi.ClientKey(r)); !ok {
		h.log.DebugContext(r.Context(), "token request over the per-address limit", "remote", r.RemoteAddr)
		return service.Tokens{}, slowDown(wait)
	}
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
		// Normalised as sign-in looks logins up, so that spellings of one
		// login share a bucket.
		if ok, wait := h.limits.PerUsername.Allow(strings.ToLower(strings.TrimSpace(user))); !ok {
			h.log.DebugContext(r.Context(), "sign-in over the per-username limit") // not the login: it may be a password
			return service.Tokens{}, slowDown(wait)
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
		return service.Tokens{}, &oauthError{status: http.StatusBadRequest, code: "unsupported_grant_type", desc: "grant_type must be password or refresh_token"}
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
			return nil, &oauthError{status: http.StatusRequestEntityTooLarge, code: "invalid_request", desc: "the body is too large"}
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
		oe = &oauthError{status: http.StatusBadRequest, code: "invalid_grant", desc: roster.ErrorMessage(err)}
	default:
		h.log.ErrorContext(r.Context(), "token request failed", "err", err)
		oe = &oauthError{status: http.StatusInternalServerError, code: "server_error", desc: "internal error"}
	}
	if oe.retryAfter > 0 {
		w.Header().Set("Retry-After", httpapi.RetryAfter(oe.retryAfter))
	}
	httpapi.WriteJSON(w, oe.status, errorJSON{Error: oe.code, ErrorDescription: oe.desc})
}
