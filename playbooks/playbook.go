// Package playbooks holds the playbook language: its types, the parser and validator,
// template references, and the built-in playbooks embedded in the binary.
//
// A playbook is parsed and validated outside any workflow and handed to the campaign
// workflow as input, so a running campaign keeps the exact definition it started with.
package playbooks

// Playbook is one version of a campaign definition.
type Playbook struct {
	Name        string     `yaml:"name" json:"name"`
	Version     int        `yaml:"version" json:"version"`
	Description string     `yaml:"description" json:"description,omitempty"`
	Params      []Param    `yaml:"params" json:"params,omitempty"`
	Guardrails  Guardrails `yaml:"guardrails" json:"guardrails"`
	Pause       *PauseRule `yaml:"pause" json:"pause,omitempty"`
	// Ownership says what a launch on another team's account does; nil
	// refuses it (docs/connectors.md, "Teams").
	Ownership *Ownership `yaml:"ownership" json:"ownership,omitempty"`
	Steps     []Step     `yaml:"steps" json:"steps"`
}

// Ownership lets a campaign act on accounts another team owns, once that team
// approves: the launch puts an approval for the owning team before the first
// step. Silence never lends an account: the approval rejects on timeout and
// a rejection fails the campaign.
type Ownership struct {
	AskOwner *OwnerApproval `yaml:"ask_owner" json:"ask_owner,omitempty"`
}

// OwnerApproval is how long the owning team has to say yes, and when it is
// reminded.
type OwnerApproval struct {
	Timeout   Duration   `yaml:"timeout" json:"timeout"`
	Reminders []Duration `yaml:"reminders" json:"reminders,omitempty"`
}

// PauseRule says what pausing a campaign does to approval deadlines: keep them
// (default; a pause never extends the client's time to decide) or shift them by
// the time the campaign was paused.
type PauseRule struct {
	Deadlines string `yaml:"deadlines" json:"deadlines,omitempty"` // keep | shift
}

// Pause rules for deadlines.
const (
	DeadlinesKeep  = "keep"
	DeadlinesShift = "shift"
)

// Param is one typed campaign parameter.
type Param struct {
	Name        string `yaml:"name" json:"name"`
	Type        string `yaml:"type" json:"type"` // string | int | bool | duration | list
	Description string `yaml:"description" json:"description,omitempty"`
	Required    bool   `yaml:"required" json:"required,omitempty"`
	Default     any    `yaml:"default" json:"default,omitempty"`
}

// Parameter types.
const (
	TypeString   = "string"
	TypeInt      = "int"
	TypeBool     = "bool"
	TypeDuration = "duration"
	TypeList     = "list"
)

// Guardrails stop harmful moves whatever a step asks for.
type Guardrails struct {
	// CompetitorsParam names the list parameter holding the client's
	// competitors: handles, or objects {name, accounts, domains} (package
	// guardrails/competitors). No outreach or publishing action reaches them.
	CompetitorsParam string `yaml:"competitors_param" json:"competitors_param,omitempty"`
	// Silence maps an approval's risk to the timeout policies allowed for it,
	// replacing DefaultSilence for the risks it names.
	Silence map[string][]string `yaml:"silence" json:"silence,omitempty"`
}

// Risk levels an approval step may declare.
const (
	RiskRoutine   = "routine"   // e.g. a scheduled post on the client's own account
	RiskSensitive = "sensitive" // e.g. a reply to a complaint
	RiskHigh      = "high"      // e.g. anything mentioning a competitor or legal matters
)

// DefaultSilence is what silence may decide at each risk: it may approve routine
// posts, never sensitive or high-risk ones.
var DefaultSilence = map[string][]string{
	RiskRoutine:   {OnTimeoutApprove, OnTimeoutReject, OnTimeoutEscalate, OnTimeoutSkip, OnTimeoutFail},
	RiskSensitive: {OnTimeoutReject, OnTimeoutEscalate, OnTimeoutSkip, OnTimeoutFail},
	RiskHigh:      {OnTimeoutReject, OnTimeoutEscalate, OnTimeoutFail},
}

// Step kinds. A step names its kind by the one kind key it carries.
const (
	KindAction   = "action"
	KindApproval = "approval"
	KindWait     = "wait"
	KindParallel = "parallel"
	KindRepeat   = "repeat"
	KindBranch   = "branch"
)

// Step is one node of a playbook. Exactly one of Action, Approval, Wait, Parallel,
// Repeat or Branch is set; the last three hold nested steps.
type Step struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name,omitempty"` // human summary, shown in the UI
	// Needs names an earlier approval step: this step runs only if that approval
	// ended approved (by a person or by an approve policy) and is skipped otherwise.
	Needs string `yaml:"needs" json:"needs,omitempty"`

	Action  string         `yaml:"action" json:"action,omitempty"`
	With    map[string]any `yaml:"with" json:"with,omitempty"`
	Timeout *Duration      `yaml:"timeout" json:"timeout,omitempty"` // per attempt; default 5m
	Retry   *Retry         `yaml:"retry" json:"retry,omitempty"`
	// OnBlocked asks a person about what the competitor guardrail kept from
	// this action. Only a person's approval lets it through, once; silence
	// never does (validation refuses on_timeout: approve here).
	OnBlocked *Approval `yaml:"on_blocked" json:"on_blocked,omitempty"`

	Approval *Approval `yaml:"approval" json:"approval,omitempty"`

	Wait *Duration `yaml:"wait" json:"wait,omitempty"`

	Parallel *Parallel `yaml:"parallel" json:"parallel,omitempty"`
	Repeat   *Repeat   `yaml:"repeat" json:"repeat,omitempty"`
	Branch   *Branch   `yaml:"branch" json:"branch,omitempty"`
}

// Parallel runs branches together: one per item of ForEach (each running Steps,
// with the item as ${item}), or the static Branches.
type Parallel struct {
	ForEach   any              `yaml:"for_each" json:"for_each,omitempty"` // a list, or an expression giving one
	Steps     []Step           `yaml:"steps" json:"steps,omitempty"`       // the body of each for_each branch
	Branches  []ParallelBranch `yaml:"branches" json:"branches,omitempty"`
	OnFailure string           `yaml:"on_failure" json:"on_failure,omitempty"` // cancel (default) | continue
}

// ParallelBranch is one static branch of a parallel step.
type ParallelBranch struct {
	ID    string `yaml:"id" json:"id"`
	Steps []Step `yaml:"steps" json:"steps"`
}

// What a failing parallel branch does to its siblings.
const (
	OnFailureCancel   = "cancel"
	OnFailureContinue = "continue"
)

// Repeat runs Steps, then waits Every, until Until holds (checked after each
// iteration) or Max iterations have run. ${iteration} counts from 1.
type Repeat struct {
	Every Duration `yaml:"every" json:"every"`
	Until string   `yaml:"until" json:"until,omitempty"`
	Max   any      `yaml:"max" json:"max"` // a whole number, or an expression giving one
	Steps []Step   `yaml:"steps" json:"steps"`
}

// Branch runs Then when If holds, else Else.
type Branch struct {
	If   string `yaml:"if" json:"if"`
	Then []Step `yaml:"then" json:"then"`
	Else []Step `yaml:"else" json:"else,omitempty"`
}

// Kind reports which kind of step s is ("" when it names none, which validation refuses).
func (s Step) Kind() string {
	switch {
	case s.Action != "":
		return KindAction
	case s.Approval != nil:
		return KindApproval
	case s.Wait != nil:
		return KindWait
	case s.Parallel != nil:
		return KindParallel
	case s.Repeat != nil:
		return KindRepeat
	case s.Branch != nil:
		return KindBranch
	}
	return ""
}

// Summary is the step's human label: its name, else its id.
func (s Step) Summary() string {
	if s.Name != "" {
		return s.Name
	}
	return s.ID
}

// Retry bounds how an action is retried before the step fails.
type Retry struct {
	MaxAttempts int       `yaml:"max_attempts" json:"max_attempts,omitempty"`
	Initial     *Duration `yaml:"initial" json:"initial,omitempty"`
	Max         *Duration `yaml:"max" json:"max,omitempty"`
}

// Timeout policies: what silence decides when an approval's deadline passes.
const (
	OnTimeoutApprove  = "approve"
	OnTimeoutReject   = "reject"
	OnTimeoutSkip     = "skip"
	OnTimeoutFail     = "fail"
	OnTimeoutEscalate = "escalate"
)

// What a rejection does to the campaign.
const (
	OnRejectFail     = "fail"
	OnRejectContinue = "continue"
)

// Approval is a human decision gate with a deadline and a policy for silence.
type Approval struct {
	Title     string         `yaml:"title" json:"title"`
	Preview   map[string]any `yaml:"preview" json:"preview,omitempty"` // what is being approved, templated
	Timeout   Duration       `yaml:"timeout" json:"timeout"`
	OnTimeout string         `yaml:"on_timeout" json:"on_timeout"`
	OnReject  string         `yaml:"on_reject" json:"on_reject,omitempty"` // default fail
	// Escalate is required with on_timeout: escalate: silence hands the approval to
	// the next person with a fresh deadline, whose silence then decides.
	Escalate *Escalation `yaml:"escalate" json:"escalate,omitempty"`

	// Approvers may decide (a person by id, or anyone with a role); none: anyone.
	Approvers []Approver `yaml:"approvers" json:"approvers,omitempty"`
	// Quorum is how many approvals it takes (default 1).
	Quorum int `yaml:"quorum" json:"quorum,omitempty"`
	// Rejections is how many rejections reject it (default 1: any rejection).
	Rejections int `yaml:"rejections" json:"rejections,omitempty"`
	// Reminders are sent this long after the request while it is still pending.
	Reminders []Duration `yaml:"reminders" json:"reminders,omitempty"`
	// Risk (routine, sensitive, high; default routine) bounds what silence may
	// decide, through the playbook's guardrails.silence or DefaultSilence.
	Risk string `yaml:"risk" json:"risk,omitempty"`
	// Sensitive marks a gate only a person may pass, such as the reply to a
	// mention that is not clearly routine: silence never approves it (no
	// on_timeout or escalate.on_timeout of approve, whatever the guardrails
	// allow, and the workflow rejects where a policy would approve), no grant
	// covers it, and its risk is sensitive unless it says high. A step that
	// answers a mention may run on a person's yes only through such a gate.
	Sensitive bool `yaml:"sensitive" json:"sensitive,omitempty"`
	// Grant is what approving this allows later approvals to pass without asking:
	// "approve the plan, not each post".
	Grant *Grant `yaml:"grant" json:"grant,omitempty"`
	// CoveredBy names an earlier approval with a grant: when that one was approved
	// and this preview stays inside its bounds, this approval passes at once.
	CoveredBy string `yaml:"covered_by" json:"covered_by,omitempty"`
}

// Grant bounds what later covered approvals may contain. Each bound is checked
// against the covered approval's preview; an unset bound does not limit.
type Grant struct {
	Topics     []string `yaml:"topics" json:"topics,omitempty"`           // every post's topic is one of these
	MaxPosts   int      `yaml:"max_posts" json:"max_posts,omitempty"`     // at most this many posts
	NeverTouch []string `yaml:"never_touch" json:"never_touch,omitempty"` // accounts no preview may name
	DailyCap   int      `yaml:"daily_cap" json:"daily_cap,omitempty"`     // the preview's daily_cap stays at or under this
}

// Approver is a person (id) or anyone holding a role.
type Approver struct {
	ID   string `yaml:"id" json:"id,omitempty"`
	Role string `yaml:"role" json:"role,omitempty"`
	// Team: anyone whose token or person belongs to the team.
	Team string `yaml:"team" json:"team,omitempty"`
}

// Escalation is the second tier of an approval.
type Escalation struct {
	To        string   `yaml:"to" json:"to"` // who is notified, e.g. "agency-lead"
	Timeout   Duration `yaml:"timeout" json:"timeout"`
	OnTimeout string   `yaml:"on_timeout" json:"on_timeout"` // approve | reject | skip | fail
}
