package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

// BenchmarkApprovalReport is the "let go" report over 10,000 approvals, as
// issue 15 sets it (p99 under 50 ms): 100 campaigns of 100 approvals, each
// with a preview of three posts, most decided, a few by votes.
func BenchmarkApprovalReport(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			var s *store.Store
			if dialect == "sqlite" {
				s = storetest.SQLite(b)
			} else {
				s = storetest.Postgres(b)
			}
			seedApprovals(b, s, 100, 100)
			f := store.ApprovalReportFilter{Since: reportBase.Add(-time.Hour), Until: reportBase.Add(2000 * time.Hour)}
			b.ResetTimer()
			for b.Loop() {
				rep, err := s.ApprovalReport(context.Background(), f)
				if err != nil {
					b.Fatal(err)
				}
				if len(rep.Clients) != 10 {
					b.Fatalf("%d clients", len(rep.Clients))
				}
			}
		})
	}
}

func seedApprovals(b *testing.B, s *store.Store, campaigns, each int) {
	b.Helper()
	ctx := context.Background()
	preview := `{"title":"Three posts for the week","risk":"low","posts":[` +
		strings.TrimSuffix(strings.Repeat(`{"text":"`+strings.Repeat("Fresh bread and coffee at the corner bakery. ", 6)+`","platform":"mastodon"},`, 3), ",") + `]}`
	for c := range campaigns {
		id := fmt.Sprintf("bench-%03d", c)
		cl := fmt.Sprintf("client-%d", c%10)
		camp := &store.Campaign{ID: id, WorkflowID: "campaign-" + id, ClientID: cl, Playbook: "launch", PlaybookVersion: 1,
			Params: "{}", Status: "running", CreatedAt: reportBase.Add(-24 * time.Hour), UpdatedAt: reportBase}
		if err := s.CreateCampaign(ctx, camp); err != nil {
			b.Fatal(err)
		}
		list := make([]store.Approval, 0, each)
		var votes []store.ApprovalVote
		for i := range each {
			req := reportBase.Add(time.Duration(c*each+i) * time.Minute)
			a := store.Approval{ID: fmt.Sprintf("%s-%03d", id, i), StepKey: fmt.Sprintf("s%03d", i), Status: "pending", OnTimeout: "reject",
				RequestedAt: req, DueAt: req.Add(48 * time.Hour), Preview: preview, Quorum: 1}
			switch i % 5 {
			case 0, 1:
				a.Status, a.Decision, a.Channel, a.DecidedBy, a.DecidedAt = "approved", "approve", "api", "dana", ptr(req.Add(3*time.Hour))
			case 2:
				a.Status, a.Channel, a.Policy, a.DecidedAt = "expired", "policy", "reject", ptr(req.Add(48*time.Hour))
			case 3:
				a.Status, a.Decision, a.Channel, a.DecidedBy, a.DecidedAt, a.Quorum = "approved", "approve", "api", "lee", ptr(req.Add(time.Hour)), 2
				votes = append(votes, store.ApprovalVote{ApprovalID: a.ID, Voter: "lee", Decision: "approve", At: req.Add(time.Hour)},
					store.ApprovalVote{ApprovalID: a.ID, Voter: "kim", Decision: "approve", At: req.Add(30 * time.Minute)})
			}
			list = append(list, a)
		}
		if err := s.ApplyProjection(ctx, store.Projection{CampaignID: id, Seq: 1, Approvals: list, Votes: votes}); err != nil {
			b.Fatal(err)
		}
	}
}
