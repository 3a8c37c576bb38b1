package playbooks

import (
	"fmt"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// treeLimits counts the parsed YAML tree exactly, as the decoder will see it:
// every alias counts as the nodes of its anchor, and sits as deep as its
// anchor's nodes reach from where the alias is. Anchors can otherwise turn a few
// hundred bytes into billions of nodes ("billion laughs"), which the decoder
// would build one by one. Sizes are worked out once per anchor, so the count
// costs time in the size of the file, not of its expansion.
func treeLimits(doc ast.Node) *Problem {
	t := &treeCounter{anchors: map[string]treeSize{}}
	size := t.measure(doc, 1)
	if t.problem != nil {
		return t.problem
	}
	if size.nodes > MaxYAMLNodes {
		return nodeProblem(doc, fmt.Sprintf("the playbook has more than %d YAML nodes (scalars, lists and maps), counting each alias as the nodes it stands for", MaxYAMLNodes))
	}
	return nil
}

// treeSize is a subtree's node count and height, saturating above the limits.
type treeSize struct{ nodes, height int }

type treeCounter struct {
	anchors map[string]treeSize
	problem *Problem
}

func (t *treeCounter) fail(n ast.Node, msg string) treeSize {
	if t.problem == nil {
		t.problem = nodeProblem(n, msg)
	}
	return treeSize{nodes: MaxYAMLNodes + 1, height: MaxYAMLDepth + 1}
}

// measure returns the size of n found at depth (the root is at 1).
func (t *treeCounter) measure(n ast.Node, depth int) treeSize {
	if t.problem != nil || n == nil {
		return treeSize{}
	}
	if depth > MaxYAMLDepth {
		return t.fail(n, fmt.Sprintf("lists and maps nest more than %d deep here", MaxYAMLDepth))
	}
	var out treeSize
	add := func(s treeSize) {
		out.nodes = min(out.nodes+s.nodes, MaxYAMLNodes+1)
		out.height = max(out.height, s.height)
	}
	switch v := n.(type) {
	case *ast.DocumentNode:
		return t.measure(v.Body, depth)
	case *ast.MappingNode:
		if len(v.Values) > MaxMappingKeys {
			return t.fail(n, fmt.Sprintf("a mapping has more than %d keys", MaxMappingKeys))
		}
		for _, kv := range v.Values {
			add(t.measure(kv, depth))
		}
		out.nodes, out.height = min(out.nodes+1, MaxYAMLNodes+1), out.height+1
	case *ast.MappingValueNode:
		if k, ok := v.Key.(ast.Node); ok {
			if s, isStr := unwrap(k).(*ast.StringNode); isStr && len(s.Value) > MaxKeyBytes {
				return t.fail(n, fmt.Sprintf("a mapping key is %d bytes; the limit is %d", len(s.Value), MaxKeyBytes))
			}
			add(t.measure(k, depth+1))
		}
		add(t.measure(v.Value, depth+1))
	case *ast.MappingKeyNode:
		return t.measure(v.Value, depth)
	case *ast.SequenceNode:
		for _, e := range v.Values {
			add(t.measure(e, depth+1))
		}
		out.nodes, out.height = min(out.nodes+1, MaxYAMLNodes+1), out.height+1
	case *ast.TagNode:
		return t.measure(v.Value, depth)
	case *ast.AnchorNode:
		s := t.measure(v.Value, depth)
		if v.Name != nil {
			t.anchors[v.Name.String()] = s
		}
		return s
	case *ast.AliasNode:
		name := ""
		if v.Value != nil {
			name = v.Value.String()
		}
		s, ok := t.anchors[name]
		if !ok {
			s = treeSize{nodes: 1, height: 1}
		}
		if depth-1+s.height > MaxYAMLDepth {
			return t.fail(n, fmt.Sprintf("alias *%s nests lists and maps more than %d deep here", name, MaxYAMLDepth))
		}
		return s
	default:
		out = treeSize{nodes: 1, height: 1}
	}
	if out.nodes > MaxYAMLNodes {
		return t.fail(n, fmt.Sprintf("the playbook has more than %d YAML nodes (scalars, lists and maps), counting each alias as the nodes it stands for", MaxYAMLNodes))
	}
	return out
}

// nodeProblem places msg at n's token.
func nodeProblem(n ast.Node, msg string) *Problem {
	p := &Problem{Line: 1, Column: 1, Field: "$", Message: msg}
	if n == nil {
		return p
	}
	var tk *token.Token
	func() {
		defer func() { _ = recover() }() // a node without a token must not crash the check
		tk = n.GetToken()
	}()
	if tk != nil && tk.Position != nil {
		p.Line, p.Column = tk.Position.Line, tk.Position.Column
	}
	return p
}
