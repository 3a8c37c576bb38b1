package playbooks

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
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
	file, err := parser.ParseBytes(src, 0)
	if err != nil {
		return nil, &InvalidError{What: "playbook", Problems: []Problem{yamlProblem(err, "")}}
	}
	if len(file.Docs) != 1 || file.Docs[0] == nil || file.Docs[0].Body == nil {
		return nil, &InvalidError{What: "playbook", Problems: []Problem{{Line: 1, Column: 1, Field: "$", Message: "expected exactly one YAML document holding a playbook"}}}
	}
	if _, ok := file.Docs[0].Body.(*ast.MappingNode); !ok {
		return nil, &InvalidError{What: "playbook", Problems: []Problem{{Line: 1, Column: 1, Field: "$", Message: "a playbook is a mapping with name, version and steps"}}}
	}
	var pb Playbook
	if err := yaml.NodeToValue(file.Docs[0].Body, &pb, yaml.DisallowUnknownField()); err != nil {
		return nil, &InvalidError{What: "playbook", Problems: []Problem{yamlProblem(err, "")}}
	}
	if probs := Validate(&pb); len(probs) > 0 {
		for i := range probs {
			probs[i].Line, probs[i].Column = position(file, probs[i].Field)
		}
		return nil, &InvalidError{What: "playbook", Problems: probs}
	}
	return &pb, nil
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

// position finds the line and column of a field path such as
// "steps[2].approval.timeout", falling back to the nearest parent that exists
// (a missing field is reported where its parent is).
func position(file *ast.File, field string) (int, int) {
	path := field
	for {
		p, err := yaml.PathString("$" + dotted(path))
		if err == nil {
			if n, err := p.FilterFile(file); err == nil && n != nil {
				if tok := n.GetToken(); tok != nil && tok.Position != nil {
					return tok.Position.Line, tok.Position.Column
				}
			}
		}
		if path == "" {
			return 1, 1
		}
		path = parent(path)
	}
}

func dotted(path string) string {
	if path == "" || strings.HasPrefix(path, "[") {
		return path
	}
	return "." + path
}

func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i <= 0 {
		return ""
	}
	return path[:i]
}
