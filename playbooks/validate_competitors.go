package playbooks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/greenlight/greenlight/guardrails/competitors"
	"github.com/greenlight/greenlight/platforms"
)

// competitorProblems checks a competitor list (a launch's value, or a
// default) with the guardrail's reader; each problem's field is field plus the
// entry's path, such as params.competitors[1].accounts.x[0].
func competitorProblems(field string, v any) []Problem {
	list, ok := v.([]any)
	if !ok {
		return nil // coerce reports a value that is not a list
	}
	_, ps := competitors.Parse(list)
	out := make([]Problem, 0, len(ps))
	for _, p := range ps {
		out = append(out, Problem{Field: field + p.Field, Message: p.Message})
	}
	return out
}

// competitorDefault checks the default of the competitors parameter, so a
// playbook cannot ship a list the guardrail cannot read.
func (v *validator) competitorDefault() {
	name := v.pb.Guardrails.CompetitorsParam
	i := slices.IndexFunc(v.pb.Params, func(p Param) bool { return p.Name == name })
	if name == "" || i < 0 || v.pb.Params[i].Type != TypeList || v.pb.Params[i].Default == nil {
		return
	}
	def, err := coerce(TypeList, v.pb.Params[i].Default)
	if err != nil {
		return // paramsBlock reports it
	}
	for _, p := range competitorProblems(fmt.Sprintf("params[%d].default", i), def) {
		v.addf(p.Field, "%s", p.Message)
	}
}

// onBlocked checks a step's on_blocked: an approval that asks a person about
// what the competitor guardrail kept from the action. Silence must never let a
// blocked action through, so no silence policy may approve, and no grant may
// pass it: a person decides each one.
func (v *validator) onBlocked(p string, s *Step, at place) {
	a := s.OnBlocked
	if a == nil {
		return
	}
	f := p + ".on_blocked"
	if s.Kind() != KindAction {
		v.addf(f, "only action steps take on_blocked")
		return
	}
	if spec, ok := platforms.Catalog[s.Action]; ok && len(spec.Guarded) == 0 {
		v.addf(f, "the competitor guardrail never blocks %s (it guards %s), so on_blocked would never ask", s.Action, guardedActions())
	}
	if v.pb.Guardrails.CompetitorsParam == "" {
		v.addf(f, "the playbook names no competitors (guardrails.competitors_param), so nothing is ever blocked")
	}
	// The approval's own fields are checked as any approval's, and reported
	// under on_blocked.
	before := len(v.probs)
	v.approval(p, &Step{ID: s.ID, Approval: a}, at)
	for i := before; i < len(v.probs); i++ {
		if rest, ok := cutPrefixField(v.probs[i].Field, p+".approval"); ok {
			v.probs[i].Field = f + rest
		}
	}
	silence := func(field, policy string) {
		if policy == OnTimeoutApprove && !slices.ContainsFunc(v.probs[before:], func(pr Problem) bool { return pr.Field == field }) {
			v.addf(field, "silence never lets a blocked action through: use reject, escalate, skip or fail")
		}
	}
	silence(f+".on_timeout", a.OnTimeout)
	if a.Escalate != nil {
		silence(f+".escalate.on_timeout", a.Escalate.OnTimeout)
	}
	if a.Grant != nil {
		v.addf(f+".grant", "a blocked action grants nothing: each is decided on its own")
	}
	if a.CoveredBy != "" {
		v.addf(f+".covered_by", "a blocked action is never covered by a grant: a person decides each")
	}
}

// cutPrefixField cuts prefix from field when it is the field or its parent.
func cutPrefixField(field, prefix string) (string, bool) {
	if field == prefix {
		return "", true
	}
	if len(field) > len(prefix) && field[:len(prefix)] == prefix && (field[len(prefix)] == '.' || field[len(prefix)] == '[') {
		return field[len(prefix):], true
	}
	return "", false
}

// guardedActions lists the actions the competitor guardrail reads.
func guardedActions() string {
	var names []string
	for _, n := range platforms.ActionNames() {
		if len(platforms.Catalog[n].Guarded) > 0 {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}
