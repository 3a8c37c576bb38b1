package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/links"
	"github.com/greenlight/greenlight/metrics"
)

// Routes whose answers the domain counters read.
const (
	routeLaunch       = "/v1/campaigns"
	routeCancel       = "/v1/campaigns/:id/cancel"
	routeDecide       = "/v1/approvals/:id/decision"
	routeDecideMany   = "/v1/approvals/decisions"
	maxCapturedAnswer = 1 << 20 // a bulk answer of 200 results fits well within
)

// serveMetrics is GET /metrics, in the Prometheus text format.
func (s *Server) serveMetrics(c *gin.Context) {
	s.metrics.Handler().ServeHTTP(c.Writer, c.Request)
}

// observe records every request by route pattern (c.FullPath, never the raw path,
// so the number of series stays bounded), status and latency, and counts launches,
// decisions and cancellations once the handler has answered: the answer is where
// the outcome is known, and counting here keeps the handlers free of metrics code.
func (s *Server) observe() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		route := c.FullPath()
		var reqBody, respBody *bytes.Buffer
		if c.Request.Method == http.MethodPost {
			switch route {
			case routeLaunch, routeDecide, routeDecideMany:
				// Keep a copy of what the handler reads (it reads at most maxBody).
				reqBody = &bytes.Buffer{}
				c.Request.Body = teeBody{Reader: io.TeeReader(c.Request.Body, reqBody), Closer: c.Request.Body}
			}
			if route == routeDecideMany {
				// Per-item outcomes are only in the answer.
				respBody = &bytes.Buffer{}
				c.Writer = &capturingWriter{ResponseWriter: c.Writer, buf: respBody}
			}
		}
		c.Next()
		code := c.Writer.Status()
		if route == "" {
			route = metrics.Unmatched
		}
		s.metrics.ObserveHTTP(c.Request.Method, route, code, time.Since(start))
		if c.Request.Method == http.MethodPost {
			s.countOutcome(c, route, code, reqBody, respBody)
		}
	}
}

// countOutcome increments the domain counters for a POST that succeeded.
func (s *Server) countOutcome(c *gin.Context, route string, code int, reqBody, respBody *bytes.Buffer) {
	switch {
	case route == routeLaunch && code == http.StatusCreated:
		// A replay of an Idempotency-Key answers 201 too, but launched nothing.
		if c.Writer.Header().Get("Idempotent-Replayed") == "true" {
			return
		}
		var req struct {
			Playbook string `json:"playbook"`
		}
		_ = json.Unmarshal(reqBody.Bytes(), &req)
		s.metrics.CampaignLaunched(req.Playbook)
	case route == routeCancel && code == http.StatusAccepted:
		s.metrics.CampaignCanceled()
	case route == routeDecide && code == http.StatusOK:
		if token, ok := c.GetQuery("token"); ok {
			// The handler verified the link; its claims say what was decided. A
			// zero time skips the expiry check, which the handler already made.
			if claims, err := links.VerifyLink(s.linkKey, token, time.Time{}); err == nil {
				s.metrics.ApprovalDecided(claims.Decision, api.ChannelLink)
			}
			return
		}
		var req struct {
			Decision string `json:"decision"`
		}
		if json.Unmarshal(reqBody.Bytes(), &req) == nil && knownDecision(req.Decision) {
			s.metrics.ApprovalDecided(req.Decision, channelOf(c))
		}
	case route == routeDecideMany && code == http.StatusOK:
		var req bulkDecisionRequest
		var resp struct {
			Results []struct {
				Status int `json:"status"`
			} `json:"results"`
		}
		if json.Unmarshal(reqBody.Bytes(), &req) != nil || json.Unmarshal(respBody.Bytes(), &resp) != nil {
			return
		}
		// One result per decision, in order.
		for i, r := range resp.Results {
			if r.Status == http.StatusOK && i < len(req.Decisions) && knownDecision(req.Decisions[i].Decision) {
				s.metrics.ApprovalDecided(req.Decisions[i].Decision, channelOf(c))
			}
		}
	}
}

// knownDecision bounds the decision label to the two values the API accepts.
func knownDecision(d string) bool {
	return d == api.DecisionApprove || d == api.DecisionReject
}

type teeBody struct {
	io.Reader
	io.Closer
}

// capturingWriter keeps a copy of the answer, up to maxCapturedAnswer.
type capturingWriter struct {
	gin.ResponseWriter
	buf *bytes.Buffer
}

func (w *capturingWriter) Write(b []byte) (int, error) {
	if w.buf.Len()+len(b) <= maxCapturedAnswer {
		w.buf.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (w *capturingWriter) WriteString(s string) (int, error) {
	if w.buf.Len()+len(s) <= maxCapturedAnswer {
		w.buf.WriteString(s)
	}
	return w.ResponseWriter.WriteString(s)
}
