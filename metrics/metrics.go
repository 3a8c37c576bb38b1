// Package metrics holds Greenlight's Prometheus metrics: HTTP, domain counters and
// the Temporal SDK's own metrics, all in one registry per process part.
//
// Each Registry is its own prometheus.Registry rather than the global default, so
// tests and several dev instances in one process never collide on registration.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes Greenlight's own metrics (not the Temporal SDK's).
const Namespace = "greenlight"

// Unmatched is the route label of requests no route matched: the raw path would
// let any caller mint a new series per URL.
const Unmatched = "unmatched"

// Registry is one process's metrics.
type Registry struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	launched     *prometheus.CounterVec
	decisions    *prometheus.CounterVec
	canceled     prometheus.Counter
	interrupted  prometheus.Counter
	sweepErrors  prometheus.Counter

	temporal *TemporalHandler
}

// New makes a registry with the Go and process collectors and Greenlight's metrics.
func New() *Registry {
	reg := prometheus.NewRegistry()
	r := &Registry{
		reg: reg,
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "http_request_duration_seconds",
			Help: "Time to answer HTTP requests, by method and route pattern.",
			// Decisions wait for a workflow Update (up to 30s), so the buckets reach past the defaults' 10s.
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"method", "route"}),
		launched: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "campaigns_launched_total",
			Help: "Campaigns launched (201 Created; idempotent replays are not counted), by playbook.",
		}, []string{"playbook"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "approval_decisions_total",
			Help: "Approval decisions the API took, by decision (approve, reject) and channel (api, cli, link).",
		}, []string{"decision", "channel"}),
		canceled: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: Namespace, Name: "campaigns_canceled_total",
			Help: "Campaign cancellations Temporal accepted through the API.",
		}),
		interrupted: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: Namespace, Name: "launches_interrupted_total",
			Help: "Campaigns the launch sweep marked failed because their workflow never started (or ended before recording anything).",
		}),
		sweepErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: Namespace, Name: "launch_sweep_errors_total",
			Help: "Campaigns the launch sweep could not check or settle (store or Temporal unavailable); the next sweep retries them.",
		}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		r.httpRequests, r.httpDuration, r.launched, r.decisions, r.canceled,
		r.interrupted, r.sweepErrors,
	)
	r.temporal = newTemporalHandler(reg)
	return r
}

// Prometheus is the underlying registry, for tests and extra collectors.
func (r *Registry) Prometheus() *prometheus.Registry { return r.reg }

// Handler serves the registry in the Prometheus text format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{Registry: r.reg})
}

// ObserveHTTP records one answered request. route must be a route pattern (or
// Unmatched), never a raw path.
func (r *Registry) ObserveHTTP(method, route string, code int, took time.Duration) {
	if route == "" {
		route = Unmatched
	}
	r.httpRequests.WithLabelValues(method, route, strconv.Itoa(code)).Inc()
	r.httpDuration.WithLabelValues(method, route).Observe(took.Seconds())
}

// CampaignLaunched counts a newly created campaign.
func (r *Registry) CampaignLaunched(playbook string) { r.launched.WithLabelValues(playbook).Inc() }

// ApprovalDecided counts a decision the workflow took.
func (r *Registry) ApprovalDecided(decision, channel string) {
	r.decisions.WithLabelValues(decision, channel).Inc()
}

// CampaignCanceled counts an accepted cancellation.
func (r *Registry) CampaignCanceled() { r.canceled.Inc() }

// LaunchInterrupted counts a campaign the launch sweep marked failed.
func (r *Registry) LaunchInterrupted() { r.interrupted.Inc() }

// LaunchSweepError counts a campaign the launch sweep could not settle this time.
func (r *Registry) LaunchSweepError() { r.sweepErrors.Inc() }

// Temporal is the handler to set as client.Options.MetricsHandler, so the SDK's
// client and worker metrics land in this registry.
func (r *Registry) Temporal() *TemporalHandler { return r.temporal }
