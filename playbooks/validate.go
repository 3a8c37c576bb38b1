package playbooks

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/expr-lang/expr/types"

	"github.com/greenlight/greenlight/platforms"
)

var (
	namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,99}$`)
	idPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,99}$`)
)

// campaignFacts are what campaign.… may read.
var campaignFacts = map[string]bool{"id": true, "client": true, "playbook": true, "version": true}

// Validate returns every problem in pb, each with its field path (no positions: Parse
// adds them). It never stops at the first, but lists at most MaxProblems.
func Validate(pb *Playbook) []Problem {
	probs, _ := validate(stopper{ctx: context.Background()}, pb, false)
	return probs
}

// validate is Validate that stops, returning why, once st says so. released
// says pb is a built-in version released before the mention rule
// (releasedBeforeMentionRule), which is held to the rules it shipped under.
func validate(st stopper, pb *Playbook, released bool) ([]Problem, error) {
	if pb == nil {
		return []Problem{{Field: "$", Message: "there is no playbook"}}, nil
	}
	v := &validator{st: st, pb: pb, params: map[string]Param{}, ids: map[string]string{}, budget: newBudget()}
	if v.size(); len(v.probs) > 0 {
		// Past a size limit, checking the rest is the expensive work the limit
		// is there to avoid.
		return v.probs, nil
	}
	v.text()
	v.header()
	v.paramsBlock()
	v.guardrails()
	v.competitorDefault()
	v.pauseRule()
	v.ownership()
	v.steps()
	if len(v.pb.Steps) > 0 && !released {
		v.mentionReplies()
	}
	if v.stopped != nil {
		return nil, v.stopped
	}
	if v.dropped > 0 {
		v.probs = append(v.probs, Problem{Field: "$", Message: fmt.Sprintf("and %d more problem(s) not listed", v.dropped)})
	}
	return v.probs, nil
}

type validator struct {
	st      stopper
	pb      *Playbook
	params  map[string]Param
	probs   []Problem
	dropped int               // problems past MaxProblems
	ids     map[string]string // step id → path of the step that first used it
	index   stepIndex
	budget  *budget // what evaluating the constant expressions may spend, together
	exprs   int     // expressions checked so far
	stopped error   // why the work stopped early
}

func (v *validator) addf(field, format string, args ...any) {
	if len(v.probs) >= MaxProblems {
		v.dropped++
		return
	}
	v.probs = append(v.probs, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// stop reports whether the work should end: the caller went away or the time
// for checking ran out.
func (v *validator) stop() bool {
	if v.stopped == nil {
		v.stopped = v.st.err()
	}
	return v.stopped != nil
}

// size refuses a playbook larger than the limits before anything else is checked.
func (v *validator) size() {
	if n := len(v.pb.Params); n > MaxParams {
		v.addf("params", "declares %d parameters; the limit is %d", n, MaxParams)
	}
	count := 0
	var walk func(path string, steps []Step, depth int) bool
	walk = func(path string, steps []Step, depth int) bool {
		for i := range steps {
			count++
			if count > MaxSteps {
				v.addf("steps", "the playbook has more than %d steps, nested steps included", MaxSteps)
				return false
			}
			p := fmt.Sprintf("%s[%d]", path, i)
			for _, b := range bodies(&steps[i]) {
				if depth+1 > MaxStepDepth {
					v.addf(p, "nests parallel, repeat and branch steps more than %d deep", MaxStepDepth)
					return false
				}
				if !walk(p+b.suffix, b.steps, depth+1) {
					return false
				}
			}
		}
		return true
	}
	walk("steps", v.pb.Steps, 1)
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
		if v.idOK(f+".name", p.Name, "") {
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

func (v *validator) ownership() {
	o := v.pb.Ownership
	if o == nil {
		return
	}
	if o.AskOwner == nil {
		v.addf("ownership", "say ask_owner (with a timeout) or leave ownership out")
		return
	}
	if o.AskOwner.Timeout.Duration <= 0 {
		v.addf("ownership.ask_owner.timeout", "is required: how long the owning team has to approve (e.g. 72h); silence then refuses")
	}
	for i, r := range o.AskOwner.Reminders {
		if r.Duration <= 0 || r.Duration >= o.AskOwner.Timeout.Duration {
			v.addf(fmt.Sprintf("ownership.ask_owner.reminders[%d]", i), "must fall after the request and before the timeout")
		}
	}
}

func (v *validator) pauseRule() {
	if r := v.pb.Pause; r != nil {
		switch r.Deadlines {
		case "", DeadlinesKeep, DeadlinesShift:
		default:
			v.addf("pause.deadlines", "%q is not a choice; use keep or shift", r.Deadlines)
		}
	}
}

func (v *validator) guardrails() {
	for _, risk := range slices.Sorted(maps.Keys(v.pb.Guardrails.Silence)) {
		f := "guardrails.silence." + risk
		if _, ok := DefaultSilence[risk]; !ok {
			v.addf(f, "%q is not a risk level; use routine, sensitive or high", risk)
		}
		for i, p := range v.pb.Guardrails.Silence[risk] {
			switch p {
			case OnTimeoutApprove, OnTimeoutReject, OnTimeoutEscalate, OnTimeoutSkip, OnTimeoutFail:
			default:
				v.addf(fmt.Sprintf("%s[%d]", f, i), "%q is not a policy; use approve, reject, escalate, skip or fail", p)
			}
		}
	}
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
	v.index = indexSteps(v.pb.Steps)
	v.sequence("steps", v.pb.Steps, &frame{seen: map[string]bool{}})
}

// sequence checks steps that run one after another in fr; each step sees the
// outputs of those before it.
func (v *validator) sequence(path string, steps []Step, fr *frame) {
	for i := range steps {
		if v.stop() {
			return
		}
		p := fmt.Sprintf("%s[%d]", path, i)
		v.step(p, &steps[i], fr)
		for _, id := range exports(&steps[i]) {
			fr.seen[id] = true
		}
	}
}

func (v *validator) step(p string, s *Step, fr *frame) {
	v.stepID(p, s)
	at := place{fr: fr, path: p, pos: v.index.order(p)}
	if s.Needs != "" {
		v.needs(p+".needs", s.Needs, at)
	}
	v.templates(p+".name", s.Name, at)
	kinds := setKinds(s)
	switch {
	case len(kinds) == 0:
		v.addf(p, "a step needs one of action, approval, wait, parallel, repeat or branch")
	case len(kinds) > 1:
		v.addf(p, "a step has exactly one kind, but this one has %s", strings.Join(kinds, " and "))
	default:
		switch s.Kind() {
		case KindAction:
			v.action(p, s, at)
		case KindApproval:
			v.approval(p, s, at)
		case KindWait:
			if s.Wait.Duration <= 0 {
				v.addf(p+".wait", "must be a positive duration such as 7d")
			}
		case KindParallel:
			v.parallel(p, s, at)
		case KindRepeat:
			v.repeat(p, s, at)
		case KindBranch:
			v.branch(p, s, at)
		}
	}
	v.onBlocked(p, s, at)
	if s.Kind() != KindAction {
		if s.With != nil {
			v.addf(p+".with", "only action steps take inputs")
		}
		if s.Retry != nil {
			v.addf(p+".retry", "only action steps are retried")
		}
		if s.Timeout != nil {
			v.addf(p+".timeout", "only action steps have a step timeout; an approval's deadline is approval.timeout")
		}
	}
}

// stepID checks an id: step ids are unique across the whole playbook, nested
// steps included, because expressions and needs name steps by id alone.
func (v *validator) stepID(p string, s *Step) {
	if !v.idOK(p+".id", s.ID, "") {
		return
	}
	if first, dup := v.ids[s.ID]; dup {
		v.addf(p+".id", "step id %q is already used by %s", s.ID, first)
		return
	}
	v.ids[s.ID] = p
}

// idOK reports a missing or malformed id (of a parameter, step or branch) at
// field and says whether it is well formed; why tells a missing one's use.
func (v *validator) idOK(field, id, why string) bool {
	switch {
	case id == "":
		v.addf(field, "is required%s", why)
	case !idPattern.MatchString(id):
		v.addf(field, "%q must be lower-case letters, digits, dashes and underscores", id)
	default:
		return true
	}
	return false
}

// setKinds lists the kind keys a step carries.
func setKinds(s *Step) []string {
	var out []string
	for _, k := range []struct {
		name string
		set  bool
	}{
		{KindAction, s.Action != ""}, {KindApproval, s.Approval != nil}, {KindWait, s.Wait != nil},
		{KindParallel, s.Parallel != nil}, {KindRepeat, s.Repeat != nil}, {KindBranch, s.Branch != nil},
	} {
		if k.set {
			out = append(out, k.name)
		}
	}
	return out
}

// needs must name an approval whose outcome is known here: one that came
// before, in this sequence or an enclosing one.
func (v *validator) needs(f, id string, at place) {
	if !at.fr.sees(id) {
		v.addf(f, "%s", v.unseen(id, at))
		return
	}
	if info := v.index.byID[id]; info != nil && info.kind != KindApproval {
		v.addf(f, "step %q is not an approval", id)
	}
}

func (v *validator) action(f string, s *Step, at place) {
	spec, ok := platforms.Catalog[s.Action]
	if !ok {
		v.addf(f+".action", "unknown action %q; known actions: %s", s.Action, strings.Join(platforms.ActionNames(), ", "))
	} else {
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
		for _, k := range slices.Sorted(maps.Keys(s.With)) {
			if !allowed[k] {
				v.addf(fieldKey(f+".with", k), "action %s takes no input %q; it takes %s", s.Action, k, strings.Join(slices.Sorted(maps.Keys(allowed)), ", "))
			}
		}
	}
	v.templates(f+".with", s.With, at)
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

// silencePolicies are what an approval's (or its escalation's) silence may decide.
const silencePolicies = "approve, reject, skip or fail"

func (v *validator) approval(f string, s *Step, at place) {
	a := s.Approval
	f += ".approval"
	if strings.TrimSpace(a.Title) == "" {
		v.addf(f+".title", "is required: say what the client is approving")
	}
	v.templates(f+".title", a.Title, at)
	v.templates(f+".preview", a.Preview, at)
	if a.Timeout.Duration <= 0 {
		v.addf(f+".timeout", "is required: every approval has a deadline, such as 48h")
	}
	switch a.OnTimeout {
	case OnTimeoutApprove, OnTimeoutReject, OnTimeoutSkip, OnTimeoutFail:
	case OnTimeoutEscalate:
		if a.Escalate == nil {
			v.addf(f+".escalate", "is required with on_timeout: escalate: say who decides next (to), by when (timeout) and what their silence decides (on_timeout)")
		}
	case "":
		v.addf(f+".on_timeout", "is required: say what silence decides (approve, reject, escalate, skip or fail)")
	default:
		v.addf(f+".on_timeout", "%q is not a policy; use approve, reject, escalate, skip or fail", a.OnTimeout)
	}
	if a.Escalate != nil {
		if a.OnTimeout != OnTimeoutEscalate {
			v.addf(f+".escalate", "is only used with on_timeout: escalate")
		}
		v.escalation(f+".escalate", a.Escalate)
	}
	switch a.OnReject {
	case "", OnRejectFail, OnRejectContinue:
	default:
		v.addf(f+".on_reject", "%q is not a choice; use fail or continue", a.OnReject)
	}
	v.approvers(f, a)
	v.risk(f, a)
	v.sensitiveGate(f, a)
	v.grant(f, a, at)
}

// sensitiveGate holds a sensitive approval to a person's explicit yes: its
// silence never approves and no grant passes it, whatever the guardrails say.
func (v *validator) sensitiveGate(f string, a *Approval) {
	if !a.Sensitive {
		return
	}
	const why = "a sensitive approval is never approved by silence; use reject, escalate, skip or fail"
	if a.OnTimeout == OnTimeoutApprove {
		v.addf(f+".on_timeout", "%s", why)
	}
	if a.Escalate != nil && a.Escalate.OnTimeout == OnTimeoutApprove {
		v.addf(f+".escalate.on_timeout", "a sensitive approval is never approved by silence; use reject, skip or fail")
	}
	if a.CoveredBy != "" {
		v.addf(f+".covered_by", "a sensitive approval is decided by a person each time; no grant covers it")
	}
	if a.Risk == RiskRoutine {
		v.addf(f+".risk", "a sensitive approval is not routine; leave risk out (sensitive) or say high")
	}
}

// grant checks a grant's bounds and that covered_by names an approval that grants.
func (v *validator) grant(f string, a *Approval, at place) {
	if g := a.Grant; g != nil {
		if len(g.Topics) == 0 && g.MaxPosts == 0 && len(g.NeverTouch) == 0 && g.DailyCap == 0 {
			v.addf(f+".grant", "sets no bound: give topics, max_posts, never_touch or daily_cap")
		}
		if g.MaxPosts < 0 {
			v.addf(f+".grant.max_posts", "must be 1 or more")
		}
		if g.DailyCap < 0 {
			v.addf(f+".grant.daily_cap", "must be 1 or more")
		}
	}
	if a.CoveredBy == "" {
		return
	}
	before := len(v.probs)
	v.needs(f+".covered_by", a.CoveredBy, at)
	if len(v.probs) == before {
		if info := v.index.byID[a.CoveredBy]; info != nil && !info.grants {
			v.addf(f+".covered_by", "approval %q grants nothing: give it a grant", a.CoveredBy)
		}
	}
}

// risk refuses a silence policy the approval's risk does not allow, so silence
// can approve routine posts but never a high-risk move.
func (v *validator) risk(f string, a *Approval) {
	risk := a.Risk
	switch {
	case risk == "" && a.Sensitive:
		risk = RiskSensitive
	case risk == "":
		risk = RiskRoutine
	}
	allowed, ok := v.pb.Guardrails.Silence[risk]
	if !ok {
		if allowed, ok = DefaultSilence[risk]; !ok {
			v.addf(f+".risk", "%q is not a risk level; use routine, sensitive or high", a.Risk)
			return
		}
	}
	check := func(field, policy string) {
		// Unknown policies are reported on their own; only real ones are weighed.
		if policy == "" || slices.Contains(allowed, policy) || !slices.Contains(DefaultSilence[RiskRoutine], policy) {
			return
		}
		if a.Sensitive && policy == OnTimeoutApprove {
			return // sensitiveGate says why, whatever the risk allows
		}
		v.addf(field, "a %s-risk approval may not be decided %q by silence; allowed: %s", risk, policy, strings.Join(allowed, ", "))
	}
	check(f+".on_timeout", a.OnTimeout)
	if a.Escalate != nil {
		check(f+".escalate.on_timeout", a.Escalate.OnTimeout)
	}
}

// approvers checks who may decide, how many must, and the reminder schedule.
func (v *validator) approvers(f string, a *Approval) {
	people := 0
	for i, ap := range a.Approvers {
		af := fmt.Sprintf("%s.approvers[%d]", f, i)
		named := 0
		for _, s := range []string{ap.ID, ap.Role, ap.Team} {
			if s != "" {
				named++
			}
		}
		switch {
		case named == 0:
			v.addf(af, "name a person (id), a role or a team")
		case named > 1:
			v.addf(af, "name a person (id), a role or a team, only one of them")
		case strings.Contains(ap.ID+ap.Role+ap.Team, "${"):
			v.addf(af, "approvers are plain names, not templates")
		case ap.ID != "":
			people++
		}
	}
	if a.Quorum < 0 {
		v.addf(f+".quorum", "must be 1 or more")
	}
	if len(a.Approvers) > 0 && people == len(a.Approvers) && a.Quorum > people {
		v.addf(f+".quorum", "needs %d approvals but only %d people may approve: it could never be met", a.Quorum, people)
	}
	if a.Rejections < 0 {
		v.addf(f+".rejections", "must be 1 or more")
	}
	last := time.Duration(0)
	for i, r := range a.Reminders {
		rf := fmt.Sprintf("%s.reminders[%d]", f, i)
		switch {
		case r.Duration <= 0:
			v.addf(rf, "must be a positive duration after the request, such as 6h")
		case r.Duration >= a.Timeout.Duration && a.Timeout.Duration > 0:
			v.addf(rf, "%s is not before the %s deadline, so it would never be sent", r, a.Timeout)
		case r.Duration <= last:
			v.addf(rf, "reminders are listed in order; %s does not come after %s", r, Duration{last})
		}
		if r.Duration > last {
			last = r.Duration
		}
	}
}

func (v *validator) escalation(f string, e *Escalation) {
	switch to := strings.TrimSpace(e.To); {
	case to == "":
		v.addf(f+".to", "is required: who decides when the first deadline passes, such as agency-lead")
	case strings.Contains(to, "${"):
		v.addf(f+".to", "is a plain name such as agency-lead; it is not a template")
	}
	if e.Timeout.Duration <= 0 {
		v.addf(f+".timeout", "is required: the escalated deadline, such as 4h")
	}
	switch e.OnTimeout {
	case OnTimeoutApprove, OnTimeoutReject, OnTimeoutSkip, OnTimeoutFail:
	case "":
		v.addf(f+".on_timeout", "is required: say what silence decides after the escalation (%s)", silencePolicies)
	case OnTimeoutEscalate:
		v.addf(f+".on_timeout", "an escalation cannot escalate again; use %s", silencePolicies)
	default:
		v.addf(f+".on_timeout", "%q is not a policy; use %s", e.OnTimeout, silencePolicies)
	}
}

func (v *validator) parallel(p string, s *Step, at place) {
	par := s.Parallel
	f := p + ".parallel"
	hasEach, hasBranches := par.ForEach != nil, par.Branches != nil
	switch {
	case hasEach && hasBranches:
		v.addf(f, "has both for_each and branches; use for_each with steps, or branches")
	case !hasEach && !hasBranches:
		v.addf(f, "needs for_each with steps (one branch per item), or branches")
	}
	switch par.OnFailure {
	case "", OnFailureCancel, OnFailureContinue:
	default:
		v.addf(f+".on_failure", "%q is not a choice; use cancel (the default: a failing branch cancels the others) or continue", par.OnFailure)
	}
	if hasEach {
		v.forEach(f, par, at)
	} else if len(par.Steps) > 0 {
		v.addf(f+".steps", "steps run once per for_each item; static branches carry their own steps")
	}
	if !hasBranches {
		return
	}
	if len(par.Branches) == 0 {
		v.addf(f+".branches", "needs at least one branch")
	}
	seen := map[string]int{}
	for i, b := range par.Branches {
		bf := fmt.Sprintf("%s.branches[%d]", f, i)
		if v.idOK(bf+".id", b.ID, ": it names the branch in the Web UI and in step keys") {
			if j, dup := seen[b.ID]; dup {
				v.addf(bf+".id", "branch id %q is already used by branches[%d]", b.ID, j)
			} else {
				seen[b.ID] = i
			}
		}
		if len(b.Steps) == 0 {
			v.addf(bf+".steps", "a branch needs at least one step")
		}
		v.sequence(bf+".steps", b.Steps, at.fr.child())
	}
}

// forEach checks the list a parallel fans out over, and the steps run per item.
func (v *validator) forEach(f string, par *Parallel, at place) {
	var item types.Type = types.Any
	switch fe := par.ForEach.(type) {
	case []any:
		switch {
		case len(fe) == 0:
			v.addf(f+".for_each", "is an empty list, so the steps never run")
		case len(fe) > MaxForEachItems:
			v.addf(f+".for_each", "lists %d items; a parallel for_each runs at most %d branches", len(fe), MaxForEachItems)
		}
		v.templates(f+".for_each", fe, at)
		if allPlainStrings(fe) {
			item = types.String
		}
	case string:
		if strings.TrimSpace(fe) == "" {
			v.addf(f+".for_each", "is required: a list, or an expression giving one")
			break
		}
		src, shown := exprSource(fe)
		c := v.expression(f+".for_each", shown, src, at, listValue)
		if c.ok && c.constant {
			switch l, ok := c.value.([]any); {
			case !ok:
				v.addf(f+".for_each", "%s always gives %s, not a list", shown, describe(c.value))
			case len(l) == 0:
				v.addf(f+".for_each", "%s is always empty, so the steps never run", shown)
			case len(l) > MaxForEachItems:
				v.addf(f+".for_each", "%s always gives %d items; a parallel for_each runs at most %d branches", shown, len(l), MaxForEachItems)
			}
		}
	default:
		v.addf(f+".for_each", "must be a list, or an expression giving one, not %s", describe(fe))
	}
	if len(par.Steps) == 0 {
		v.addf(f+".steps", "for_each needs steps to run for each item")
	}
	body := at.fr.child()
	body.item = item
	v.sequence(f+".steps", par.Steps, body)
}

func allPlainStrings(l []any) bool {
	for _, e := range l {
		s, ok := e.(string)
		if !ok || strings.Contains(s, "${") {
			return false
		}
	}
	return true
}

func (v *validator) repeat(p string, s *Step, at place) {
	r := s.Repeat
	f := p + ".repeat"
	if r.Every.Duration <= 0 {
		v.addf(f+".every", "is required: how long to wait between iterations, such as 7d")
	}
	v.repeatMax(f+".max", r.Max, at)
	if len(r.Steps) == 0 {
		v.addf(f+".steps", "a repeat needs at least one step")
	}
	body := at.fr.child()
	body.iteration = true
	v.sequence(f+".steps", r.Steps, body)
	if strings.TrimSpace(r.Until) != "" {
		v.until(p, r, at)
	}
}

// repeatMax checks the most iterations a repeat runs: at least one, or the
// steps inside it are unreachable.
func (v *validator) repeatMax(f string, max any, at place) {
	n := 0
	switch m := max.(type) {
	case nil:
		v.addf(f, "is required: the most iterations to run, such as 12, or an expression giving it")
		return
	case string:
		if strings.TrimSpace(m) == "" {
			v.addf(f, "is required: the most iterations to run, such as 12, or an expression giving it")
			return
		}
		src, shown := exprSource(m)
		c := v.expression(f, shown, src, at, intValue)
		if !c.ok || !c.constant {
			return
		}
		var err error
		if n, err = wholeNumber(c.value); err != nil {
			v.addf(f, "%s %v", shown, err)
			return
		}
	default:
		var err error
		if n, err = wholeNumber(m); err != nil {
			v.addf(f, "%v", err)
			return
		}
	}
	if n < 1 {
		v.addf(f, "is %d, so the steps never run: a repeat runs at least once", n)
	}
}

// until is checked where it runs: after an iteration, seeing that iteration's
// steps and iteration itself.
func (v *validator) until(p string, r *Repeat, at place) {
	f := p + ".repeat.until"
	fr := at.fr.child()
	fr.iteration = true
	inside := map[string]bool{}
	for i := range r.Steps {
		for _, id := range exports(&r.Steps[i]) {
			fr.seen[id], inside[id] = true, true
		}
	}
	src, shown := exprSource(r.Until)
	c := v.expression(f, shown, src, place{fr: fr, path: f, pos: v.index.end(p) + 1}, boolValue)
	if !c.ok {
		return
	}
	if c.constant {
		switch b, isBool := c.value.(bool); {
		case !isBool:
			v.addf(f, "%s always gives %s, not true or false", shown, describe(c.value))
		case b:
			v.addf(f, "%s always holds, so the steps run once and the repeat never repeats", shown)
		default:
			v.addf(f, "%s never holds; leave until out to run max times", shown)
		}
		return
	}
	if c.info.iteration || c.info.dynamicSteps {
		return
	}
	for _, r := range c.info.steps {
		if inside[r.id] {
			return
		}
	}
	v.addf(f, "%s reads nothing that changes between iterations (a step inside the repeat, or iteration), so it holds after the first iteration or never", shown)
}

func (v *validator) branch(p string, s *Step, at place) {
	b := s.Branch
	f := p + ".branch"
	if strings.TrimSpace(b.If) == "" {
		v.addf(f+".if", "is required: the condition that chooses then or else")
	} else {
		src, shown := exprSource(b.If)
		c := v.expression(f+".if", shown, src, at, boolValue)
		if c.ok && c.constant {
			switch val, isBool := c.value.(bool); {
			case !isBool:
				v.addf(f+".if", "%s always gives %s, not true or false", shown, describe(c.value))
			case !val:
				v.addf(f+".then", "is unreachable: the condition %s is always false", shown)
			case len(b.Else) > 0:
				v.addf(f+".else", "is unreachable: the condition %s is always true", shown)
			default:
				v.addf(f+".if", "%s is always true, so the branch always runs then; put those steps in its place", shown)
			}
		}
	}
	if len(b.Then) == 0 {
		v.addf(f+".then", "needs at least one step to run when the condition holds")
	}
	v.sequence(f+".then", b.Then, at.fr.child())
	v.sequence(f+".else", b.Else, at.fr.child())
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
