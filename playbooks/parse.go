package playbooks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Problem is one thing wrong with a playbook or with launch parameters, placed so a
// person can find it: line and column in the YAML (0 when not from a file) and the
// field path.
type Problem struct {
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("line %d, column %d: %s: %s", p.Line, p.Column, p.Field, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.Field, p.Message)
}

// InvalidError carries every problem found at once.
type InvalidError struct {
	What     string // "playbook" or "params"
	Problems []Problem
}

func (e *InvalidError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return fmt.Sprintf("invalid %s: %d problem(s):\n  %s", e.What, len(e.Problems), strings.Join(lines, "\n  "))
}

// Parse decodes and validates a playbook. A returned error is an *InvalidError
// listing every problem with its line, column and field path.
func Parse(src []byte) (*Playbook, error) {
	return ParseContext(context.Background(), src)
}

// ParseContext is Parse that stops when ctx is done, and after MaxParseTime in
// any case. Each stage is bounded by the limits in limits.go, checked before
// the stage runs: the raw bytes before go-yaml parses them, the tree before it
// is decoded, the playbook's size before it is validated. When ctx ends first
// the error wraps ctx.Err(); when MaxParseTime does, it is an *InvalidError.
func ParseContext(ctx context.Context, src []byte) (*Playbook, error) {
	// determinism:ok: parsing runs in the API and at start-up, never in a
	// workflow, which gets its playbook parsed; the clock bounds a request's work.
	st := stopper{ctx: ctx, deadline: time.Now().Add(MaxParseTime)}
	refuse := func(p Problem) error { return &InvalidError{What: "playbook", Problems: []Problem{p}} }
	stopped := func(err error) error {
		if errors.Is(err, errParseTime) {
			return refuse(Problem{Line: 1, Column: 1, Field: "$", Message: err.Error()})
		}
		return fmt.Errorf("checking the playbook stopped: %w", err)
	}
	if p := prescan(src); p != nil {
		return nil, refuse(*p)
	}
	if err := st.err(); err != nil {
		return nil, stopped(err)
	}
	file, err := parseYAML(src)
	if err != nil {
		return nil, refuse(yamlProblem(err, ""))
	}
	if len(file.Docs) != 1 || file.Docs[0] == nil || file.Docs[0].Body == nil {
		return nil, refuse(Problem{Line: 1, Column: 1, Field: "$", Message: "expected exactly one YAML document holding a playbook"})
	}
	if _, ok := file.Docs[0].Body.(*ast.MappingNode); !ok {
		return nil, refuse(Problem{Line: 1, Column: 1, Field: "$", Message: "a playbook is a mapping with name, version and steps"})
	}
	if p := treeLimits(file.Docs[0].Body); p != nil {
		return nil, refuse(*p)
	}
	if err := st.err(); err != nil {
		return nil, stopped(err)
	}
	var pb Playbook
	if err := decodeYAML(file.Docs[0].Body, &pb); err != nil {
		p := yamlProblem(err, "")
		if errors.Is(err, errDecoderPanic) {
			if tok := firstTag(file.Docs[0].Body, 0); tok != nil {
				p.Line, p.Column = tok.Position.Line, tok.Position.Column
			}
		}
		return nil, refuse(p)
	}
	probs, err := validate(st, &pb, releasedBeforeMentionRule(src))
	if err != nil {
		return nil, stopped(err)
	}
	if len(probs) > 0 {
		for i := range probs {
			probs[i].Line, probs[i].Column = position(file, probs[i].Field)
		}
		return nil, &InvalidError{What: "playbook", Problems: probs}
	}
	return &pb, nil
}

// stopper says when checking a playbook must stop: its caller went away, or it
// ran past MaxParseTime. It is polled between stages and between steps; the
// caller's context is read directly, so its end is seen at the next poll.
type stopper struct {
	ctx      context.Context
	deadline time.Time // zero: none
}

var errParseTime = fmt.Errorf("checking the playbook took longer than %s; make it smaller", MaxParseTime)

func (s stopper) err() error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	// determinism:ok: as in ParseContext, parsing only.
	if !s.deadline.IsZero() && time.Now().After(s.deadline) {
		return errParseTime
	}
	return nil
}

// go-yaml has panicked on malformed input that FuzzParse found ("steps: ! ", a
// tag without a value, in the decoder). A playbook arrives over the API, so its
// YAML is refused like any other bad YAML rather than taking the server down.
// Only the library calls are guarded: a panic in our own validation must still
// fail the fuzz test.

func parseYAML(src []byte) (file *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			file, err = nil, fmt.Errorf("the YAML could not be read: %v", r)
		}
	}()
	return parser.ParseBytes(src, 0)
}

var errDecoderPanic = errors.New("the YAML could not be read; look for a tag (!) without a value")

func decodeYAML(body ast.Node, pb *Playbook) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errDecoderPanic
		}
	}()
	return yaml.NodeToValue(body, pb, yaml.DisallowUnknownField())
}

// firstTag finds the first tag (!) in the tree: the panics seen so far came
// from tags, so that is where to look.
func firstTag(node ast.Node, depth int) *token.Token {
	if node == nil || depth > 1000 {
		return nil
	}
	switch n := node.(type) {
	case *ast.TagNode:
		if n != nil && n.Start != nil && n.Start.Position != nil {
			return n.Start
		}
	case *ast.AnchorNode:
		if n != nil {
			return firstTag(n.Value, depth+1)
		}
	case *ast.MappingNode:
		if n == nil {
			return nil
		}
		for _, kv := range n.Values {
			if tok := firstTag(kv, depth+1); tok != nil {
				return tok
			}
		}
	case *ast.MappingValueNode:
		if n == nil {
			return nil
		}
		if tok := firstTag(n.Key, depth+1); tok != nil {
			return tok
		}
		return firstTag(n.Value, depth+1)
	case *ast.SequenceNode:
		if n == nil {
			return nil
		}
		for _, e := range n.Values {
			if tok := firstTag(e, depth+1); tok != nil {
				return tok
			}
		}
	}
	return nil
}

func yamlProblem(err error, field string) Problem {
	var ye yaml.Error
	if errors.As(err, &ye) {
		p := Problem{Field: field, Message: ye.GetMessage()}
		if tok := ye.GetToken(); tok != nil && tok.Position != nil {
			p.Line, p.Column = tok.Position.Line, tok.Position.Column
		}
		if p.Field == "" {
			p.Field = "$"
		}
		return p
	}
	return Problem{Field: "$", Message: err.Error()}
}
