package server

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/store"
)

// waitingOf says what a running campaign sleeps on, when it sleeps: a repeat
// between two iterations, or a wait step. Without it a campaign in a week-long
// interval reads as running with its last step finished, which looks stuck.
// It is read from the step rows and the playbook, so campaigns started by any
// version of the workflow show it.
func (s *Server) waitingOf(ctx context.Context, c *store.Campaign, steps []api.StepView) *api.WaitingView {
	if c.Status != api.StatusRunning || len(steps) == 0 {
		return nil
	}
	busy := func(prefix string) bool {
		for _, st := range steps {
			if strings.HasPrefix(st.Key, prefix) && (st.Status == api.StepRunning || st.Status == api.StepWaitingApproval) &&
				st.Kind != playbooks.KindRepeat && st.Kind != playbooks.KindParallel && st.Kind != playbooks.KindBranch {
				return true
			}
		}
		return false
	}
	var pb *playbooks.Playbook
	for _, st := range steps {
		if st.Status != api.StepRunning || (st.Kind != playbooks.KindRepeat && st.Kind != playbooks.KindWait) {
			continue
		}
		if pb == nil {
			if pb = s.stepsOf(ctx, c.Playbook, c.PlaybookVersion); pb == nil {
				return nil
			}
		}
		def := findStep(pb.Steps, st.ID)
		if def == nil {
			continue
		}
		switch {
		case st.Kind == playbooks.KindWait && def.Wait != nil && st.StartedAt != nil:
			return &api.WaitingView{Until: st.StartedAt.Add(def.Wait.Duration), Step: st.Key, Reason: "wait", For: "the step after " + stepLabel(st.Name, st.ID)}
		case st.Kind == playbooks.KindRepeat && def.Repeat != nil && !busy(st.Key+"."):
			n, last := lastIteration(steps, st.Key)
			if n == 0 || last.IsZero() {
				continue
			}
			next := "iteration " + strconv.Itoa(n+1)
			if len(def.Repeat.Steps) > 0 {
				first := def.Repeat.Steps[0]
				next += ": " + stepLabel(strings.ReplaceAll(first.Name, "${iteration}", strconv.Itoa(n+1)), first.ID)
			}
			return &api.WaitingView{Until: last.Add(def.Repeat.Every.Duration), Step: st.Key, Reason: "repeat", For: next}
		}
	}
	return nil
}

// lastIteration is the newest iteration of the repeat at key with a row, and
// when its last step finished.
func lastIteration(steps []api.StepView, key string) (int, time.Time) {
	n := 0
	for _, st := range steps {
		rest, ok := strings.CutPrefix(st.Key, key+".")
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(rest, ".")
		if i, err := strconv.Atoi(num); err == nil && i > n {
			n = i
		}
	}
	var last time.Time
	prefix := key + "." + strconv.Itoa(n) + "."
	for _, st := range steps {
		if strings.HasPrefix(st.Key, prefix) && st.FinishedAt != nil && st.FinishedAt.After(last) {
			last = *st.FinishedAt
		}
	}
	return n, last
}

// findStep is the step with id anywhere in steps.
func findStep(steps []playbooks.Step, id string) *playbooks.Step {
	for i := range steps {
		if steps[i].ID == id {
			return &steps[i]
		}
		var bodies [][]playbooks.Step
		if p := steps[i].Parallel; p != nil {
			bodies = append(bodies, p.Steps)
			for _, b := range p.Branches {
				bodies = append(bodies, b.Steps)
			}
		}
		if r := steps[i].Repeat; r != nil {
			bodies = append(bodies, r.Steps)
		}
		if b := steps[i].Branch; b != nil {
			bodies = append(bodies, b.Then, b.Else)
		}
		for _, body := range bodies {
			if s := findStep(body, id); s != nil {
				return s
			}
		}
	}
	return nil
}

// stepLabel names a step for people: its name unless it is still a template.
func stepLabel(name, id string) string {
	if name == "" || strings.Contains(name, "${") {
		return id
	}
	return name
}

// maxParsed bounds the playbook versions waitingOf keeps parsed.
const maxParsed = 256

// stepsOf is playbook name at version, parsed once: a registered version never
// changes, and a sleeping campaign's view is read often (clients poll it).
// The returned playbook is shared: read it, never change it.
func (s *Server) stepsOf(ctx context.Context, name string, version int) *playbooks.Playbook {
	key := name + "@" + strconv.Itoa(version)
	s.parsedMu.Lock()
	pb, ok := s.parsed[key]
	s.parsedMu.Unlock()
	if ok {
		return pb
	}
	_, pb, err := s.findPlaybook(ctx, name, version)
	if err != nil {
		return nil
	}
	s.parsedMu.Lock()
	defer s.parsedMu.Unlock()
	if s.parsed == nil || len(s.parsed) >= maxParsed {
		s.parsed = map[string]*playbooks.Playbook{}
	}
	s.parsed[key] = pb
	return pb
}
