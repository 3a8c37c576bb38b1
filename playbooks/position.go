package playbooks

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// Field paths name where a problem is: steps[2].repeat.steps[0].with.brand.
// A map key that is not a plain name is quoted: preview["what we plan"].

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// fieldKey is the path of key inside the map at base.
func fieldKey(base, key string) string {
	if plainKey.MatchString(key) {
		return base + "." + key
	}
	return base + "[" + strconv.Quote(key) + "]"
}

// pathStep is one step of a field path: a map key or a list index.
type pathStep struct {
	key     string
	index   int
	isIndex bool
}

// splitField parses a field path as fieldKey and the validator write them. It
// stops at anything it does not understand; the caller then points at the
// deepest part it could follow.
func splitField(field string) []pathStep {
	var out []pathStep
	rest := field
	for rest != "" {
		switch {
		case rest[0] == '.':
			rest = rest[1:]
		case strings.HasPrefix(rest, `["`):
			end := closingQuote(rest, 1)
			if end < 0 || end+1 >= len(rest) || rest[end+1] != ']' {
				return out
			}
			key, err := strconv.Unquote(rest[1 : end+1])
			if err != nil {
				return out
			}
			out = append(out, pathStep{key: key})
			rest = rest[end+2:]
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return out
			}
			n, err := strconv.Atoi(rest[1:end])
			if err != nil {
				return out
			}
			out = append(out, pathStep{index: n, isIndex: true})
			rest = rest[end+1:]
		default:
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			out = append(out, pathStep{key: rest[:end]})
			rest = rest[end:]
		}
	}
	return out
}

// closingQuote returns the index of the " closing the string opening at i.
func closingQuote(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return -1
}

// position finds the line and column of a field path such as
// "steps[2].approval.timeout", falling back to the nearest parent that exists
// (a missing field is reported where its parent is).
func position(file *ast.File, field string) (line, col int) {
	defer func() {
		// A malformed tree must not turn a list of problems into a crash.
		if recover() != nil {
			line, col = 1, 1
		}
	}()
	if file == nil || len(file.Docs) == 0 || file.Docs[0] == nil || file.Docs[0].Body == nil {
		return 1, 1
	}
	node := file.Docs[0].Body
	if field != "$" {
		for _, st := range splitField(field) {
			next := child(node, st)
			if next == nil {
				break
			}
			node = next
		}
	}
	if tok := node.GetToken(); tok != nil && tok.Position != nil {
		return tok.Position.Line, tok.Position.Column
	}
	return 1, 1
}

// child is the value under one path step of node, or nil.
func child(node ast.Node, st pathStep) ast.Node {
	node = unwrap(node)
	if st.isIndex {
		seq, ok := node.(*ast.SequenceNode)
		if !ok || st.index < 0 || st.index >= len(seq.Values) {
			return nil
		}
		return seq.Values[st.index]
	}
	var pairs []*ast.MappingValueNode
	switch n := node.(type) {
	case *ast.MappingNode:
		pairs = n.Values
	case *ast.MappingValueNode:
		pairs = []*ast.MappingValueNode{n}
	}
	for _, kv := range pairs {
		if kv != nil && kv.Key != nil && keyText(kv.Key) == st.key {
			return kv.Value
		}
	}
	return nil
}

// unwrap looks through anchors and tags to the node they mark.
func unwrap(node ast.Node) ast.Node {
	for i := 0; i < 100; i++ {
		switch n := node.(type) {
		case *ast.AnchorNode:
			node = n.Value
		case *ast.TagNode:
			node = n.Value
		default:
			return node
		}
	}
	return node
}

func keyText(k ast.MapKeyNode) string {
	switch n := unwrap(k).(type) {
	case *ast.StringNode:
		return n.Value
	case nil:
		return ""
	}
	if tok := k.GetToken(); tok != nil {
		return tok.Value
	}
	return fmt.Sprint(k)
}
