package metrics

import (
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// series gathers the registry's metrics named with prefix as
// "name{k=v,...} kind value" lines, sorted; a histogram's value is its count.
func series(t *testing.T, r *Registry, prefix string) []string {
	t.Helper()
	mfs, err := r.Prometheus().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), prefix) {
			continue
		}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			var v float64
			switch {
			case m.Counter != nil:
				v = m.GetCounter().GetValue()
			case m.Gauge != nil:
				v = m.GetGauge().GetValue()
			case m.Histogram != nil:
				v = float64(m.GetHistogram().GetSampleCount())
			}
			out = append(out, mf.GetName()+"{"+strings.Join(labels, ",")+"} "+
				strings.ToLower(mf.GetType().String())+" "+strconv.FormatFloat(v, 'g', -1, 64))
		}
	}
	sort.Strings(out)
	return out
}

// The SDK may emit one name with different tags; Prometheus allows one label set
// per name, so the first wins and later calls fit into it instead of being lost.
func TestTemporalHandlerFitsTagsToTheFirstLabelSet(t *testing.T) {
	r := New()
	h := r.Temporal()
	h.WithTags(map[string]string{"namespace": "default", "task-queue": "greenlight"}).Counter("temporal_request").Inc(2)
	h.WithTags(map[string]string{"namespace": "default", "operation": "Poll"}).Counter("temporal_request").Inc(1)
	h.WithTags(map[string]string{"namespace": "default"}).Gauge("temporal_num_pollers").Update(3)
	h.Timer("temporal_request_latency").Record(20 * time.Millisecond)
	h.Gauge("temporal_request").Update(1) // same name, other kind: dropped, not a panic

	want := []string{
		"temporal_num_pollers{namespace=default} gauge 3",
		"temporal_request_latency{} histogram 1",
		"temporal_request{namespace=default,task_queue=greenlight} counter 2",
		"temporal_request{namespace=default,task_queue=} counter 1",
	}
	if got := series(t, r, "temporal_"); !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Two registries in one process (tests, several dev instances) never collide,
// and requests no route matched share one label.
func TestRegistriesAreIndependent(t *testing.T) {
	a, b := New(), New()
	a.CampaignLaunched("x")
	a.ObserveHTTP("GET", "", 404, time.Millisecond)
	if got := series(t, b, "greenlight_campaigns_launched"); len(got) != 0 {
		t.Fatalf("b saw a's launch: %v", got)
	}
	want := []string{"greenlight_http_requests_total{code=404,method=GET,route=unmatched} counter 1"}
	if got := series(t, a, "greenlight_http_requests"); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
