package bench

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
)

// builtinParams are the launch parameters each built-in needs, as
// app/builtins_e2e_test.go launches them; the rest keep their defaults, so
// the run is a whole default campaign. A built-in missing here is reported
// as not run.
var builtinParams = map[string]map[string]any{
	"reputation-repair":  {"brand": "Acme Bakery"},
	"audience-expansion": {"brand": "Acme Bakery", "audience": []any{"sourdough"}, "competitors": []any{"@rivalbakery"}},
	// A sensitive mention, so the run goes through the human decision.
	"crisis-triage": {"brand": "Acme", "text": "This is a scam, I want a refund", "author": "@dana", "url": "https://x.invalid/dana/1"},
}

var (
	// durationRe matches the playbooks' day, hour and week durations.
	durationRe = regexp.MustCompile(`\b\d+[dhw]\b`)
	// timeoutLine is an approval's deadline, which keeps its length: the
	// benchmark decides every approval itself, so the run takes the path a
	// person's yes takes, the same every time, not the one silence would.
	timeoutLine = regexp.MustCompile(`^\s*timeout:`)
)

// fastPlaybook is a built-in's source renamed to bench-<name>, with its waits
// and intervals shrunk to a second: the same steps and the same history
// events as the real run, in seconds instead of weeks.
func fastPlaybook(src []byte, name string) []byte {
	lines := strings.Split(string(src), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "name: ") {
			lines[i] = "name: bench-" + name
			continue
		}
		if !timeoutLine.MatchString(l) {
			lines[i] = durationRe.ReplaceAllString(l, "1s")
		}
	}
	return []byte(strings.Join(lines, "\n"))
}

// histories runs each built-in (its latest version) to its end on the stack,
// approving every approval as soon as it waits, and reports the history
// events of its workflow summed over its continue-as-new runs.
func (s *stack) histories(ctx context.Context, o *Options, rep *Report) error {
	srcs, err := playbooks.Builtins()
	if err != nil {
		return err
	}
	latest := map[string]playbooks.Source{}
	var names []string
	for _, src := range srcs {
		name := src.Playbook.Name
		if cur, ok := latest[name]; !ok || src.Playbook.Version > cur.Playbook.Version {
			if !ok {
				names = append(names, name)
			}
			latest[name] = src
		}
	}
	for _, name := range names {
		src := latest[name]
		params, ok := builtinParams[name]
		if !ok {
			rep.note("history of built-in %s: not run, the benchmark knows no launch parameters for it", name)
			continue
		}
		params = maps.Clone(params)
		if o.Weeks > 0 && hasParam(src.Playbook, "max_weeks") {
			params["max_weeks"] = o.Weeks
		}
		events, runs, took, err := s.runToEnd(ctx, src, name, params)
		if err != nil {
			return fmt.Errorf("bench: history of built-in %s: %w", name, err)
		}
		o.progress("history: %s v%d: %d events in %d run(s), %s", name, src.Playbook.Version, events, runs, took.Round(time.Millisecond))
		label := fmt.Sprintf("history events, built-in %s v%d, whole run", name, src.Playbook.Version)
		if w, ok := params["max_weeks"]; ok {
			label += fmt.Sprintf(" (max_weeks %v)", w)
		}
		if runs > 1 {
			label += fmt.Sprintf(", %d runs", runs)
		}
		rep.add(Row{Key: "history." + name, Measure: label, Unit: UnitCount, Greenlight: []float64{float64(events)}})
	}
	return nil
}

func hasParam(pb *playbooks.Playbook, name string) bool {
	for _, p := range pb.Params {
		if p.Name == name {
			return true
		}
	}
	return false
}

// runToEnd registers the fast copy of a built-in, launches it and approves
// its approvals until it completes; then counts its history.
func (s *stack) runToEnd(ctx context.Context, src playbooks.Source, name string, params map[string]any) (events, runs int, took time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	if err := s.api.do(ctx, "POST", "/v1/playbooks", fastPlaybook(src.YAML, name), 201, nil); err != nil {
		return 0, 0, 0, err
	}
	start := time.Now()
	var v api.CampaignView
	body := map[string]any{"playbook": "bench-" + name, "client": benchClient, "params": params}
	if err := s.api.do(ctx, "POST", "/v1/campaigns", body, 201, &v); err != nil {
		return 0, 0, 0, err
	}
	for {
		var cur api.CampaignView
		if err := s.api.do(ctx, "GET", "/v1/campaigns/"+v.ID, nil, 200, &cur); err != nil {
			return 0, 0, 0, err
		}
		switch cur.Status {
		case api.StatusCompleted:
			took = time.Since(start)
			events, runs, err = s.historyLength(ctx, v.WorkflowID)
			return events, runs, took, err
		case api.StatusFailed, api.StatusCanceled:
			return 0, 0, 0, fmt.Errorf("campaign %s ended %s at %s: %s", v.ID, cur.Status, cur.CurrentStep, cur.Error)
		}
		var pending struct {
			Items []api.ApprovalView `json:"items"`
		}
		if err := s.api.do(ctx, "GET", "/v1/approvals?status=pending&campaign_id="+v.ID, nil, 200, &pending); err != nil {
			return 0, 0, 0, err
		}
		for _, a := range pending.Items {
			// 409: it was decided meanwhile (an escalation moved it on).
			err := s.api.do(ctx, "POST", "/v1/approvals/"+a.ID+"/decision", map[string]any{"decision": api.DecisionApprove}, 200, nil)
			if err != nil && !strings.Contains(err.Error(), "status 409") {
				return 0, 0, 0, err
			}
		}
		select {
		case <-ctx.Done():
			return 0, 0, 0, fmt.Errorf("campaign %s not completed in time (at %s, %s): %w", v.ID, cur.CurrentStep, cur.Status, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// historyLength counts the events of every run of a workflow, walking from
// the latest run back through each run's predecessor.
func (s *stack) historyLength(ctx context.Context, workflowID string) (events, runs int, err error) {
	desc, err := s.tc.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil {
		return 0, 0, fmt.Errorf("describe %s: %w", workflowID, err)
	}
	runID := desc.WorkflowExecutionInfo.Execution.RunId
	for runID != "" {
		runs++
		it := s.tc.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		prev := ""
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				return 0, 0, fmt.Errorf("history of %s run %s: %w", workflowID, runID, err)
			}
			events++
			if a := ev.GetWorkflowExecutionStartedEventAttributes(); a != nil {
				prev = a.GetContinuedExecutionRunId()
			}
		}
		runID = prev
	}
	return events, runs, nil
}
