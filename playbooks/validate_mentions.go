package playbooks

import (
	"fmt"
	"maps"
	"slices"

	"github.com/expr-lang/expr/ast"

	"github.com/greenlight/greenlight/platforms"
	"github.com/greenlight/greenlight/platforms/mentions"
)

// Mentions reach a person. A step that answers a mention may run only
//
//  1. on a person's yes: the step, or a parallel, repeat or branch step
//     enclosing it, needs an approval marked sensitive: true (which silence
//     never approves and no grant covers); or
//  2. on a routine classification: it sits in a branch arm that runs only when
//     a classify_mention step said "routine", that is in the then of a
//     condition that is, or is joined by and with,
//     steps.ID.output.sensitivity == "routine", or in the else of one that is,
//     or is joined by or with, steps.ID.output.sensitivity != "routine" (not
//     turns one into the other; either side of the comparison may come first).
//
// A step answers a mention when its action does whatever it is given (the
// catalog's AnswersMention: respond_to_mention), or when it speaks for the
// brand (an outreach action, or publishing posts) and one of its inputs reads
// a classify_mention step's output. The rule reads the playbook's shape: it
// cannot know what text a classifier was given, and a missing classification
// (nil) never counts as routine.

// classifyAction is the catalog's action whose output says how sensitive a
// mention is.
const classifyAction = "classify_mention"

// publishing are the catalog's actions that speak in public for the brand
// without being outreach: posts on its own profiles.
var publishing = map[string]bool{"publish_posts": true}

// mentionReplies checks every action step against the rule.
func (v *validator) mentionReplies() {
	v.mentionSequence("steps", v.pb.Steps, false)
}

// mentionSequence checks steps; guarded says an enclosing step already keeps
// them to a person's yes or a routine classification.
func (v *validator) mentionSequence(path string, steps []Step, guarded bool) {
	for i := range steps {
		if v.stop() {
			return
		}
		s := &steps[i]
		p := fmt.Sprintf("%s[%d]", path, i)
		if len(setKinds(s)) != 1 {
			continue // reported already
		}
		here := guarded || v.sensitiveNeeds(s.Needs)
		switch s.Kind() {
		case KindAction:
			if !here {
				v.mentionReply(p, s)
			}
		case KindBranch:
			thenRoutine, elseRoutine := v.routineArms(s.Branch.If)
			v.mentionSequence(p+".branch.then", s.Branch.Then, here || thenRoutine)
			v.mentionSequence(p+".branch.else", s.Branch.Else, here || elseRoutine)
		default:
			for _, b := range bodies(s) {
				v.mentionSequence(p+b.suffix, b.steps, here)
			}
		}
	}
}

// sensitiveNeeds reports whether needs names an approval marked sensitive.
func (v *validator) sensitiveNeeds(needs string) bool {
	info := v.index.byID[needs]
	return needs != "" && info != nil && info.kind == KindApproval && info.sensitive
}

// mentionReply reports an unguarded action step that answers a mention.
func (v *validator) mentionReply(p string, s *Step) {
	spec, ok := platforms.Catalog[s.Action]
	if !ok {
		return
	}
	var what string
	switch {
	case spec.AnswersMention:
		what = fmt.Sprintf("%s answers a mention", s.Action)
	case spec.Outreach || publishing[s.Action]:
		id, reads := v.readsClassification(s.With)
		if !reads {
			return
		}
		what = fmt.Sprintf("%s speaks for the brand with what classify_mention step %q found", s.Action, id)
	default:
		return
	}
	const ways = `give it needs: an approval marked sensitive: true, or put it in a branch arm that runs only on a routine classification (then of steps.ID.output.sensitivity == "routine")`
	if info := v.index.byID[s.Needs]; s.Needs != "" && info != nil && info.kind == KindApproval {
		v.addf(p, "step %q: %s, and the approval it needs, %q, is not marked sensitive: true, so silence or a grant could pass it on a sensitive mention; mark it sensitive: true, or %s",
			s.ID, what, s.Needs, ways)
		return
	}
	v.addf(p, "step %q: %s, and nothing keeps it from answering a sensitive or unsure one without a person: %s", s.ID, what, ways)
}

// readsClassification reports whether a template in val reads the output of a
// classify_mention step, and which.
func (v *validator) readsClassification(val any) (string, bool) {
	switch t := val.(type) {
	case string:
		segs, err := splitTemplate(t)
		if err != nil {
			return "", false
		}
		for _, seg := range segs {
			if !seg.isExpr {
				continue
			}
			tree, err := parseExpr(rewriteNames(seg.text))
			if err != nil {
				continue
			}
			for _, r := range analyze(tree).steps {
				if info := v.index.byID[r.id]; info != nil && info.action == classifyAction {
					return r.id, true
				}
			}
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			if id, ok := v.readsClassification(t[k]); ok {
				return id, true
			}
		}
	case []any:
		for _, e := range t {
			if id, ok := v.readsClassification(e); ok {
				return id, true
			}
		}
	}
	return "", false
}

// routineArms reports whether a branch's then arm, and its else arm, run only
// when a classify_mention step said routine.
func (v *validator) routineArms(cond string) (thenRoutine, elseRoutine bool) {
	src, _ := exprSource(cond)
	tree, err := parseExpr(rewriteNames(src))
	if err != nil {
		return false, false
	}
	return v.routineWhen(tree.Node, true), v.routineWhen(tree.Node, false)
}

// routineWhen reports whether n giving holds means a classify_mention step's
// sensitivity is routine.
func (v *validator) routineWhen(n ast.Node, holds bool) bool {
	switch x := n.(type) {
	case *ast.BinaryNode:
		switch x.Operator {
		case "and", "&&":
			return holds && (v.routineWhen(x.Left, true) || v.routineWhen(x.Right, true))
		case "or", "||":
			return !holds && (v.routineWhen(x.Left, false) || v.routineWhen(x.Right, false))
		case "==":
			return holds && v.routineTest(x.Left, x.Right)
		case "!=":
			return !holds && v.routineTest(x.Left, x.Right)
		}
	case *ast.UnaryNode:
		if x.Operator == "not" || x.Operator == "!" {
			return v.routineWhen(x.Node, !holds)
		}
	}
	return false
}

// routineTest reports whether a and b, either way round, are a classify_mention
// step's sensitivity and "routine".
func (v *validator) routineTest(a, b ast.Node) bool {
	return v.isRoutine(a, b) || v.isRoutine(b, a)
}

func (v *validator) isRoutine(field, lit ast.Node) bool {
	if s, ok := lit.(*ast.StringNode); !ok || s.Value != mentions.Routine {
		return false
	}
	id, ok := sensitivityOf(field)
	info := v.index.byID[id]
	return ok && info != nil && info.action == classifyAction
}

// sensitivityOf recognises steps.ID.output.sensitivity (in any of its spellings,
// steps["ID"]["output"]… included) and gives ID.
func sensitivityOf(n ast.Node) (string, bool) {
	var props []string
	for {
		m, ok := n.(*ast.MemberNode)
		if !ok {
			break
		}
		p, ok := m.Property.(*ast.StringNode)
		if !ok || m.Optional {
			return "", false
		}
		props = append(props, p.Value)
		n = m.Node
	}
	root, ok := n.(*ast.IdentifierNode)
	if !ok || root.Value != varSteps || len(props) != 3 || props[0] != "sensitivity" || props[1] != "output" {
		return "", false
	}
	return props[2], true
}
