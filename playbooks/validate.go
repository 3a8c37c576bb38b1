package playbooks

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/greenlight/greenlight/platforms"
)

var (
	namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,99}$`)
	idPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,99}$`)
)

// campaignFacts are what ${campaign.…} may read.
var campaignFacts = map[string]bool{"id": true, "client": true, "playbook": true, "version": true}

// Validate returns every problem in pb, each with its field path (no positions: Parse
// adds them). It never stops at the first.
func Validate(pb *Playbook) []Problem {
	v := &validator{pb: pb, params: map[string]Param{}}
	v.header()
	v.paramsBlock()
	v.guardrails()
	v.steps()
	return v.probs
}

type validator struct {
	pb     *Playbook
	params map[string]Param
	probs  []Problem
}

func (v *validator) addf(field, format string, args ...any) {
	v.probs = append(v.probs, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) header() {
	switch {
	case v.pb.Name == "":
		v.addf("name", "is required")
	case !namePattern.MatchString(v.pb.Name):
		v.addf("name", "%q must be lower-case letters, digits and dashes", v.pb.Name)
	}
	if v.pb.Version < 1 {
		v.addf("version", "must be a whole number of at least 1")
	}
}

func (v *validator) paramsBlock() {
	for i, p := range v.pb.Params {
		f := fmt.Sprintf("params[%d]", i)
		switch {
		case p.Name == "":
			v.addf(f+".name", "is required")
		case !idPattern.MatchString(p.Name):
			v.addf(f+".name", "%q must be lower-case letters, digits, dashes and underscores", p.Name)
		default:
			if _, dup := v.params[p.Name]; dup {
				v.addf(f+".name", "parameter %q is declared twice", p.Name)
			}
			v.params[p.Name] = p
		}
		if !knownType(p.Type) {
			v.addf(f+".type", "%q is not a parameter type; use one of %s", p.Type, strings.Join(paramTypes, ", "))
			continue
		}
		if p.Default != nil {
			if p.Required {
				v.addf(f+".required", "a parameter with a default is never missing, so it cannot be required")
			}
			if _, err := coerce(p.Type, p.Default); err != nil {
				v.addf(f+".default", "%v", err)
			}
		}
	}
}

func (v *validator) guardrails() {
	name := v.pb.Guardrails.CompetitorsParam
	if name == "" {
		return
	}
	p, ok := v.params[name]
	switch {
	case !ok:
		v.addf("guardrails.competitors_param", "names parameter %q, which is not declared", name)
	case p.Type != TypeList:
		v.addf("guardrails.competitors_param", "parameter %q must be a list, not %s", name, p.Type)
	}
}

func (v *validator) steps() {
	if len(v.pb.Steps) == 0 {
		v.addf("steps", "a playbook needs at least one step")
		return
	}
	seen := map[string]int{}
	for i, s := range v.pb.Steps {
		f := fmt.Sprintf("steps[%d]", i)
		switch {
		case s.ID == "":
			v.addf(f+".id", "is required")
		case !idPattern.MatchString(s.ID):
			v.addf(f+".id", "%q must be lower-case letters, digits, dashes and underscores", s.ID)
		default:
			if j, dup := seen[s.ID]; dup {
				v.addf(f+".id", "step id %q is already used by steps[%d]", s.ID, j)
			}
		}
		kinds := 0
		for _, set := range []bool{s.Action != "", s.Approval != nil, s.Wait != nil} {
			if set {
				kinds++
			}
		}
		switch {
		case kinds == 0:
			v.addf(f, "a step needs one of action, approval or wait")
		case kinds > 1:
			v.addf(f, "a step has exactly one of action, approval or wait")
		default:
			switch s.Kind() {
			case KindAction:
				v.action(f, s, seen)
			case KindApproval:
				v.approval(f, s, seen)
			case KindWait:
				if s.Wait.Duration <= 0 {
					v.addf(f+".wait", "must be a positive duration such as 7d")
				}
			}
		}
		if s.Needs != "" {
			if j, ok := seen[s.Needs]; !ok {
				v.addf(f+".needs", "no earlier step has id %q", s.Needs)
			} else if v.pb.Steps[j].Kind() != KindApproval {
				v.addf(f+".needs", "step %q is not an approval", s.Needs)
			}
		}
		if s.Kind() != KindAction {
			if s.With != nil {
				v.addf(f+".with", "only action steps take inputs")
			}
			if s.Retry != nil {
				v.addf(f+".retry", "only action steps are retried")
			}
			if s.Timeout != nil {
				v.addf(f+".timeout", "only action steps have a step timeout; an approval's deadline is approval.timeout")
			}
		}
		if s.ID != "" {
			if _, dup := seen[s.ID]; !dup {
				seen[s.ID] = i
			}
		}
	}
}

func (v *validator) action(f string, s Step, earlier map[string]int) {
	spec, ok := platforms.Catalog[s.Action]
	if !ok {
		v.addf(f+".action", "unknown action %q; known actions: %s", s.Action, strings.Join(platforms.ActionNames(), ", "))
		return
	}
	allowed := map[string]bool{}
	for _, r := range spec.Required {
		allowed[r] = true
		if _, ok := s.With[r]; !ok {
			v.addf(f+".with", "action %s needs input %q", s.Action, r)
		}
	}
	for _, o := range spec.Optional {
		allowed[o] = true
	}
	for _, k := range sortedKeys(s.With) {
		if !allowed[k] {
			v.addf(f+".with."+k, "action %s takes no input %q; it takes %s", s.Action, k, strings.Join(sortedSet(allowed), ", "))
		}
	}
	v.refs(f+".with", s.With, earlier)
	if s.Timeout != nil && s.Timeout.Duration <= 0 {
		v.addf(f+".timeout", "must be a positive duration such as 5m")
	}
	if r := s.Retry; r != nil {
		if r.MaxAttempts < 0 {
			v.addf(f+".retry.max_attempts", "must be 0 (unlimited) or more")
		}
		if r.Initial != nil && r.Initial.Duration <= 0 {
			v.addf(f+".retry.initial", "must be a positive duration")
		}
		if r.Max != nil && r.Initial != nil && r.Max.Duration < r.Initial.Duration {
			v.addf(f+".retry.max", "must not be shorter than retry.initial")
		}
	}
}

func (v *validator) approval(f string, s Step, earlier map[string]int) {
	a := s.Approval
	f += ".approval"
	if strings.TrimSpace(a.Title) == "" {
		v.addf(f+".title", "is required: say what the client is approving")
	}
	v.refs(f+".title", a.Title, earlier)
	v.refs(f+".preview", a.Preview, earlier)
	if a.Timeout.Duration <= 0 {
		v.addf(f+".timeout", "is required: every approval has a deadline, such as 48h")
	}
	switch a.OnTimeout {
	case OnTimeoutApprove, OnTimeoutReject, OnTimeoutSkip, OnTimeoutFail:
	case "":
		v.addf(f+".on_timeout", "is required: say what silence decides (approve, reject, skip or fail)")
	case OnTimeoutEscalate:
		v.addf(f+".on_timeout", "escalate needs approver tiers, which this version does not have yet; use approve, reject, skip or fail")
	default:
		v.addf(f+".on_timeout", "%q is not a policy; use approve, reject, skip or fail", a.OnTimeout)
	}
	switch a.OnReject {
	case "", OnRejectFail, OnRejectContinue:
	default:
		v.addf(f+".on_reject", "%q is not a choice; use fail or continue", a.OnReject)
	}
}

// refs checks every ${…} inside val names something that exists by the time it runs.
func (v *validator) refs(f string, val any, earlier map[string]int) {
	for _, ref := range references(val) {
		parts := strings.Split(ref, ".")
		switch parts[0] {
		case "params":
			if len(parts) < 2 {
				v.addf(f, "${%s}: name a parameter, as in ${params.brand}", ref)
			} else if _, ok := v.params[parts[1]]; !ok {
				v.addf(f, "${%s}: no parameter %q is declared", ref, parts[1])
			}
		case "steps":
			if len(parts) < 3 || parts[2] != "output" {
				v.addf(f, "${%s}: step references read ${steps.ID.output…}", ref)
			} else if _, ok := earlier[parts[1]]; !ok {
				v.addf(f, "${%s}: no earlier step has id %q", ref, parts[1])
			}
		case "campaign":
			if len(parts) != 2 || !campaignFacts[parts[1]] {
				v.addf(f, "${%s}: campaign facts are id, client, playbook and version", ref)
			}
		default:
			v.addf(f, "${%s}: references start with params, steps or campaign", ref)
		}
	}
}

var paramTypes = []string{TypeString, TypeInt, TypeBool, TypeDuration, TypeList}

func knownType(t string) bool {
	for _, k := range paramTypes {
		if k == t {
			return true
		}
	}
	return false
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
