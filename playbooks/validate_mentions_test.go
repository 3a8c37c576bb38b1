package playbooks

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// mentionHeader declares a mention and classifies it; the cases add steps.
const mentionHeader = `name: m
version: 1
params:
  - {name: text, type: string, default: "hello"}
  - {name: ok, type: bool, default: true}
steps:
  - id: classify
    action: classify_mention
    with: {text: "${params.text}", url: "https://x.invalid/1"}
  - id: check
    action: check_conversation
    with: {url: "https://x.invalid/1"}
`

const sensitiveGate = `
  - id: decide
    approval:
      title: Answer?
      sensitive: true
      timeout: 4h
      on_timeout: escalate
      escalate: {to: agency-lead, timeout: 2h, on_timeout: reject}
      on_reject: continue
`

const reply = `action: respond_to_mention
        with: {url: "https://x.invalid/1", message: "${steps.classify.output.suggested_response}"}`

// Refused: a step that answers a mention with nothing keeping it from a
// sensitive one. The problem names the step and says why.
func TestMentionReplyWithoutAPersonIsRefused(t *testing.T) {
	for name, c := range map[string]struct{ steps, field, text string }{
		"unguarded": {`
  - id: reply
    action: respond_to_mention
    with: {url: "https://x.invalid/1", message: Thanks}
`, "steps[2]", `step "reply": respond_to_mention answers a mention, and nothing keeps it from answering a sensitive or unsure one without a person`},
		"the old low test": {`
  - id: route
    branch:
      if: steps.classify.output.sensitivity == "low"
      then:
      - id: reply
        ` + reply + `
`, "steps[2].branch.then[0]", `step "reply": respond_to_mention answers a mention`},
		"the wrong arm": {`
  - id: route
    branch:
      if: steps.classify.output.sensitivity != "routine"
      then:
      - id: reply
        ` + reply + `
`, "steps[2].branch.then[0]", `step "reply"`},
		"or lets other mentions through": {`
  - id: route
    branch:
      if: steps.classify.output.sensitivity == "routine" or params.ok
      then:
      - id: reply
        ` + reply + `
`, "steps[2].branch.then[0]", `step "reply"`},
		"routine by a step that does not classify": {`
  - id: route
    branch:
      if: steps.check.output.sensitivity == "routine"
      then:
      - id: reply
        ` + reply + `
`, "steps[2].branch.then[0]", `step "reply"`},
		"optional chaining is not read": {`
  - id: route
    branch:
      if: steps.classify?.output?.sensitivity == "routine"
      then:
      - id: reply
        ` + reply + `
`, "steps[2].branch.then[0]", `step "reply"`},
		"an approval that is not sensitive": {`
  - id: decide
    approval: {title: Answer?, timeout: 4h, on_timeout: escalate, escalate: {to: agency-lead, timeout: 2h, on_timeout: reject}, on_reject: continue}
  - id: reply
    needs: decide
    ` + strings.ReplaceAll(reply, "\n        ", "\n    ") + `
`, "steps[3]", `the approval it needs, "decide", is not marked sensitive: true`},
		"outreach speaking with the classifier's words": {`
  - id: engage
    action: engage_posts
    with: {accounts: ["${steps.classify.output.author}"]}
`, "steps[2]", `step "engage": engage_posts speaks for the brand with what classify_mention step "classify" found`},
		"publishing the suggested reply": {`
  - id: post
    action: publish_posts
    with: {brand: Acme, count: 1, posts: [{text: "${steps.classify.output.suggested_response}"}]}
`, "steps[2]", `step "post": publish_posts speaks for the brand`},
		"deep in a repeat and a parallel": {`
  - id: loop
    repeat:
      every: 1d
      max: 2
      steps:
        - id: fan
          parallel:
            for_each: [a, b]
            steps:
              - id: reply
                action: respond_to_mention
                with: {url: "https://x.invalid/${item}", message: Hi}
`, "steps[2].repeat.steps[0].parallel.steps[0]", `step "reply"`},
	} {
		t.Run(name, func(t *testing.T) {
			requireProblems(t, problems(t, mentionHeader+c.steps), []wantProblem{{field: c.field, text: c.text}})
		})
	}
}

// Accepted: a person's yes at a sensitive gate, or a routine classification.
func TestMentionReplyOnAPersonsYesOrARoutineMentionIsAccepted(t *testing.T) {
	for name, steps := range map[string]string{
		"needs a sensitive approval": sensitiveGate + `
  - id: reply
    needs: decide
    action: respond_to_mention
    with: {url: "https://x.invalid/1", message: "${steps.decide.output.preview.reply ?? 'Hi'}"}
`,
		"inside a step that needs a sensitive approval": sensitiveGate + `
  - id: both
    needs: decide
    parallel:
      branches:
        - id: one
          steps:
            - id: reply
              ` + strings.ReplaceAll(reply, "\n        ", "\n              ") + `
`,
		"then of == routine": `
  - id: route
    branch:
      if: steps.classify.output.sensitivity == "routine"
      then:
      - id: reply
        ` + reply + `
`,
		"then of a conjunction, written the other way round": `
  - id: route
    branch:
      if: params.ok && "routine" == steps["classify"]["output"]["sensitivity"]
      then:
      - id: reply
        ` + reply + `
`,
		"else of != routine": `
  - id: route
    branch:
      if: steps.classify.output.sensitivity != "routine" || params.ok
      then:
      - id: tell
        action: notify
        with: {message: "A person looks at ${params.text}"}
      else:
      - id: reply
        ` + reply + `
`,
		"else of not == routine, deeper inside": `
  - id: route
    branch:
      if: not (steps.classify.output.sensitivity == "routine")
      then:
      - id: tell
        action: notify
        with: {message: "${steps.classify.output.reasons}"}
      else:
      - id: again
        repeat:
          every: 1d
          max: 1
          steps:
          - id: reply
            action: respond_to_mention
            with: {url: "https://x.invalid/1", message: Thanks}
`,
		"messages to the team and outreach that reads no classification": `
  - id: tell
    action: notify
    with: {to: account-team, message: "${steps.classify.output.suggested_response}"}
  - id: engage
    action: engage_posts
    with: {accounts: ["@sam"]}
`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(mentionHeader + steps))
			require.NoError(t, err)
		})
	}
}

// A sensitive approval: silence never approves it, whatever the guardrails
// allow, and no grant covers it.
func TestSensitiveApprovalIsPassedOnlyByAPerson(t *testing.T) {
	src := `name: s
version: 1
guardrails:
  silence:
    sensitive: [approve, reject, escalate]
    high: [approve, escalate]
steps:
  - id: plan
    approval: {title: Plan, timeout: 4h, on_timeout: reject, grant: {max_posts: 3}}
  - id: quiet
    approval: {title: Quiet, sensitive: true, timeout: 4h, on_timeout: approve}
  - id: late
    approval: {title: Late, sensitive: true, risk: high, timeout: 4h, on_timeout: escalate, escalate: {to: lead, timeout: 1h, on_timeout: approve}}
  - id: covered
    approval: {title: Covered, sensitive: true, covered_by: plan, timeout: 4h, on_timeout: reject}
  - id: routine
    approval: {title: Routine, sensitive: true, risk: routine, timeout: 4h, on_timeout: reject}
`
	requireProblems(t, problems(t, src), []wantProblem{
		{field: "steps[1].approval.on_timeout", line: 11, text: "a sensitive approval is never approved by silence"},
		{field: "steps[2].approval.escalate.on_timeout", line: 13, text: "a sensitive approval is never approved by silence"},
		{field: "steps[3].approval.covered_by", line: 15, text: "no grant covers it"},
		{field: "steps[4].approval.risk", line: 17, text: "a sensitive approval is not routine"},
	})
	// Its risk is sensitive unless it says high: the default rule for sensitive
	// risk refuses skip for a high one only.
	_, err := Parse([]byte(`name: s
version: 1
steps:
  - id: ask
    approval: {title: Ask, sensitive: true, timeout: 4h, on_timeout: skip}
`))
	require.NoError(t, err)
}

// The built-in crisis-triage: version 2 meets the rule; version 1, released
// before it, loads byte for byte as it shipped, and only so.
func TestCrisisTriageVersionsAndTheMentionRule(t *testing.T) {
	v2, err := os.ReadFile("crisis-triage.yaml")
	require.NoError(t, err)
	pb, err := Parse(v2)
	require.NoError(t, err)
	require.Equal(t, 2, pb.Version)
	require.Empty(t, Validate(pb))

	v1, err := os.ReadFile("crisis-triage.v1.yaml")
	require.NoError(t, err)
	old, err := Parse(v1)
	require.NoError(t, err, "a released version keeps loading")
	require.Equal(t, 1, old.Version)
	probs := Validate(old)
	require.Len(t, probs, 2, "outside its released bytes it meets the rule: %v", probs)
	require.Contains(t, probs[0].Message+probs[1].Message, `"decide", is not marked sensitive: true`)

	changed := append(append([]byte{}, v1...), "\n# a copy\n"...)
	requireProblems(t, problems(t, string(changed)), []wantProblem{
		{field: "steps[1].branch.then[1]", text: `step "respond": respond_to_mention answers a mention`},
		{field: "steps[1].branch.else[0]", text: `step "acknowledge": respond_to_mention answers a mention`},
	})
}
