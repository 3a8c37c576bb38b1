// Package server is the HTTP API: one route table, one handler file per resource.
// Handlers decode, validate, act and reply, returning early on the first problem.
package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/greenlight/greenlight/metrics"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/workflows"
)

// Deps are what the API needs; the process wiring provides them.
type Deps struct {
	Store     *store.Store
	Temporal  client.Client
	Namespace string
	UIURL     string // base URL of the Temporal Web UI; "" = no links
	Connector string // platform connector new campaigns use
	// TaskQueue is the deployment's task queue, where campaigns start
	// (workflows.TaskQueueFor); "" is the one shared before deployments had
	// names.
	TaskQueue string
	// LendSandbox lets a campaign act through Connector on a platform where the
	// client has no account (dev); off, such a launch is refused with 422.
	LendSandbox bool
	Logger      *slog.Logger
	// LinkSecret signs one-click approval links; nil turns the link endpoints off.
	LinkSecret []byte
	// PublicURL is the API's base URL as approvers reach it, for links; "" = the
	// URL each link request came through.
	PublicURL string
	// SearchAttributes says the namespace has Greenlight's search attributes:
	// campaigns then start with client, playbook and status set.
	SearchAttributes bool
	// Metrics receives the API's metrics and serves them at /metrics; nil makes a
	// registry of the API's own (the process wiring passes the one Temporal uses).
	Metrics *metrics.Registry
	// Auth requires an API token on every /v1 route (auth.go). Off, the API is
	// open, as unit tests that build a server without tokens expect.
	Auth bool
	// AfterCampaignRow, when set, is called once a launch has written its
	// campaign row and before it starts the workflow: the one point where a
	// crash leaves a campaign without a workflow (see launch_sweep.go). Crash
	// tests stop the process here; a production process leaves it nil.
	AfterCampaignRow func(ctx context.Context, campaignID string)
	// Slack takes decisions from Slack's buttons at /v1/slack/interactions
	// (slack.go); nil answers that route 404.
	Slack *Slack
	// Codec serves /codec/encode and /codec/decode for the Temporal Web UI
	// (codec.go); nil answers those routes 404. CodecOrigins are the Web UI
	// origins browsers may call it from.
	Codec        converter.PayloadCodec
	CodecOrigins []string
	// Outbox is dev mode's folder of emails written instead of sent, shown at
	// /dev/outbox (devoutbox.go); "" serves no such page.
	Outbox string
}

// Server holds the API's dependencies.
type Server struct {
	store       *store.Store
	temporal    client.Client
	namespace   string
	uiURL       string
	connector   string
	taskQueue   string
	lendSandbox bool
	// parsed keeps the playbook versions sleeping campaigns' views read
	// (waiting.go).
	parsedMu sync.Mutex
	parsed   map[string]*playbooks.Playbook
	// codec decodes payloads for the Web UI (codec.go).
	codec        converter.PayloadCodec
	codecOrigins []string
	log          *slog.Logger
	engine       *gin.Engine
	linkKey      []byte
	publicURL    string
	decisions    keyedLocks // one decision at a time per approval
	outbox       string     // dev mode's outbox folder, shown at /dev/outbox
	slack        *Slack
	background   sync.WaitGroup // work a request started that outlives it (Slack clicks)
	searchAttrs  bool
	metrics      *metrics.Registry
	auth         bool
	afterRow     func(ctx context.Context, campaignID string)
}

// New builds the API and its route table.
func New(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Connector == "" {
		d.Connector = "sandbox"
	}
	if d.TaskQueue == "" {
		d.TaskQueue = workflows.TaskQueue
	}
	gin.SetMode(gin.ReleaseMode)
	s := &Server{
		store: d.Store, temporal: d.Temporal, namespace: d.Namespace, uiURL: d.UIURL,
		connector: d.Connector, taskQueue: d.TaskQueue, lendSandbox: d.LendSandbox, log: slog.New(requestLogHandler{d.Logger.Handler()}), engine: gin.New(),
		linkKey: d.LinkSecret, publicURL: strings.TrimRight(d.PublicURL, "/"), searchAttrs: d.SearchAttributes,
	}
	s.metrics = d.Metrics
	s.auth = d.Auth
	s.outbox = d.Outbox
	s.codec, s.codecOrigins = d.Codec, d.CodecOrigins
	s.slack = d.Slack
	s.afterRow = d.AfterCampaignRow
	if s.metrics == nil {
		s.metrics = metrics.New()
	}
	s.routes()
	return s
}

// Handler is the http.Handler to serve.
func (s *Server) Handler() http.Handler { return s.engine }

// Wait waits for the work requests started that outlives them (a Slack
// click's decision); call it after the HTTP server has shut down.
func (s *Server) Wait() { s.background.Wait() }

func (s *Server) routes() {
	e := s.engine
	// No proxy is trusted until one is configured: a client cannot spoof its address.
	_ = e.SetTrustedProxies(nil)
	// Outermost, so a request whose handler panicked is counted with its 500.
	e.Use(s.requestID(), s.observe())
	e.Use(s.recoverer(), s.accessLog())
	// Before authentication: a query Go would misread must not reach anything.
	e.Use(checkRequestText())
	e.NoRoute(func(c *gin.Context) { notFound(c, "no route "+c.Request.Method+" "+c.Request.URL.Path) })
	e.NoMethod(func(c *gin.Context) {
		problem(c, http.StatusMethodNotAllowed, probBadRequest, "Method not allowed", c.Request.Method+" is not allowed here")
	})
	e.HandleMethodNotAllowed = true

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.serveMetrics)
	e.GET("/openapi.yaml", s.openAPI)
	if s.outbox != "" {
		s.devOutboxRoutes(e)
	}
	if s.codec != nil {
		s.codecRoutes(e)
	}
	// Slack signs its requests instead of sending a token.
	e.POST("/v1/slack/interactions", s.slackInteraction)

	// The pages of signed links carry their own credential (pages.go); like the
	// approval page, they show on GET and act only on their own form's POST.
	e.GET("/inbox", s.inboxPage)
	e.POST("/inbox", s.inboxDecide)
	e.GET("/timeline/:id", s.timelinePage)

	// Health, metrics and the spec stay public: probes and scrapers carry no token.
	v1 := e.Group("/v1", s.authenticate())
	read, launch, control := s.allow(rightRead), s.allow(rightLaunch), s.allow(rightControl)
	decide, reports, tokens := s.allow(rightDecide), s.allow(rightReports), s.allow(rightTokens)
	v1.GET("/playbooks", read, s.listPlaybooks)
	v1.POST("/playbooks", s.allow(rightPlaybooks), s.registerPlaybook)
	v1.GET("/playbooks/:name", read, s.getPlaybook)
	v1.POST("/playbooks/validate", read, s.validatePlaybook)

	v1.POST("/campaigns", launch, s.createCampaign)
	v1.GET("/campaigns", read, s.listCampaigns)
	v1.GET("/campaigns/:id", read, s.getCampaign)
	v1.POST("/campaigns/:id/cancel", control, s.cancelCampaign)
	v1.POST("/campaigns/:id/pause", control, s.pauseCampaign)
	v1.POST("/campaigns/:id/resume", control, s.resumeCampaign)
	v1.GET("/campaigns/:id/events", read, s.listCampaignEvents)

	v1.GET("/approvals", read, s.listApprovals)
	v1.POST("/approvals/decisions", decide, s.decideMany)
	v1.GET("/approvals/:id", read, s.getApproval)
	v1.GET("/approvals/:id/deliveries", read, s.listDeliveries)
	// With ?token= a signed link is the credential (authenticate lets it by);
	// without, the caller's token must grant deciding.
	v1.POST("/approvals/:id/decision", s.allowUnlessLink(rightDecide), s.decideApproval)
	// A signed link opens a page that confirms; it never decides on GET, because
	// mail scanners fetch every link in a message.
	v1.GET("/approvals/:id/decision", s.linkPage)
	// A link acts as the person it names, so it is minted only for the caller.
	v1.POST("/approvals/:id/links", decide, s.createLinks)
	// An inbox link acts as the person it names: minted only for the caller.
	v1.POST("/inbox/links", decide, s.createInboxLink)

	v1.GET("/reports/approvals", reports, s.approvalsReport)
	v1.GET("/audit", s.allow(rightAudit), s.listAudit)

	people := s.allow(rightPeople)
	v1.GET("/people", people, s.listPeople)
	v1.POST("/people", people, s.createPerson)
	v1.GET("/people/:id", people, s.getPerson)
	v1.PUT("/people/:id", people, s.updatePerson)
	v1.DELETE("/people/:id", people, s.deletePerson)

	accounts := s.allow(rightAccounts)
	v1.GET("/clients/:client/accounts", read, s.listAccounts)
	v1.POST("/clients/:client/accounts", accounts, s.createAccount)
	v1.GET("/clients/:client/accounts/:id", read, s.getAccount)
	v1.PUT("/clients/:client/accounts/:id", accounts, s.updateAccount)
	v1.DELETE("/clients/:client/accounts/:id", accounts, s.deleteAccount)

	v1.GET("/tokens", tokens, s.listTokens)
	v1.POST("/tokens", tokens, s.createToken)
	v1.POST("/tokens/:id/revoke", tokens, s.revokeToken)
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz reports whether the store and Temporal answer; load balancers stop
// sending traffic on 503.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	checks := gin.H{}
	ready := true
	// The probe is open to anyone who reaches the port, so a failure names the
	// check; its cause (addresses, drivers' wording) goes to the log under the
	// request id the answer carries.
	if err := s.store.Ping(ctx); err != nil {
		s.log.WarnContext(ctx, "not ready: the database does not answer", "error", err)
		checks["store"] = "not reachable; see the log"
		ready = false
	} else {
		checks["store"] = "ok"
	}
	if _, err := s.temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		s.log.WarnContext(ctx, "not ready: Temporal does not answer", "error", err)
		checks["temporal"] = "not reachable; see the log"
		ready = false
	} else {
		checks["temporal"] = "ok"
	}
	if !ready {
		b, _ := json.Marshal(gin.H{"type": probUnavailable, "title": "Not ready", "status": http.StatusServiceUnavailable, "checks": checks,
			"request_id": requestIDOf(c)})
		c.Data(http.StatusServiceUnavailable, problemContentType, b)
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "checks": checks})
}

func (s *Server) recoverer() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				s.log.ErrorContext(c.Request.Context(), "handler panicked", "panic", r, "path", c.Request.URL.Path)
				problem(c, http.StatusInternalServerError, probInternal, "Internal error", "unexpected failure")
			}
		}()
		c.Next()
	}
}

func (s *Server) accessLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		s.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "http",
			slog.String("method", c.Request.Method), slog.String("route", c.FullPath()),
			slog.String("path", c.Request.URL.Path), slog.Int("status", c.Writer.Status()),
			slog.String("client_ip", c.ClientIP()),
			slog.Duration("took", time.Since(start)))
	}
}
