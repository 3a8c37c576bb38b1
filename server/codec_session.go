package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/pages"
	"github.com/greenlight/greenlight/store"
)

// The Temporal Web UI cannot send a Greenlight token to the codec endpoint:
// it passes only its own sign-in's access token, or the browser's cookies.
// So a person signs the browser in at /codec/session with an API token, and
// the UI, told to include cross-origin credentials, sends the cookie that
// sign-in set. The cookie names the token and an expiry under an HMAC of the
// link secret (every replica has it), never the token's secret; each call
// reads the token again, so revoking it ends the session at once.

const (
	codecCookie     = "greenlight_codec"
	codecSessionTTL = 8 * time.Hour
)

func (s *Server) codecSessionRoutes(e *gin.Engine) {
	e.GET("/codec/session", s.codecSessionPage)
	e.POST("/codec/session", s.codecSessionSubmit)
}

func (s *Server) codecSessionPage(c *gin.Context) {
	p := s.codecPage(c)
	if who, until, ok := s.codecSessionCaller(c); ok {
		p.SignedIn, p.Name, p.Until = true, who.name, pageTime(until)
	}
	s.renderPage(c, http.StatusOK, p)
}

func (s *Server) codecPage(c *gin.Context) pages.CodecSession {
	return pages.CodecSession{Endpoint: s.baseURL(c) + "/codec", UIURL: s.uiURL}
}

func (s *Server) codecSessionSubmit(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 8<<10)
	if c.PostForm("sign_out") != "" {
		s.setCodecCookie(c, "", -1)
		s.renderPage(c, http.StatusOK, s.codecPage(c))
		return
	}
	refuse := func(status int, why string) {
		p := s.codecPage(c)
		p.Problem = why
		s.renderPage(c, status, p)
	}
	secret := strings.TrimSpace(c.PostForm("token"))
	if secret == "" {
		refuse(http.StatusBadRequest, "Paste an API token.")
		return
	}
	t, err := s.store.TokenByHash(c.Request.Context(), store.HashToken(secret))
	switch {
	case errors.Is(err, store.ErrNotFound):
		refuse(http.StatusUnauthorized, "That API token is not known.")
		return
	case err != nil:
		s.log.ErrorContext(c.Request.Context(), "could not check a codec sign-in", "error", err, "request_id", requestIDOf(c))
		refuse(http.StatusServiceUnavailable, "The token could not be checked right now; try again.")
		return
	case t.Revoked():
		refuse(http.StatusUnauthorized, "That API token was revoked.")
		return
	}
	who, why, err := s.codecCaller(c.Request.Context(), t)
	if err != nil {
		s.log.ErrorContext(c.Request.Context(), "could not read a codec sign-in's person", "error", err, "request_id", requestIDOf(c))
		refuse(http.StatusServiceUnavailable, "The token could not be checked right now; try again.")
		return
	}
	if who == nil {
		refuse(http.StatusForbidden, why)
		return
	}
	until := time.Now().Add(codecSessionTTL).Truncate(time.Second)
	s.setCodecCookie(c, codecSessionValue(s.linkKey, t.ID, until), int(codecSessionTTL/time.Second))
	p := s.codecPage(c)
	p.SignedIn, p.Name, p.Until = true, who.name, pageTime(until)
	s.renderPage(c, http.StatusOK, p)
}

// codecCaller is who t acts as on the codec, or why it may not decode.
func (s *Server) codecCaller(ctx context.Context, t *store.APIToken) (*caller, string, error) {
	who, err := s.tokenCaller(ctx, t)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "That token's person is no longer in the directory.", nil
	}
	if err != nil {
		return nil, "", err
	}
	if !who.may(rightRead) {
		return nil, "The " + who.role + " role may not read campaigns.", nil
	}
	if len(who.clients) > 0 {
		return nil, "Decoding shows every client's campaigns; this token is limited to " + strings.Join(who.clients, ", ") + ".", nil
	}
	return who, "", nil
}

// The cookie goes to the codec's paths only, is never readable by a page's
// script, and crosses from the Web UI's origin to this one (SameSite=None,
// which browsers accept only with Secure: serve the API over https, or on
// localhost).
func (s *Server) setCodecCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: codecCookie, Value: value, Path: "/codec", MaxAge: maxAge,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteNoneMode,
	})
}

// codecSessionValue is "token id.unix expiry.mac".
func codecSessionValue(key []byte, tokenID string, until time.Time) string {
	body := tokenID + "." + strconv.FormatInt(until.Unix(), 10)
	return body + "." + codecMAC(key, body)
}

func codecMAC(key []byte, body string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("greenlight codec session\x00" + body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// codecSessionCaller is the caller a request's codec cookie signs in, while
// the cookie is genuine and unexpired and its token live and allowed.
func (s *Server) codecSessionCaller(c *gin.Context) (*caller, time.Time, bool) {
	ck, err := c.Request.Cookie(codecCookie)
	if err != nil || len(s.linkKey) == 0 {
		return nil, time.Time{}, false
	}
	body, mac, ok := cutLast(ck.Value, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(codecMAC(s.linkKey, body))) {
		return nil, time.Time{}, false
	}
	id, exp, ok := cutLast(body, ".")
	if !ok {
		return nil, time.Time{}, false
	}
	unix, err := strconv.ParseInt(exp, 10, 64)
	until := time.Unix(unix, 0)
	if err != nil || time.Now().After(until) {
		return nil, time.Time{}, false
	}
	t, err := s.store.TokenByID(c.Request.Context(), id)
	if err != nil || t.Revoked() {
		return nil, time.Time{}, false
	}
	who, _, err := s.codecCaller(c.Request.Context(), t)
	return who, until, err == nil && who != nil
}

func cutLast(s, sep string) (string, string, bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+len(sep):], true
}

// codecAuthenticate takes a bearer token as every route does, else a codec
// session cookie.
func (s *Server) codecAuthenticate() gin.HandlerFunc {
	bearerAuth := s.authenticate()
	return func(c *gin.Context) {
		if !s.auth || c.GetHeader("Authorization") != "" {
			bearerAuth(c)
			return
		}
		who, _, ok := s.codecSessionCaller(c)
		if !ok {
			unauthorized(c, "send an API token as `Authorization: Bearer <token>`, or sign this browser in at /codec/session")
			return
		}
		c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), callerKey{}, who))
		c.Next()
	}
}
