package bench

// The playbooks Greenlight's side runs, the same work as the raw side's
// workflows: one sandbox action; one approval and nothing after it.
const (
	oneActionPlaybook = "bench-one-action"
	approvalPlaybook  = "bench-approval"
	approvalStep      = "approve"
	benchClient       = "bench"
)

var benchPlaybooks = []string{
	`name: bench-one-action
version: 1
description: One sandbox action, for greenlight bench.
params:
  - name: brand
    type: string
    required: true
steps:
  - id: measure
    action: measure_rank
    with: {brand: "${params.brand}"}
`,
	`name: bench-approval
version: 1
description: One approval and nothing after it, for greenlight bench.
params:
  - name: brand
    type: string
    required: true
steps:
  - id: approve
    approval:
      title: Go ahead for ${params.brand}?
      timeout: 72h
      on_timeout: reject
`,
}
