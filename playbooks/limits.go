package playbooks

import "time"

// Every hard limit of the playbook language, in one place. A playbook arrives
// over the API from anyone holding a token, and its expressions run inside
// workflows that are replayed for months, so each piece of work a playbook can
// ask for is bounded here and checked before the work is done: the raw source
// before go-yaml reads it, the YAML tree before it is decoded, the steps before
// they are validated, an expression's source before it is compiled, and every
// value an expression builds before it is built. docs/api.md ("Limits") lists
// them with what answers when one is exceeded.
const (
	// MaxSourceBytes bounds a playbook's YAML. The largest built-in playbook is
	// about 6 KB, 301 YAML nodes, 11 levels deep, with 50 expressions.
	MaxSourceBytes = 128 << 10

	// MaxYAMLDepth bounds how deeply YAML collections nest. go-yaml's parser
	// costs time and memory quadratic in the depth.
	MaxYAMLDepth = 32
	// MaxYAMLNodes bounds the YAML nodes (scalars, lists, maps), counting every
	// alias as the nodes it stands for, so anchors cannot multiply a small file.
	MaxYAMLNodes = 5_000
	// MaxMappingKeys bounds the keys of one YAML mapping. go-yaml's parser costs
	// time and memory quadratic in the keys of a block mapping.
	MaxMappingKeys = 256
	// MaxKeyBytes bounds a mapping key. go-yaml keeps each node's full path from
	// the root, so long keys on a deep path multiply into every node below.
	MaxKeyBytes = 64
	// MaxDocuments is how many YAML document markers (--- or ...) a source may
	// hold; a playbook is one document.
	MaxDocuments = 2

	// MaxSteps bounds the steps of a playbook, nested steps included.
	MaxSteps = 500
	// MaxStepDepth bounds how deeply composite steps (parallel, repeat, branch)
	// nest inside each other.
	MaxStepDepth = 6
	// MaxParams bounds the declared parameters. Every expression is type-checked
	// against all of them.
	MaxParams = 100
	// MaxExpressions bounds the ${…} expressions and conditions of a playbook.
	MaxExpressions = 1_000
	// MaxExprBytes bounds the source of one expression.
	MaxExprBytes = 2_000
	// MaxExprNodes bounds the syntax tree of one expression (expr.MaxNodes).
	MaxExprNodes = 500
	// legacyExprNodes is what campaigns started before these limits were
	// compiled with; they keep it so their histories replay (Scope.Legacy).
	legacyExprNodes = 2000
	// MaxForEachItems bounds the branches one parallel for_each runs: its list,
	// written out or given by an expression at run time.
	MaxForEachItems = 100
	// MaxProblems is how many problems one refusal lists; the rest are summed up.
	MaxProblems = 100

	// MaxParseTime bounds parsing and validating one playbook. The limits above
	// keep it to milliseconds; this is the backstop, and the request's own
	// context also stops the work when the client goes away.
	MaxParseTime = 5 * time.Second

	// MaxParamsBytes bounds a campaign's launch parameters, all together,
	// measured as by valueSize (about their JSON length).
	MaxParamsBytes = 64 << 10
)

// An expression's evaluation budget. It is counted in sizes and operations,
// never in time: workflows evaluate expressions and are replayed, so an
// evaluation must fail, or succeed, the same way every time. One budget covers
// one resolution: every template of a step's with or preview block together,
// one condition, one repeat.max, one for_each; or, during validation, every
// constant expression of the playbook together.
const (
	// MaxValueBytes bounds any one value an expression builds or gives (a
	// string's length; a list or map measured as by valueSize), and a rendered
	// template.
	MaxValueBytes = 1 << 20
	// MaxEvalBytes bounds everything one resolution builds, together.
	MaxEvalBytes = 4 << 20
	// MaxEvalOps bounds the work of one resolution: each loop iteration costs
	// the size of its body, and each value scanned (compared, searched,
	// copied, serialised) its size.
	MaxEvalOps = 4_000_000
)
