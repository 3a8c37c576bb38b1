package server

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/pages"
	"github.com/greenlight/greenlight/playbooks"
	"github.com/greenlight/greenlight/preview"
	"github.com/greenlight/greenlight/store"
)

// maxFormPosts bounds the post.N fields one form may carry.
const maxFormPosts = 200

// linkForm is what the approval page's form posts: the decision its button
// named, a comment, the form token, and the posts' texts by index ("post.0").
type linkForm struct {
	Decision string
	Comment  string
	CSRF     string
	Texts    map[int]string
}

// readLinkForm reads the form's fields, refusing names it does not have and
// text the store cannot hold, each problem naming its field.
func readLinkForm(values url.Values) (linkForm, []playbooks.Problem) {
	if probs := valuesProblems("form field", values); len(probs) > 0 {
		return linkForm{}, probs
	}
	f := linkForm{
		Decision: values.Get("decision"), Comment: strings.TrimSpace(normalizeNewlines(values.Get("comment"))),
		CSRF: values.Get("csrf"), Texts: map[int]string{},
	}
	var probs []playbooks.Problem
	for name, vs := range values {
		switch name {
		case "decision", "comment", "csrf":
			continue
		}
		n, ok := strings.CutPrefix(name, "post.")
		i, err := strconv.Atoi(n)
		if !ok || err != nil || i < 0 || i >= maxFormPosts || strconv.Itoa(i) != n {
			probs = append(probs, playbooks.Problem{Field: name, Message: "is not a field of the approval form"})
			continue
		}
		f.Texts[i] = normalizeNewlines(vs[0])
		if utf8.RuneCountInString(f.Texts[i]) > pages.MaxPostText {
			probs = append(probs, playbooks.Problem{Field: name, Message: fmt.Sprintf("has more than %d characters", pages.MaxPostText)})
		}
	}
	if utf8.RuneCountInString(f.Comment) > pages.MaxComment {
		probs = append(probs, playbooks.Problem{Field: "comment", Message: fmt.Sprintf("has more than %d characters", pages.MaxComment)})
	}
	return f, probs
}

// normalizeNewlines undoes the CRLF browsers post a textarea's lines with, so
// an untouched post compares equal to its text.
func normalizeNewlines(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

// edits are the decision's edits for the posts the person changed; only an
// approval carries them (the workflow keeps a rejection's content as it was).
func (f linkForm) edits(a *store.Approval, decision string) (map[string]any, *refusal) {
	if decision != api.DecisionApprove || len(f.Texts) == 0 {
		return nil, nil
	}
	edits, err := preview.PostEdits([]byte(a.Preview), f.Texts)
	if errors.Is(err, preview.ErrNoPosts) {
		return nil, refuseInvalid("this approval has no posts to edit")
	}
	if err != nil {
		return nil, refuseInvalid("%v; reload the page", err)
	}
	if probs := textProblems(decisionRequest{Edits: edits}); len(probs) > 0 {
		return nil, refuseInvalid("the edited posts are too large: %s %s", probs[0].Field, probs[0].Message)
	}
	return edits, nil
}

// choices are the buttons a link's page shows: only what the link allows,
// with the link's own decision (or, for a link that lets its approver choose,
// the one its URL names) first and primary.
func choices(decision, preselect string) []pages.Choice {
	approve := pages.Choice{Decision: api.DecisionApprove, Label: "Approve"}
	reject := pages.Choice{Decision: api.DecisionReject, Label: "Reject"}
	switch decision {
	case api.DecisionApprove:
		approve.Primary = true
		return []pages.Choice{approve}
	case api.DecisionReject:
		reject.Primary = true
		return []pages.Choice{reject}
	}
	if preselect == api.DecisionReject {
		reject.Primary = true
	} else {
		approve.Primary = true
	}
	return []pages.Choice{approve, reject}
}

// linkNotice says what a one-decision link cannot do, and where to go for it.
func linkNotice(decision string) string {
	switch decision {
	case api.DecisionApprove:
		return "This link can only approve. To reject, use the reject link from the same message."
	case api.DecisionReject:
		return "This link can only reject. To approve, use the approve link from the same message."
	}
	return ""
}
