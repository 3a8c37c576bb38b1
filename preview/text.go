package preview

import (
	"fmt"
	"strings"
)

// Text writes the approval for a plain-text message: the title, who asked,
// the posts as they will read, the other details, then the deadline and what
// silence will do. Lines stay short enough for a phone's mail app.
func (a Approval) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", a.Title)
	fmt.Fprintf(&b, "Client: %s · campaign %s", a.Client, a.CampaignID)
	if a.RequestedBy != "" {
		fmt.Fprintf(&b, " · asked by %s", a.RequestedBy)
	}
	b.WriteString("\n")
	if len(a.Posts) > 0 {
		fmt.Fprintf(&b, "\n%s to publish:\n", count(len(a.Posts), "post", "posts"))
		for i, p := range a.Posts {
			fmt.Fprintf(&b, "\n%d. ", i+1)
			if p.Platform != "" {
				fmt.Fprintf(&b, "[%s] ", p.Platform)
			}
			if p.When != "" {
				fmt.Fprintf(&b, "(%s) ", p.When)
			}
			fmt.Fprintf(&b, "%s\n", p.Text)
		}
	}
	if len(a.Targets) > 0 {
		fmt.Fprintf(&b, "\nTargets: %s\n", strings.Join(a.Targets, ", "))
	}
	if a.Schedule != "" {
		fmt.Fprintf(&b, "Schedule: %s\n", a.Schedule)
	}
	if a.Risk != "" {
		fmt.Fprintf(&b, "Risk: %s\n", a.Risk)
	}
	for _, f := range a.Fields {
		if f.Items != nil {
			fmt.Fprintf(&b, "\n%s:\n", f.Label)
			for _, it := range f.Items {
				fmt.Fprintf(&b, "  - %s\n", it)
			}
			continue
		}
		fmt.Fprintf(&b, "\n%s: %s\n", f.Label, f.Text)
	}
	b.WriteString("\n")
	if a.Decided != "" && a.EndedWith != "" {
		fmt.Fprintf(&b, "Closed undecided on %s: %s.\n", a.Decided, CampaignEnded(a.EndedWith))
	} else if a.Decided != "" {
		by := a.DecidedBy
		if a.BySilence {
			by = "silence (its " + a.OnTimeout + " policy)"
		}
		fmt.Fprintf(&b, "%s by %s on %s.\n", capitalise(a.Status), by, a.Decided)
	} else {
		fmt.Fprintf(&b, "%s\n", a.Silence)
	}
	return b.String()
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
