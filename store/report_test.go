package store_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

// reportBase is the start of the report window of the fixture; the window is
// [reportBase, reportBase+100h).
var reportBase = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// at is h hours after reportBase, rounded to the second so that fractions
// such as 20/60 land on whole minutes.
func at(h float64) time.Time { return reportBase.Add(time.Duration(math.Round(h*3600)) * time.Second) }

func posts(n int) string {
	if n == 0 {
		return ""
	}
	items := make([]string, n)
	for i := range items {
		items[i] = `{"text":"post"}`
	}
	return `{"title":"batch","posts":[` + strings.Join(items, ",") + `]}`
}

// seedReport writes the fixture of known decisions the report tests count by
// hand. Times are hours from reportBase.
func seedReport(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := ctxT(t)
	for _, c := range []struct{ id, client, status string }{
		{"acme-1", "acme", "running"}, {"acme-2", "acme", "canceled"},
		{"globex-1", "globex", "failed"}, {"umbrella-1", "umbrella", "running"},
		{"initech-1", "initech", "completed"},
	} {
		mustCreate(t, s, newCampaign(c.id, c.client, "launch", c.status, reportBase.Add(-24*time.Hour)))
	}
	type row struct {
		id, status, policy, by string
		requested, decided     float64 // hours from reportBase; decided < 0: not decided
		preview                string
		quorum                 int
	}
	project := func(campaign string, rows []row, votes ...store.ApprovalVote) {
		t.Helper()
		list := make([]store.Approval, 0, len(rows))
		for _, r := range rows {
			a := store.Approval{
				ID: r.id, StepKey: r.id, Status: r.status, OnTimeout: "reject", Policy: r.policy, DecidedBy: r.by,
				RequestedAt: at(r.requested), DueAt: at(r.requested + 48), Preview: r.preview, Quorum: max(r.quorum, 1),
			}
			if r.decided >= 0 {
				a.DecidedAt = ptr(at(r.decided))
			}
			switch r.status {
			case "approved":
				a.Decision, a.Channel = "approve", "api"
			case "rejected":
				a.Decision, a.Channel = "reject", "api"
			case "expired":
				a.Channel = "policy"
			}
			list = append(list, a)
		}
		require.NoError(t, s.ApplyProjection(ctx, store.Projection{CampaignID: campaign, Seq: 1, Approvals: list, Votes: votes}))
	}

	project("acme-1", []row{
		{id: "a0", status: "approved", by: "dana", requested: -1, decided: 1, preview: posts(3)}, // before the window
		{id: "a1", status: "approved", by: "dana", requested: 0, decided: 1, preview: posts(3)},  // 1h, on the window's first instant
		{id: "a2", status: "rejected", by: "sam", requested: 1, decided: 3, preview: posts(5)},   // 2h
		{id: "a3", status: "approved", by: "dana", requested: 2, decided: 6},                     // 4h, no preview
		{id: "a4", status: "expired", policy: "approve", requested: 3, decided: 13, preview: posts(3)},
		{id: "a5", status: "approved", by: "sam", requested: 4, decided: 34, preview: `{"posts":"not a list"}`}, // 30h
		// Quorum 2: lee voted after 2h, dana after 6h, which settled it. DecidedBy
		// names dana only; the votes give each their own time.
		{id: "a6", status: "approved", by: "dana", requested: 5, decided: 11, preview: posts(5), quorum: 2},
		{id: "a8", status: "pending", requested: 95 + 20.0/60, decided: -1, preview: posts(5)},           // 95h20m
		{id: "a9", status: "expired", policy: "reject", requested: 90, decided: 102, preview: `{"x":1}`}, // decided after until
		{id: "a10", status: "pending", requested: 100, decided: -1, preview: posts(3)},                   // on until: outside
	},
		store.ApprovalVote{ApprovalID: "a6", Voter: "lee", Decision: "approve", At: at(7)},
		store.ApprovalVote{ApprovalID: "a6", Voter: "dana", Decision: "approve", At: at(11)},
	)
	project("acme-2", []row{
		{id: "a7", status: "expired", policy: "campaign_canceled", requested: 6, decided: 14, preview: posts(3)},
	})
	project("globex-1", []row{
		{id: "g1", status: "approved", by: "kim", requested: 10, decided: 13, preview: posts(3)},
		{id: "g2", status: "expired", policy: "campaign_failed", requested: 20, decided: 22},
		{id: "g3", status: "expired", policy: "reject", requested: 30, decided: 54},
	})
	project("umbrella-1", []row{
		{id: "u1", status: "pending", requested: 50, decided: -1},
	})
	project("initech-1", []row{
		{id: "i1", status: "approved", by: "bob", requested: -5, decided: -4},
		{id: "i2", status: "approved", by: "bob", requested: 120, decided: 121},
	})
}

func secs(h float64) *float64 { v := h * 3600; return &v }

func TestApprovalReportMatchesHandComputedFigures(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		seedReport(t, s)
		ctx := ctxT(t)
		since, until := reportBase, reportBase.Add(100*time.Hour)

		got, err := s.ApprovalReport(ctx, store.ApprovalReportFilter{Since: since, Until: until})
		require.NoError(t, err)
		assert.Equal(t, since, got.Since)
		assert.Equal(t, until, got.Until)

		acme := api.ClientApprovalReport{
			Client: "acme",
			// a1…a9; a0 was requested before since, a10 exactly at until.
			Approvals: 9,
			// a1, a2, a3, a5, a6 approved or rejected by a person.
			DecidedByPerson: 5,
			// a4 (approve) and a9 (reject) by their timeout policy.
			DecidedBySilence: 2,
			// a7: its campaign was canceled.
			Abandoned: 1,
			// a8.
			Pending: 1,
			// 2 / (5 + 2) = 0.285714… → 0.2857.
			SilenceShare: ptr(0.2857),
			DecisionTimes: api.DecisionTimes{
				// Person and silence: a1 1h, a2 2h, a3 4h, a4 10h, a5 30h, a6 6h,
				// a9 12h → sorted 1, 2, 4, 6, 10, 12, 30 (n = 7).
				// Median: rank ceil(0.5 × 7) = 4 → 6h.
				MedianDecisionSeconds: secs(6), MedianDecision: "6h",
				// p90: rank ceil(0.9 × 7) = ceil(6.3) = 7 → 30h.
				P90DecisionSeconds: secs(30), P90Decision: "30h",
			},
			// a1 1 + a2 2 + a3 4 + a4 10 + a5 30 + a6 6 + a7 8 (until the
			// campaign ended) + a8 100 − 95h20m = 4h40m (pending: until
			// until) + a9 100 − 90 = 10 (decided at 102, clamped to until)
			// = 75h40m = 75.666… → 75.67.
			WaitingHours: 75.67,
			// a1 3 + a2 5 + a3 0 (no preview) + a4 3 + a5 0 (posts is not a
			// list) + a6 5 + a7 3 + a8 5 + a9 0 (no posts) = 24.
			PostsDelayed: 24,
			Approvers: []api.ApproverReport{
				// dana: a1 1h, a3 4h, and her vote on a6 after 6h; all approvals.
				// Sorted 1, 4, 6: median rank ceil(1.5) = 2 → 4h; p90 rank
				// ceil(2.7) = 3 → 6h.
				{Approver: "dana", Decided: 3, Approved: 3, Rejected: 0, DecisionTimes: api.DecisionTimes{
					MedianDecisionSeconds: secs(4), MedianDecision: "4h", P90DecisionSeconds: secs(6), P90Decision: "6h"}},
				// lee: only the vote on a6, after 2h.
				{Approver: "lee", Decided: 1, Approved: 1, Rejected: 0, DecisionTimes: api.DecisionTimes{
					MedianDecisionSeconds: secs(2), MedianDecision: "2h", P90DecisionSeconds: secs(2), P90Decision: "2h"}},
				// sam: a2 rejected after 2h, a5 approved after 30h. Median rank
				// ceil(1.0) = 1 → 2h; p90 rank ceil(1.8) = 2 → 30h.
				{Approver: "sam", Decided: 2, Approved: 1, Rejected: 1, DecisionTimes: api.DecisionTimes{
					MedianDecisionSeconds: secs(2), MedianDecision: "2h", P90DecisionSeconds: secs(30), P90Decision: "30h"}},
			},
		}
		globex := api.ClientApprovalReport{
			Client:    "globex",
			Approvals: 3, DecidedByPerson: 1 /* g1 */, DecidedBySilence: 1 /* g3 */, Abandoned: 1 /* g2 */, Pending: 0,
			// 1 / (1 + 1).
			SilenceShare: ptr(0.5),
			DecisionTimes: api.DecisionTimes{
				// g1 3h, g3 24h: median rank ceil(1.0) = 1 → 3h; p90 rank ceil(1.8) = 2 → 24h.
				MedianDecisionSeconds: secs(3), MedianDecision: "3h",
				P90DecisionSeconds: secs(24), P90Decision: "24h",
			},
			// g1 3 + g2 2 + g3 24 = 29.
			WaitingHours: 29,
			PostsDelayed: 3,
			Approvers: []api.ApproverReport{
				{Approver: "kim", Decided: 1, Approved: 1, DecisionTimes: api.DecisionTimes{
					MedianDecisionSeconds: secs(3), MedianDecision: "3h", P90DecisionSeconds: secs(3), P90Decision: "3h"}},
			},
		}
		umbrella := api.ClientApprovalReport{
			Client:    "umbrella",
			Approvals: 1, Pending: 1,
			// Nothing decided: no share, no times (null, not zero).
			// u1 waits from 50h to until at 100h.
			WaitingHours: 50,
			Approvers:    []api.ApproverReport{},
		}
		// initech has no approval requested in the window and is not listed.
		assert.Equal(t, []api.ClientApprovalReport{acme, globex, umbrella}, got.Clients)

		only, err := s.ApprovalReport(ctx, store.ApprovalReportFilter{ClientID: "globex", Since: since, Until: until})
		require.NoError(t, err)
		assert.Equal(t, []api.ClientApprovalReport{globex}, only.Clients)

		// A narrower window moves the clamp: [5h, 12h) holds a6 and a7 only.
		// Waiting: a6 decided at 11 → 6; a7 decided at 14, clamped to 12 → 6.
		// Per approver, votes still count their own times.
		narrow, err := s.ApprovalReport(ctx, store.ApprovalReportFilter{ClientID: "acme", Since: at(5), Until: at(12)})
		require.NoError(t, err)
		require.Len(t, narrow.Clients, 1)
		n := narrow.Clients[0]
		assert.Equal(t, 2, n.Approvals)
		assert.Equal(t, 1, n.DecidedByPerson)
		assert.Equal(t, 1, n.Abandoned)
		assert.Equal(t, 12.0, n.WaitingHours)
		assert.Equal(t, 8, n.PostsDelayed)
		assert.Equal(t, []string{"dana", "lee"}, []string{n.Approvers[0].Approver, n.Approvers[1].Approver})

		none, err := s.ApprovalReport(ctx, store.ApprovalReportFilter{ClientID: "nobody", Since: since, Until: until})
		require.NoError(t, err)
		assert.NotNil(t, none.Clients)
		assert.Empty(t, none.Clients)

		for _, w := range [][2]time.Time{{until, since}, {since, since}, {time.Time{}, until}} {
			_, err := s.ApprovalReport(ctx, store.ApprovalReportFilter{Since: w[0], Until: w[1]})
			assert.ErrorIs(t, err, store.ErrInvalid, "since %s until %s", w[0], w[1])
		}
	})
}

func TestNearestRank(t *testing.T) {
	h := func(vs ...int) []time.Duration {
		out := make([]time.Duration, len(vs))
		for i, v := range vs {
			out[i] = time.Duration(v) * time.Hour
		}
		return out
	}
	ten := h(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	// n = 10: p50 rank ceil(5) = 5 → 5; p90 rank ceil(9) = 9 → 9 (not 10: the
	// rank is exact, 0.9 × 10 is 9); p91 rank ceil(9.1) = 10 → 10.
	assert.Equal(t, 5*time.Hour, store.NearestRank(ten, 50))
	assert.Equal(t, 9*time.Hour, store.NearestRank(ten, 90))
	assert.Equal(t, 10*time.Hour, store.NearestRank(ten, 91))
	assert.Equal(t, 1*time.Hour, store.NearestRank(ten, 1))
	assert.Equal(t, 10*time.Hour, store.NearestRank(ten, 100))
	// n = 1: every percentile is the value.
	assert.Equal(t, 7*time.Hour, store.NearestRank(h(7), 90))
	// n = 4: p50 rank 2 → 2 (the lower middle, not the mean 2.5).
	assert.Equal(t, 2*time.Hour, store.NearestRank(h(1, 2, 3, 4), 50))
	assert.Equal(t, time.Duration(0), store.NearestRank(nil, 50))
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                                "0s",
		45 * time.Second:                 "45s",
		12*time.Minute + 30*time.Second:  "12m",
		3*time.Hour + 12*time.Minute:     "3h12m",
		30 * time.Hour:                   "30h",
		71*time.Hour + 59*time.Minute:    "71h59m",
		72 * time.Hour:                   "3d",
		4*24*time.Hour + 6*time.Hour + 1: "4d6h",
		-(2 * time.Hour):                 "-2h",
	} {
		assert.Equal(t, want, store.HumanDuration(d), "%v", d)
	}
}

// TestApprovalReportCountsGrantsApart: an approval passed by a plan's grant is
// neither a person's decision nor silence, and no approver is credited with it.
func TestApprovalReportCountsGrantsApart(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		require.NoError(t, s.CreateCampaign(ctx, &store.Campaign{ID: "g", WorkflowID: "campaign-g", ClientID: "acme", Playbook: "p", PlaybookVersion: 1, Status: "running", CreatedAt: t0, UpdatedAt: t0}))
		at := func(h int) *time.Time { v := t0.Add(time.Duration(h) * time.Hour); return &v }
		require.NoError(t, s.ApplyProjection(ctx, store.Projection{CampaignID: "g", Seq: 1, Approvals: []store.Approval{
			{ID: "g.plan", StepKey: "plan", Status: "approved", OnTimeout: "reject", RequestedAt: t0, DueAt: *at(48), DecidedAt: at(2), DecidedBy: "dana", Decision: "approve", Channel: "api", Quorum: 1},
			{ID: "g.week1", StepKey: "week1", Status: "approved", OnTimeout: "approve", RequestedAt: *at(3), DueAt: *at(51), DecidedAt: at(3), DecidedBy: "grant:g.plan", Decision: "approve", Channel: "grant", Quorum: 1},
		}}))
		got, err := s.ApprovalReport(ctx, store.ApprovalReportFilter{Since: t0, Until: *at(100)})
		require.NoError(t, err)
		require.Len(t, got.Clients, 1)
		c := got.Clients[0]
		require.Equal(t, 2, c.Approvals)
		require.Equal(t, 1, c.DecidedByPerson)
		require.Equal(t, 1, c.DecidedByGrant)
		require.Len(t, c.Approvers, 1)
		require.Equal(t, "dana", c.Approvers[0].Approver)
	})
}

// TestMigratingPreviewPosts upgrades a database at version 11 whose
// approvals carry previews: the report counts their posts as before, from
// the column the migration filled.
func TestMigratingPreviewPosts(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		old, err := store.Open(ctx, freshDatabase(t, s))
		require.NoError(t, err)
		t.Cleanup(func() { _ = old.Close() })
		require.NoError(t, old.MigrateUpTo(ctx, 11))
		mustCreate(t, old, newCampaign("acme-1", "acme", "launch", "running", reportBase.Add(-time.Hour)))
		// Written as release 11 wrote them: its columns only.
		db := old.DB().WithContext(ctx)
		for i, preview := range []string{posts(3), posts(0), posts(2), `{"posts": "not a list"}`} {
			require.NoError(t, db.Exec(`INSERT INTO approvals (id, campaign_id, client_id, step_key, preview, status, on_timeout, requested_at, due_at, quorum)
	VALUES (?, 'acme-1', 'acme', ?, ?, 'pending', 'reject', ?, ?, 1)`, fmt.Sprintf("a%d", i), fmt.Sprintf("s%d", i), preview, at(float64(i)), at(48)).Error)
		}
		require.NoError(t, old.Migrate(ctx))
		rep, err := old.ApprovalReport(ctx, store.ApprovalReportFilter{Since: reportBase, Until: at(10)})
		require.NoError(t, err)
		require.Len(t, rep.Clients, 1)
		assert.Equal(t, 5, rep.Clients[0].PostsDelayed)
		assert.Equal(t, 4, rep.Clients[0].Approvals)
	})
}
