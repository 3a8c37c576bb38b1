package bluesky

import (
	"context"
	"errors"
	"fmt"

	"github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/xrpc"
)

// session is what createSession answers: the tokens and who they act as.
type session struct {
	access  string
	refresh string
	did     string
	handle  string
}

// api is the connector as indigo's generated calls want it (a
// lexutil.LexClient): every call carries the session's access token, and one
// refused as ExpiredToken refreshes the session and is sent once more.
type api struct{ c *Connector }

// LexDo sends one XRPC call and sorts its failure for the worker.
func (a api) LexDo(ctx context.Context, kind, inputEncoding, method string, params map[string]any, body, out any) error {
	s, err := a.c.session(ctx)
	if err != nil {
		return err
	}
	err = a.c.client(s.access).Do(ctx, kind, inputEncoding, method, params, body, out)
	if isExpired(err) {
		if s, err = a.c.renew(ctx, s.access); err != nil {
			return err
		}
		err = a.c.client(s.access).Do(ctx, kind, inputEncoding, method, params, body, out)
	}
	return classify(ctx, method, err)
}

// client is an XRPC client for the PDS bearing token; a fresh one per call
// keeps the shared session out of indigo's hands.
func (c *Connector) client(token string) *xrpc.Client {
	ua := "greenlight"
	xc := &xrpc.Client{Client: c.http, Host: c.service, UserAgent: &ua}
	if token != "" {
		xc.Auth = &xrpc.AuthInfo{AccessJwt: token}
	}
	return xc
}

// session returns the current session, logging in with the app password
// when there is none yet.
func (c *Connector) session(ctx context.Context) (session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess != nil {
		return *c.sess, nil
	}
	return c.login(ctx)
}

// login creates a session; c.mu is held.
func (c *Connector) login(ctx context.Context) (session, error) {
	out, err := atproto.ServerCreateSession(ctx, c.client(""), &atproto.ServerCreateSession_Input{
		Identifier: c.identifier, Password: c.password})
	if err = classify(ctx, "com.atproto.server.createSession", err); err != nil {
		return session{}, fmt.Errorf("bluesky: unable to log in as %s: %w", c.identifier, err)
	}
	c.sess = &session{access: out.AccessJwt, refresh: out.RefreshJwt, did: out.Did, handle: out.Handle}
	return *c.sess, nil
}

// renew replaces an expired access token: refreshSession with the refresh
// token, or a new login when that one has expired too. stale is the token
// that was refused, so calls that saw it expire together refresh once.
func (c *Connector) renew(ctx context.Context, stale string) (session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess != nil && c.sess.access != stale {
		return *c.sess, nil
	}
	if c.sess != nil {
		// refreshSession takes the refresh token where the access token goes.
		out, err := atproto.ServerRefreshSession(ctx, c.client(c.sess.refresh))
		if err == nil {
			c.sess = &session{access: out.AccessJwt, refresh: out.RefreshJwt, did: out.Did, handle: out.Handle}
			return *c.sess, nil
		}
		var xe *xrpc.Error
		if ctx.Err() != nil || !errors.As(err, &xe) || xe.StatusCode/100 != 4 || xe.StatusCode == 429 {
			return session{}, fmt.Errorf("bluesky: unable to refresh the session: %w",
				classify(ctx, "com.atproto.server.refreshSession", err))
		}
		// The refresh token is expired or revoked: log in again.
	}
	c.sess = nil
	return c.login(ctx)
}

func isExpired(err error) bool {
	var xe *xrpc.XRPCError
	return errors.As(err, &xe) && xe.ErrStr == "ExpiredToken"
}
