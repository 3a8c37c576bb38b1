package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/greenlight/greenlight/api"
)

// waiting launches o.Waiting approval campaigns, o.WaitingConcurrency at a
// time, waits until every one waits on its approval, and reports the launch
// rate, the child's memory, and reads of the inbox (GET
// /v1/approvals?status=pending, what `greenlight approvals` and the web inbox
// list) and of the approvals report, then the memory again: reads must not
// grow it.
func (s *stack) waiting(ctx context.Context, o *Options, rep *Report) error {
	n, c := o.Waiting, o.WaitingConcurrency
	label := fmt.Sprintf("%d waiting campaigns", n)
	views := make([]api.CampaignView, n)
	launched, err := runConcurrent(ctx, n, c, func(ctx context.Context, i int) (err error) {
		views[i], err = s.launch(ctx, approvalPlaybook)
		return err
	})
	if err != nil {
		return fmt.Errorf("bench: waiting: launch: %w", err)
	}
	o.progress("waiting: launched %d at %.1f/s", n, launched.PerSecond())
	start := time.Now()
	if err := s.awaitWaiting(ctx, views, c); err != nil {
		return fmt.Errorf("bench: waiting: %w", err)
	}
	allWaiting := time.Since(start) + launched.Wall
	o.progress("waiting: all %d waiting %.1fs after the first launch", n, allWaiting.Seconds())
	rep.add(Row{Key: "waiting.launch", Measure: fmt.Sprintf("%s: launch rate (%d concurrent)", label, c), Unit: UnitPerSecond,
		HigherIsBetter: true, Greenlight: []float64{launched.PerSecond()}})
	rep.add(Row{Key: "waiting.all_waiting", Measure: label + ": from first launch to all waiting", Unit: UnitSeconds,
		Greenlight: []float64{allWaiting.Seconds()}})
	if err := s.memoryRows(ctx, "waiting", label, rep); err != nil {
		return err
	}

	// A read that returned nothing would be fast and wrong: the inbox must
	// list the waiting campaigns, up to its default page of 100.
	var inbox struct {
		Items []api.ApprovalView `json:"items"`
	}
	if err := s.api.do(ctx, "GET", "/v1/approvals?status=pending", nil, 200, &inbox); err != nil {
		return fmt.Errorf("bench: waiting: inbox: %w", err)
	}
	if want := min(n, 100); len(inbox.Items) != want {
		return fmt.Errorf("bench: waiting: the inbox lists %d pending approvals, want %d", len(inbox.Items), want)
	}
	reads := []struct{ key, label, path string }{
		{"inbox", "inbox (GET /v1/approvals?status=pending)", "/v1/approvals?status=pending"},
		{"report", "approvals report (GET /v1/reports/approvals)", "/v1/reports/approvals"},
	}
	for _, r := range reads {
		t, err := runConcurrent(ctx, o.Reads, 1, func(ctx context.Context, _ int) error {
			return s.api.do(ctx, "GET", r.path, nil, 200, nil)
		})
		if err != nil {
			return fmt.Errorf("bench: waiting: %s: %w", r.key, err)
		}
		rep.add(Row{Key: "waiting." + r.key + ".p50", Measure: fmt.Sprintf("%s: %s p50", label, r.label), Unit: UnitMillis,
			Greenlight: []float64{ms(Percentile(t.Latencies, 50))}})
		rep.add(Row{Key: "waiting." + r.key + ".p99", Measure: fmt.Sprintf("%s: %s p99", label, r.label), Unit: UnitMillis,
			Greenlight: []float64{ms(Percentile(t.Latencies, 99))}})
	}
	return s.memoryRows(ctx, "waiting.after_reads", fmt.Sprintf("%s, after %d reads of each", label, o.Reads), rep)
}

// memoryRows adds the child's RSS, Go heap and goroutines.
func (s *stack) memoryRows(ctx context.Context, key, label string, rep *Report) error {
	rss, err := s.child.rssMB()
	if err != nil {
		return err
	}
	gm, err := s.api.goMetrics(ctx)
	if err != nil {
		return err
	}
	rep.add(Row{Key: key + ".rss", Measure: label + ": RSS", Unit: UnitMB, Greenlight: []float64{rss}})
	rep.add(Row{Key: key + ".heap", Measure: label + ": Go heap", Unit: UnitMB, Greenlight: []float64{gm.HeapMB}})
	rep.add(Row{Key: key + ".goroutines", Measure: label + ": goroutines", Unit: UnitCount, Greenlight: []float64{gm.Goroutines}})
	return nil
}
