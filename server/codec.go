package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// The codec endpoint lets the Temporal Web UI show payloads the workers
// encrypted (package encryption): the UI posts {"payloads": […]} to
// /codec/decode (and /codec/encode, to send signals), with the person's
// bearer token or a browser's codec session (codec_session.go). Decoding reveals every client's campaigns, so only tokens
// that may read every client (no client scope) may use it; browsers reach it
// from the UI's origin only.

// maxCodecPayloads bounds one request's payloads.
const maxCodecPayloads = 1000

func (s *Server) codecRoutes(e *gin.Engine) {
	e.OPTIONS("/codec/:op", s.codecCORS, func(c *gin.Context) { c.Status(http.StatusNoContent) })
	s.codecSessionRoutes(e)
	g := e.Group("/codec", s.codecCORS, s.codecAuthenticate(), s.allow(rightRead), agencyWide)
	g.POST("/encode", func(c *gin.Context) { s.codecCall(c, s.codec.Encode) })
	g.POST("/decode", func(c *gin.Context) { s.codecCall(c, s.codec.Decode) })
}

// codecCORS answers the Web UI's origin, and only it, and lets its
// preflight through before authentication (a preflight carries no token).
func (s *Server) codecCORS(c *gin.Context) {
	origin := c.GetHeader("Origin")
	if origin != "" && slices.Contains(s.codecOrigins, strings.TrimRight(origin, "/")) {
		h := c.Writer.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Namespace")
		h.Set("Access-Control-Max-Age", "600")
		h.Add("Vary", "Origin")
	}
	c.Next()
}

// agencyWide refuses tokens scoped to some clients: a payload may be any
// client's.
func agencyWide(c *gin.Context) {
	if who := callerOf(c.Request.Context()); who != nil && len(who.clients) > 0 {
		problem(c, http.StatusForbidden, probForbidden, "Forbidden",
			"decoding payloads shows every client's campaigns; this token is limited to "+strings.Join(who.clients, ", "))
		return
	}
	c.Next()
}

func (s *Server) codecCall(c *gin.Context, op func([]*commonpb.Payload) ([]*commonpb.Payload, error)) {
	body, ok := readBody(c)
	if !ok {
		return
	}
	var in commonpb.Payloads
	if err := protojson.Unmarshal(body, &in); err != nil {
		badRequest(c, `the body must be {"payloads": [...]} as Temporal's remote codec sends it`)
		return
	}
	if len(in.Payloads) > maxCodecPayloads {
		badRequest(c, "at most 1000 payloads at a time")
		return
	}
	out, err := op(in.Payloads)
	if err != nil {
		// The codec's errors name key ids and positions, never key material.
		problem(c, http.StatusUnprocessableEntity, probValidation, "Payloads not converted", err.Error())
		return
	}
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: out})
	if err != nil {
		s.internal(c, "could not encode the payloads", err)
		return
	}
	c.Data(http.StatusOK, "application/json", b)
}
