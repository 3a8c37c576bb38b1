package workflows

import (
	"maps"
	"slices"

	"github.com/greenlight/greenlight/playbooks"
)

// frame is where a step runs: the key prefix that makes its instance unique (a
// repeat's iteration, a parallel branch) and the loop variables in scope. A
// parallel branch keeps its steps' outputs to itself, so the same step of two
// branches never overwrites the other's.
type frame struct {
	parent    *frame
	prefix    string
	item      any
	hasItem   bool
	iteration int
	outputs   map[string]map[string]any // nil: outputs belong to the enclosing frame
}

// child returns a frame nested in f; keyPart extends the instance key.
func (f *frame) child(keyPart string) *frame {
	return &frame{parent: f, prefix: f.prefix + keyPart + ".", item: f.item, hasItem: f.hasItem, iteration: f.iteration}
}

func (f *frame) key(stepID string) string { return f.prefix + stepID }

// setOutput records a step's output in the innermost frame that keeps outputs.
func (r *campaignRun) setOutput(f *frame, stepID string, out map[string]any) {
	for g := f; g != nil; g = g.parent {
		if g.outputs != nil {
			g.outputs[stepID] = out
			return
		}
	}
	r.outputs[stepID] = out
}

// output reads a step's output as seen from f: the innermost first.
func (r *campaignRun) output(f *frame, stepID string) map[string]any {
	for g := f; g != nil; g = g.parent {
		if out, ok := g.outputs[stepID]; ok {
			return out
		}
	}
	return r.outputs[stepID]
}

// scopeFor is what templates and conditions may read from f.
func (r *campaignRun) scopeFor(f *frame) playbooks.Scope {
	steps := r.outputs
	if f.visibleOutputs() {
		steps = map[string]map[string]any{}
		copyOutputs(steps, r.outputs)
		var chain []*frame
		for g := f; g != nil; g = g.parent {
			chain = append(chain, g)
		}
		for i := len(chain) - 1; i >= 0; i-- {
			copyOutputs(steps, chain[i].outputs)
		}
	}
	return playbooks.Scope{
		Params: r.in.Params,
		Steps:  steps,
		Campaign: map[string]any{
			"id": r.in.CampaignID, "client": r.in.Client,
			"playbook": r.in.Playbook.Name, "version": float64(r.in.Playbook.Version),
		},
		Item:      f.item,
		HasItem:   f.hasItem,
		Iteration: f.iteration,
		Legacy:    r.legacyEval,
	}
}

func (f *frame) visibleOutputs() bool {
	for g := f; g != nil; g = g.parent {
		if g.outputs != nil {
			return true
		}
	}
	return false
}

func copyOutputs(dst, src map[string]map[string]any) {
	for _, k := range slices.Sorted(maps.Keys(src)) {
		dst[k] = src[k]
	}
}
