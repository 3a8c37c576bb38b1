package playbooks

import (
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"maps"
	"slices"
)

// exprInfo is what an expression reads, found by walking its syntax tree. The
// validator checks it against what is visible where the expression sits; the
// run time uses it to hand the expression only the step outputs it names.
type exprInfo struct {
	params       []nameRef // params.NAME with a constant NAME
	campaign     []nameRef // campaign.FACT with a constant FACT
	steps        []stepRef // steps.ID… with a constant ID
	dynamicSteps bool      // steps[EXPR]: which step is only known at run time
	wholeSteps   bool      // steps on its own
	item         bool
	iteration    bool
	env          bool     // $env, which would read around the checks
	disabled     []string // disabled builtins it calls
	unknown      []string // names that are neither variables nor let bindings
	shadowed     []string // let bindings that hide a variable
	// variables reports whether it reads any variable at all; an expression
	// that reads none has the same value on every run.
	variables bool
}

type nameRef struct{ name string }

// stepRef is steps.ID.FIELD: field is the property read from the step (which
// must be output), "" when the step is read whole or the property is computed.
type stepRef struct {
	id, field string
	computed  bool // steps.ID[EXPR]
}

// analyze walks tree twice: first to learn which nodes are the object of a
// member access (steps in steps.x) and which names are let bindings, then to
// collect the references.
func analyze(tree *parser.Tree) exprInfo {
	pre := &shapeVisitor{parent: map[ast.Node]*ast.MemberNode{}, callees: map[ast.Node]bool{}, lets: map[string]bool{}}
	ast.Walk(&tree.Node, pre)
	rv := &refVisitor{shape: pre}
	ast.Walk(&tree.Node, rv)
	for _, name := range slices.Sorted(maps.Keys(pre.lets)) {
		if isVariable(name) || name == "$env" {
			rv.info.shadowed = append(rv.info.shadowed, name)
		}
	}
	return rv.info
}

func isVariable(name string) bool {
	switch name {
	case varParams, varSteps, varCampaign, varItem, varIteration:
		return true
	}
	return false
}

type shapeVisitor struct {
	parent  map[ast.Node]*ast.MemberNode // node → the member access reading from it
	callees map[ast.Node]bool            // identifiers called as functions
	lets    map[string]bool
}

func (v *shapeVisitor) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.MemberNode:
		v.parent[n.Node] = n
	case *ast.CallNode:
		v.callees[n.Callee] = true
	case *ast.VariableDeclaratorNode:
		v.lets[n.Name] = true
	}
}

type refVisitor struct {
	shape *shapeVisitor
	info  exprInfo
}

func (v *refVisitor) Visit(node *ast.Node) {
	info := &v.info
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		v.identifier(n)
	case *ast.BuiltinNode:
		if _, off := disabledBuiltins[n.Name]; off {
			info.disabled = append(info.disabled, n.Name)
		}
	case *ast.MemberNode:
		if root, ok := n.Node.(*ast.IdentifierNode); ok && !v.shape.lets[root.Value] {
			v.member(root.Value, n)
		}
	}
}

func (v *refVisitor) identifier(n *ast.IdentifierNode) {
	info := &v.info
	if v.shape.callees[n] || v.shape.lets[n.Value] {
		return
	}
	switch n.Value {
	case varParams, varCampaign:
		info.variables = true
	case varSteps:
		info.variables = true
		if v.shape.parent[n] == nil {
			info.wholeSteps = true
		}
	case varItem:
		info.variables, info.item = true, true
	case varIteration:
		info.variables, info.iteration = true, true
	case "$env":
		info.variables, info.env = true, true
	default:
		info.unknown = append(info.unknown, n.Value)
	}
}

// member records root.PROPERTY for the variables that are maps of names.
func (v *refVisitor) member(root string, n *ast.MemberNode) {
	info := &v.info
	prop, constant := n.Property.(*ast.StringNode)
	switch root {
	case varParams:
		if constant {
			info.params = append(info.params, nameRef{prop.Value})
		}
	case varCampaign:
		if constant {
			info.campaign = append(info.campaign, nameRef{prop.Value})
		}
	case varSteps:
		if !constant {
			info.dynamicSteps = true
			return
		}
		ref := stepRef{id: prop.Value}
		if up := v.shape.parent[n]; up != nil {
			if f, ok := up.Property.(*ast.StringNode); ok {
				ref.field = f.Value
			} else {
				ref.computed = true
			}
		}
		info.steps = append(info.steps, ref)
	}
}
