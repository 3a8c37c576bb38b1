// Package preview turns an approval into what a person reads before deciding:
// the posts as they will be published, the targets, the schedule and the risk,
// who asked, the deadline and what silence will do. Email, Slack and the
// approval page all render from this one model, so a client sees the same
// request wherever it reaches them.
package preview

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/greenlight/greenlight/api"
)

// Approval is one approval as people read it.
type Approval struct {
	ID          string
	Title       string
	Client      string
	CampaignID  string
	Step        string
	RequestedBy string // "" when the campaign was launched without a name
	RequestedAt time.Time
	DueAt       time.Time
	Due         string // DueAt in the reader's zone, e.g. "Fri 4 Dec 17:00 CET"
	OnTimeout   string // the policy silence applies
	Silence     string // e.g. "If nobody answers by Fri 4 Dec 17:00 CET, this is skipped."
	Status      string
	DecidedBy   string
	Decided     string // DecidedAt in the reader's zone; "" while pending
	BySilence   bool   // the timeout policy decided, not a person
	Policy      string // the timeout policy that decided it, when BySilence
	EndedWith   string // its campaign's status ("canceled", …) when that end closed it undecided
	Channel     string // how the decision arrived (link, api, email, …)
	Comment     string // the deciding comment
	Quorum      int    // approvals needed, at least 1
	Votes       []Vote // the votes so far, when the view carries them
	// Edited says the content reads as approved with an approver's edits.
	Edited   bool
	Posts    []Post
	Targets  []string
	Schedule string
	Risk     string
	// Fields are the other preview entries, labelled, in key order.
	Fields []Field
}

// Post is one post as it will be published.
type Post struct {
	Platform string
	Text     string
	Topic    string
	When     string // when it goes out, if the preview says
}

// Field is one other preview entry: a label and its text, or a list.
type Field struct {
	Label string
	Text  string
	Items []string
}

// dueLayout is how deadlines read: day, date and time with the zone, which a
// person on a phone takes in at a glance.
const dueLayout = "Mon 2 Jan 15:04 MST"

// Of reads a as a person in loc (UTC when nil) sees it.
func Of(a api.ApprovalView, loc *time.Location) Approval {
	if loc == nil {
		loc = time.UTC
	}
	p := Approval{
		ID: a.ID, Title: a.Title, Client: a.Client, CampaignID: a.CampaignID, Step: a.Step,
		RequestedBy: a.RequestedBy, RequestedAt: a.RequestedAt, DueAt: a.DueAt,
		Due: a.DueAt.In(loc).Format(dueLayout), OnTimeout: a.OnTimeout, Status: a.Status,
		DecidedBy: a.DecidedBy, BySilence: a.Status == api.ApprovalExpired,
		Policy: a.Policy, Channel: a.Channel, Comment: a.Comment, Quorum: max(a.Quorum, 1),
	}
	if st, ok := api.EndedWithCampaign(a.Policy); ok && p.BySilence {
		p.BySilence, p.EndedWith = false, st
	}
	if p.BySilence && p.Policy == "" {
		p.Policy = a.OnTimeout
	}
	for _, v := range a.Votes {
		p.Votes = append(p.Votes, Vote{
			By: v.By, Role: v.Role, Decision: v.Decision, Comment: v.Comment, Channel: v.Channel,
			At: v.At.In(loc).Format(dueLayout), Edited: len(v.Edits) > 0,
		})
	}
	p.Silence = SilenceSentence(a.OnTimeout, a.DueAt, loc)
	if a.DecidedAt != nil {
		p.Decided = a.DecidedAt.In(loc).Format(dueLayout)
	}
	var fields map[string]any
	if len(a.Preview) > 0 && json.Unmarshal(a.Preview, &fields) == nil {
		// An approved approval reads as approved: the edits replace the
		// preview's top-level entries, as the workflow merges them.
		var edits map[string]any
		if a.Status == api.ApprovalApproved && len(a.Edits) > 0 && json.Unmarshal(a.Edits, &edits) == nil && len(edits) > 0 {
			maps.Copy(fields, edits)
			p.Edited = true
		}
		p.read(fields)
	}
	return p
}

// SilenceSentence says what happens if nobody answers by due under policy.
func SilenceSentence(policy string, due time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	by := due.In(loc).Format(dueLayout)
	switch policy {
	case "approve":
		return fmt.Sprintf("If nobody answers by %s, this is approved.", by)
	case "reject":
		return fmt.Sprintf("If nobody answers by %s, this is rejected.", by)
	case "skip":
		return fmt.Sprintf("If nobody answers by %s, this is skipped.", by)
	case "fail":
		return fmt.Sprintf("If nobody answers by %s, the campaign stops.", by)
	case "escalate":
		return fmt.Sprintf("If nobody answers by %s, this goes to the next person up.", by)
	}
	return fmt.Sprintf("Please answer by %s.", by)
}

// SilenceOutcome names what a timeout policy did, in a word or two:
// "Decided by silence: skipped".
func SilenceOutcome(policy string) string {
	switch policy {
	case "approve":
		return "approved"
	case "reject":
		return "rejected"
	case "skip":
		return "skipped"
	case "fail":
		return "campaign stopped"
	case "escalate":
		return "escalated"
	}
	return "expired"
}

// read sorts the preview's entries into the parts people look for first, and
// the rest as labelled fields.
func (p *Approval) read(fields map[string]any) {
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		v := fields[k]
		switch k {
		case "posts":
			if posts, ok := postsOf(v); ok {
				p.Posts = posts
				continue
			}
		case "targets", "accounts":
			if items := itemsOf(v); items != nil {
				p.Targets = append(p.Targets, items...)
				continue
			}
		case "schedule":
			p.Schedule = textOf(v)
			continue
		case "risk":
			p.Risk = textOf(v)
			continue
		}
		f := Field{Label: labelOf(k)}
		if list, ok := v.([]any); ok {
			f.Items = entriesOf(list)
		} else {
			f.Text = textOf(v)
		}
		p.Fields = append(p.Fields, f)
	}
}

// postsOf reads a list of posts: objects with a text, or plain strings.
func postsOf(v any) ([]Post, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	posts := make([]Post, 0, len(list))
	for _, e := range list {
		switch e := e.(type) {
		case string:
			posts = append(posts, Post{Text: e})
		case map[string]any:
			posts = append(posts, Post{
				Platform: textOf(e["platform"]), Text: textOf(e["text"]), Topic: textOf(e["topic"]),
				When: textOf(firstOf(e, "at", "when", "scheduled_at")),
			})
		default:
			return nil, false
		}
	}
	return posts, true
}

func firstOf(m map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v
		}
	}
	return nil
}

// itemsOf reads a list of scalars; nil when v is not one.
func itemsOf(v any) []string {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	items := make([]string, 0, len(list))
	for _, e := range list {
		switch e.(type) {
		case map[string]any, []any:
			return nil
		}
		items = append(items, textOf(e))
	}
	return items
}

// entriesOf reads a list as one entry per element, structured ones included.
func entriesOf(list []any) []string {
	items := make([]string, len(list))
	for i, e := range list {
		items[i] = textOf(e)
	}
	return items
}

// textOf writes a value as a person reads it: text as is, whole numbers
// without a decimal point, yes and no, and anything structured on one line,
// never as JSON: an object as "level: high; score: 3" in key order, a list as
// "a, b".
func textOf(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		if v == float64(int64(v)) {
			return fmt.Sprintf("%d", int64(v))
		}
		return fmt.Sprintf("%g", v)
	case bool:
		if v {
			return "yes"
		}
		return "no"
	case map[string]any:
		parts := make([]string, 0, len(v))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			parts = append(parts, keyOf(k)+": "+innerTextOf(v[k]))
		}
		return strings.Join(parts, "; ")
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = innerTextOf(e)
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v)
}

// innerTextOf is textOf for a value inside another: one with more than one
// entry is bracketed, so a reader sees where it ends, e.g. "(name: a; n: 1),
// (name: b; n: 2)" or "tags: [a, b]; n: 1".
func innerTextOf(v any) string {
	switch e := v.(type) {
	case map[string]any:
		if len(e) > 1 {
			return "(" + textOf(e) + ")"
		}
	case []any:
		if len(e) > 1 {
			return "[" + textOf(e) + "]"
		}
	}
	return textOf(v)
}

// keyOf is a key inside a structured value as a person reads it:
// "top_factors" → "top factors".
func keyOf(k string) string {
	return strings.NewReplacer("_", " ", "-", " ").Replace(k)
}

// labelOf turns a preview key into a label: "proposed_reply" → "Proposed reply".
func labelOf(k string) string {
	return capitalise(strings.NewReplacer("_", " ", "-", " ").Replace(k))
}
