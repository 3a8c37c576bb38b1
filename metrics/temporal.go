package metrics

import (
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// TemporalHandler adapts the Temporal SDK's metrics to Prometheus. The SDK's own
// adapter (go.temporal.io/sdk/contrib/tally) is not in this module's graph, so this
// is a small one: counters, gauges and timers (as histograms in seconds), created
// lazily per metric name, with the SDK's tags as labels.
//
// Prometheus refuses one name with two label sets, but the SDK may emit a name
// with different tags in different places. So the first tag keys seen for a name
// fix its labels; later values for keys it lacks are dropped, and keys missing
// from a later call are "". Names keep the SDK's spelling (temporal_…), sanitized,
// so Temporal's dashboards and docs apply.
type TemporalHandler struct {
	shared *temporalMetrics
	tags   map[string]string
}

type temporalMetrics struct {
	reg prometheus.Registerer
	mu  sync.Mutex
	// vecs is keyed by sanitized metric name; each entry has its fixed label keys.
	vecs map[string]*temporalVec
}

type temporalVec struct {
	kind   string // counter, gauge, timer
	labels []string
	vec    any // *CounterVec, *GaugeVec or *HistogramVec; nil if it could not be registered
}

var _ client.MetricsHandler = (*TemporalHandler)(nil)

func newTemporalHandler(reg prometheus.Registerer) *TemporalHandler {
	return &TemporalHandler{shared: &temporalMetrics{reg: reg, vecs: map[string]*temporalVec{}}}
}

// WithTags returns a handler whose metrics carry these tags on top of its own.
func (h *TemporalHandler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	for k, v := range h.tags {
		merged[k] = v
	}
	for k, v := range tags {
		merged[k] = v
	}
	return &TemporalHandler{shared: h.shared, tags: merged}
}

// Counter implements client.MetricsHandler.
func (h *TemporalHandler) Counter(name string) client.MetricsCounter {
	v, values := h.shared.get("counter", name, h.tags)
	cv, ok := v.(*prometheus.CounterVec)
	if !ok {
		return client.MetricsNopHandler.Counter(name)
	}
	c := cv.WithLabelValues(values...)
	return counterFunc(func(d int64) {
		if d > 0 { // Prometheus counters only go up.
			c.Add(float64(d))
		}
	})
}

// Gauge implements client.MetricsHandler.
func (h *TemporalHandler) Gauge(name string) client.MetricsGauge {
	v, values := h.shared.get("gauge", name, h.tags)
	gv, ok := v.(*prometheus.GaugeVec)
	if !ok {
		return client.MetricsNopHandler.Gauge(name)
	}
	g := gv.WithLabelValues(values...)
	return gaugeFunc(g.Set)
}

// Timer implements client.MetricsHandler.
func (h *TemporalHandler) Timer(name string) client.MetricsTimer {
	v, values := h.shared.get("timer", name, h.tags)
	hv, ok := v.(*prometheus.HistogramVec)
	if !ok {
		return client.MetricsNopHandler.Timer(name)
	}
	o := hv.WithLabelValues(values...)
	return timerFunc(func(d time.Duration) { o.Observe(d.Seconds()) })
}

type counterFunc func(int64)

func (f counterFunc) Inc(d int64) { f(d) }

type gaugeFunc func(float64)

func (f gaugeFunc) Update(v float64) { f(v) }

type timerFunc func(time.Duration)

func (f timerFunc) Record(d time.Duration) { f(d) }

// get finds or makes the vec for name, and the label values for tags in its order.
func (m *temporalMetrics) get(kind, name string, tags map[string]string) (any, []string) {
	name = sanitize(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	tv, ok := m.vecs[name]
	if !ok {
		tv = &temporalVec{kind: kind, labels: labelKeys(tags)}
		tv.vec = m.register(kind, name, tv.labels)
		m.vecs[name] = tv
	}
	if tv.kind != kind || tv.vec == nil {
		// One name used as two kinds, or refused by the registry: drop it
		// rather than fail the SDK.
		return nil, nil
	}
	values := make([]string, len(tv.labels))
	for k, v := range tags {
		if i := sort.SearchStrings(tv.labels, sanitize(k)); i < len(tv.labels) && tv.labels[i] == sanitize(k) {
			values[i] = v
		}
	}
	return tv.vec, values
}

func (m *temporalMetrics) register(kind, name string, labels []string) any {
	help := "Temporal SDK metric " + name + "."
	var c prometheus.Collector
	switch kind {
	case "counter":
		c = prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	case "gauge":
		c = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	default:
		// Seconds, from a millisecond poll to the SDK's long polls (up to ~70s).
		c = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help,
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}}, labels)
	}
	if err := m.reg.Register(c); err != nil {
		return nil
	}
	return c
}

// labelKeys are the sanitized tag keys, sorted, without duplicates.
func labelKeys(tags map[string]string) []string {
	keys := make([]string, 0, len(tags))
	seen := map[string]bool{}
	for k := range tags {
		k = sanitize(k)
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// sanitize maps a name to Prometheus' [a-zA-Z_][a-zA-Z0-9_]*.
func sanitize(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_':
			b.WriteRune(r)
		case r >= '0' && r <= '9':
			if i == 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}
