package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/greenlight/greenlight/api"
)

// Raw `approval` signals reach a campaign from anyone who can talk to the Temporal
// frontend, so a flood of them must cost little. An ignored decision (unknown
// approval, not an approver, duplicate, late) is recorded in full the first few
// times per approval and sender; after that it is only counted, and the counts
// are written as one summary audit event per approval and sender ("N further
// ignored signals from X") when a count grows large, when the approval settles
// and when the campaign ends. While a campaign waits, it also continues as new
// before signals pile up (see suspend.go), so Temporal's per-run signal limit is
// never reached and a legitimate decision is still accepted after a flood.

// changeSignalFlood is the GetVersion change that bounds ignored signals and lets a
// waiting campaign continue as new; runs recorded before it keep the old path.
const changeSignalFlood = "signal-flood"

// Bounds on what ignored decisions cost.
const (
	// ignoredInFull is how many ignored decisions per approval and sender are
	// recorded as approval.ignored events; the rest are counted.
	ignoredInFull = 3
	// ignoredPairs is how many approval/sender pairs are counted apart; further
	// pairs share one count, so a flood from ever-new senders stays bounded.
	ignoredPairs = 32
	// ignoredSummaryEvery is the count at which a pair is summarised even though
	// its approval is still pending.
	ignoredSummaryEvery = 1000
	// ignoredTextMax bounds each sender-chosen string kept for the record.
	ignoredTextMax = 128
)

// KindIgnoredSummary is the audit event that stands for ignored decisions that
// were counted rather than recorded one by one.
const KindIgnoredSummary = "approval.ignored_summary"

// IgnoredCount counts the ignored decisions of one sender on one approval. An empty
// By is the shared count of senders past the first ignoredPairs; an empty
// ApprovalID counts decisions for ids that name no approval of the campaign.
type IgnoredCount struct {
	ApprovalID string         `json:"approval_id,omitempty"`
	By         string         `json:"by,omitempty"`
	InFull     int            `json:"in_full"`           // recorded one by one
	Count      int            `json:"count"`             // counted since the last summary
	Total      int            `json:"total"`             // counted, all summaries included
	Reasons    map[string]int `json:"reasons,omitempty"` // error type → count since the last summary
	First      time.Time      `json:"first"`             // first counted since the last summary
	Last       time.Time      `json:"last"`
}

// initSignalFlood decides once per run whether ignored signals are bounded and the
// run may continue as new while it waits.
func (r *campaignRun) initSignalFlood(ctx workflow.Context) {
	r.flood = workflow.GetVersion(ctx, changeSignalFlood, workflow.DefaultVersion, 1) >= 1
}

// ignore records or counts a decision that changed nothing.
func (r *campaignRun) ignore(ctx workflow.Context, sig ApprovalSignal, err error) {
	if !r.flood {
		r.emit(ctx, change{audit: []auditEntry{{
			kind: "approval.ignored", actor: sig.By, channel: sig.Channel, approvalID: sig.ApprovalID, requestID: sig.RequestID,
			detail: map[string]any{"decision": sig.Decision, "reason": err.Error()},
		}}})
		return
	}
	if r.ended {
		r.afterEnd++
		return
	}
	approvalID := clip(sig.ApprovalID)
	if _, known := r.approvals[sig.ApprovalID]; !known {
		approvalID = ""
	}
	c := r.ignoredCount(approvalID, clip(sig.By))
	if c.By != "" && c.InFull < ignoredInFull {
		c.InFull++
		r.emit(ctx, change{audit: []auditEntry{{
			kind: "approval.ignored", actor: clip(sig.By), channel: sig.Channel, approvalID: clip(sig.ApprovalID), requestID: clip(sig.RequestID),
			detail: map[string]any{"decision": clip(sig.Decision), "reason": clip(err.Error())},
		}}})
		return
	}
	now := workflow.Now(ctx).UTC()
	if c.Count == 0 {
		c.First = now
	}
	c.Count++
	c.Total++
	c.Last = now
	if c.Reasons == nil {
		c.Reasons = map[string]int{}
	}
	c.Reasons[errorType(err)]++
	if c.Count >= ignoredSummaryEvery {
		r.summarizeIgnored(ctx, func(ic *IgnoredCount) bool { return ic == c })
	}
}

// ignoredCount finds or makes the count of one pair. When every place is taken,
// a pair whose counts are all summarised gives its place up (it may be recorded
// in full again if it returns, which a summary, at most one per
// ignoredSummaryEvery signals or per settled approval, must precede); otherwise
// the pair joins the shared count.
func (r *campaignRun) ignoredCount(approvalID, by string) *IgnoredCount {
	for i := range r.ignored {
		if c := &r.ignored[i]; c.ApprovalID == approvalID && c.By == by {
			return c
		}
	}
	if len(r.ignored) >= ignoredPairs {
		for i := range r.ignored {
			if c := r.ignored[i]; c.Total > 0 && c.Count == 0 {
				r.ignored = append(r.ignored[:i], r.ignored[i+1:]...)
				break
			}
		}
	}
	if len(r.ignored) < ignoredPairs {
		r.ignored = append(r.ignored, IgnoredCount{ApprovalID: approvalID, By: by})
		return &r.ignored[len(r.ignored)-1]
	}
	return &r.others
}

// summarizeIgnored writes one summary event for each count that which selects and
// that has something to report, and starts those counts again.
func (r *campaignRun) summarizeIgnored(ctx workflow.Context, which func(*IgnoredCount) bool) {
	var audit []auditEntry
	all := make([]*IgnoredCount, 0, len(r.ignored)+1)
	for i := range r.ignored {
		all = append(all, &r.ignored[i])
	}
	all = append(all, &r.others)
	for _, c := range all {
		if c.Count == 0 || !which(c) {
			continue
		}
		audit = append(audit, auditEntry{
			kind: KindIgnoredSummary, actor: c.By, channel: api.ChannelSystem, approvalID: c.ApprovalID,
			detail: map[string]any{
				"summary": ignoredSummary(c), "count": c.Count, "total": c.Total, "reasons": c.Reasons,
				"first_at": c.First.Format(time.RFC3339), "last_at": c.Last.Format(time.RFC3339),
			},
		})
		c.Count, c.Reasons = 0, nil
	}
	if len(audit) > 0 {
		r.emit(ctx, change{audit: audit})
	}
}

// summarizeIgnoredFor summarises the counts of one approval, the shared one and
// those for unknown approvals, as the approval settles.
func (r *campaignRun) summarizeIgnoredFor(ctx workflow.Context, approvalID string) {
	if !r.flood {
		return
	}
	r.summarizeIgnored(ctx, func(c *IgnoredCount) bool {
		return c.ApprovalID == approvalID || c.ApprovalID == "" || c.By == ""
	})
}

// ignoredSummary is the sentence an auditor reads.
func ignoredSummary(c *IgnoredCount) string {
	from := "from " + c.By
	if c.By == "" {
		from = fmt.Sprintf("from senders past the first %d", ignoredPairs)
	}
	on := "on approval " + c.ApprovalID
	if c.ApprovalID == "" {
		on = "on approvals of this campaign or ids that name none"
		if c.By != "" {
			on = "for ids that name no approval of this campaign"
		}
	}
	further := "further "
	if c.By == "" {
		further = ""
	}
	return fmt.Sprintf("%d %signored signals %s %s (%s to %s)", c.Count, further, from, on,
		c.First.Format(time.RFC3339), c.Last.Format(time.RFC3339))
}

// errorType is the decision error's type (NotAnApprover, AlreadyDecided, …).
func errorType(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() != "" {
		return appErr.Type()
	}
	return "Other"
}

// clip bounds a sender-chosen string kept in workflow state or the record.
func clip(s string) string {
	if len(s) <= ignoredTextMax {
		return s
	}
	cut := ignoredTextMax
	// Never split a UTF-8 sequence: back up to the start of a rune.
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
