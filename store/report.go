package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/greenlight/greenlight/api"
)

// The "let go" report shows a client what insisting on approving everything
// costs: how long its people take to decide, how often silence decides for
// them, and how much campaign time and how many posts wait meanwhile. It is
// computed here in Go from every matching row, never sampled, so that anyone
// can check a figure by hand against the approvals it counts.
//
// Definitions (docs/api.md repeats them for API users):
//
//   - The report covers approvals REQUESTED in [Since, Until).
//   - Each approval is in exactly one class: passed by a grant (channel
//     "grant"), decided by a person (status approved or rejected), decided by
//     silence (status expired because its
//     timeout policy fired), abandoned (status expired because its campaign
//     ended: policy "campaign_canceled", "campaign_failed", …), or pending
//     (still undecided now, whatever Until is).
//   - Time to decide is DecidedAt − RequestedAt, over the approvals decided by
//     a person or by silence: silence is how the client decided, and leaving it
//     out would flatter the figures. Abandoned ones are left out: nobody
//     decided them.
//   - Per approver, each person's own decisions count: an approval's votes
//     when it has any (vote.At − RequestedAt, one entry per voter), otherwise
//     DecidedBy at DecidedAt for an approval a person decided.
//   - Percentiles are nearest-rank: the p-th percentile of n sorted values is
//     the value at rank ceil(p/100 × n), 1-based; the median is p50.
//   - Waiting is, per approval, from RequestedAt to DecidedAt (or to Until for
//     one still undecided), ending at Until at the latest; summed in hours and
//     rounded to 2 decimals.
//   - Posts delayed is the number of entries of the "posts" array in each
//     approval's preview (0 without one), counted when the approval is
//     written (Approval.Posts).

// The policy prefix of approvals closed with their campaign, as the workflow
// writes them (campaignRun.finish).
const (
	// abandonedPolicyPrefix marks an approval expired because its campaign
	// finished ("campaign_canceled", "campaign_failed", "campaign_completed").
	abandonedPolicyPrefix = "campaign_"
	// unnamedApprover stands for a person's decision that recorded no name,
	// so that the approvers still add up to the decisions.
	unnamedApprover = "(unnamed)"
)

// ApprovalReportFilter selects the approvals a report covers.
type ApprovalReportFilter struct {
	ClientID  string    // "" means every client
	ClientIDs []string  // non-nil: only these clients (a scoped caller)
	Since     time.Time // inclusive, on RequestedAt
	Until     time.Time // exclusive, on RequestedAt; also where waiting stops counting
}

// ApprovalReport computes the "let go" report from every approval requested
// in the window (and their votes). Since must be before Until.
func (s *Store) ApprovalReport(ctx context.Context, f ApprovalReportFilter) (*api.ApprovalReport, error) {
	if f.Since.IsZero() || f.Until.IsZero() || !f.Since.Before(f.Until) {
		return nil, fmt.Errorf("store: unable to build the approvals report: %w: since (%s) must be before until (%s)",
			ErrInvalid, f.Since.Format(time.RFC3339), f.Until.Format(time.RFC3339))
	}
	since, until := utc(f.Since), utc(f.Until)

	// Rows are scanned by hand into the few fields the report reads: for
	// 10,000 approvals, GORM's reflection into whole Approval structs cost
	// more than the query (BenchmarkApprovalReport).
	q := s.conn(ctx).Table("approvals").
		Select("id, client_id, status, policy, requested_at, decided_at, decided_by, channel, posts").
		Where("requested_at >= ? AND requested_at < ?", since, until)
	q = byClient(q, "client_id", f.ClientID, f.ClientIDs)
	rows, err := q.Order("client_id, requested_at, id").Rows()
	if err != nil {
		return nil, fmt.Errorf("store: unable to read approvals for the report: %w", err)
	}
	var approvals []Approval
	for rows.Next() {
		var a Approval
		var decided sql.NullTime
		if err := rows.Scan(&a.ID, &a.ClientID, &a.Status, &a.Policy, &a.RequestedAt, &decided, &a.DecidedBy, &a.Channel, &a.Posts); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("store: unable to read approvals for the report: %w", err)
		}
		a.RequestedAt = utc(a.RequestedAt)
		if decided.Valid {
			t := utc(decided.Time)
			a.DecidedAt = &t
		}
		approvals = append(approvals, a)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("store: unable to read approvals for the report: %w", err)
	}

	// The same window through a join, rather than an IN list of ids, which
	// would grow with the window past what a statement can carry. A vote that
	// lands between the two reads is simply counted or not; the report is a
	// look back, not a ledger.
	vq := s.conn(ctx).Table("approval_votes AS v").
		Select("v.approval_id, v.voter, v.decision, v.at").
		Joins("JOIN approvals AS a ON a.id = v.approval_id").
		Where("a.requested_at >= ? AND a.requested_at < ?", since, until)
	vq = byClient(vq, "a.client_id", f.ClientID, f.ClientIDs)
	vrows, err := vq.Order("v.approval_id, v.voter").Rows()
	if err != nil {
		return nil, fmt.Errorf("store: unable to read approval votes for the report: %w", err)
	}
	votesOf := map[string][]ApprovalVote{}
	for vrows.Next() {
		var v ApprovalVote
		if err := vrows.Scan(&v.ApprovalID, &v.Voter, &v.Decision, &v.At); err != nil {
			_ = vrows.Close()
			return nil, fmt.Errorf("store: unable to read approval votes for the report: %w", err)
		}
		v.At = utc(v.At)
		votesOf[v.ApprovalID] = append(votesOf[v.ApprovalID], v)
	}
	if err := errors.Join(vrows.Err(), vrows.Close()); err != nil {
		return nil, fmt.Errorf("store: unable to read approval votes for the report: %w", err)
	}
	return buildApprovalReport(since, until, approvals, votesOf), nil
}

// clientTally accumulates one client's figures before they are summarised.
type clientTally struct {
	report    api.ClientApprovalReport
	decisions []time.Duration
	waiting   time.Duration
	approvers map[string]*approverTally
}

type approverTally struct {
	report    api.ApproverReport
	decisions []time.Duration
}

func (c *clientTally) approver(name string) *approverTally {
	if name == "" {
		name = unnamedApprover
	}
	a := c.approvers[name]
	if a == nil {
		a = &approverTally{report: api.ApproverReport{Approver: name}}
		c.approvers[name] = a
	}
	return a
}

func (a *approverTally) add(decision string, took time.Duration) {
	a.report.Decided++
	switch decision {
	case api.DecisionApprove, api.ApprovalApproved:
		a.report.Approved++
	case api.DecisionReject, api.ApprovalRejected:
		a.report.Rejected++
	}
	a.decisions = append(a.decisions, took)
}

func buildApprovalReport(since, until time.Time, approvals []Approval, votesOf map[string][]ApprovalVote) *api.ApprovalReport {
	tallies := map[string]*clientTally{}
	for _, a := range approvals {
		c := tallies[a.ClientID]
		if c == nil {
			c = &clientTally{report: api.ClientApprovalReport{Client: a.ClientID}, approvers: map[string]*approverTally{}}
			tallies[a.ClientID] = c
		}
		r := &c.report
		r.Approvals++
		r.PostsDelayed += a.Posts

		decided := a.DecidedAt != nil && a.Status != api.ApprovalPending
		switch {
		case a.Status == api.ApprovalPending:
			r.Pending++
		case a.Channel == "grant":
			r.DecidedByGrant++
		case a.Status == api.ApprovalApproved || a.Status == api.ApprovalRejected:
			r.DecidedByPerson++
			if decided {
				c.decisions = append(c.decisions, since0(a.DecidedAt.Sub(a.RequestedAt)))
			}
		case a.Status == api.ApprovalExpired && strings.HasPrefix(a.Policy, abandonedPolicyPrefix):
			r.Abandoned++
		case a.Status == api.ApprovalExpired:
			r.DecidedBySilence++
			if decided {
				c.decisions = append(c.decisions, since0(a.DecidedAt.Sub(a.RequestedAt)))
			}
		}

		end := until
		if decided && a.DecidedAt.Before(until) {
			end = *a.DecidedAt
		}
		c.waiting += since0(end.Sub(a.RequestedAt))

		// Votes are each person's own decision; DecidedBy on a quorum approval
		// names only the vote that settled it, so votes win when there are any.
		if vs := votesOf[a.ID]; len(vs) > 0 {
			for _, v := range vs {
				c.approver(v.Voter).add(v.Decision, since0(v.At.Sub(a.RequestedAt)))
			}
		} else if decided && a.Channel != api.ChannelGrant && (a.Status == api.ApprovalApproved || a.Status == api.ApprovalRejected) {
			c.approver(a.DecidedBy).add(a.Status, since0(a.DecidedAt.Sub(a.RequestedAt)))
		}
	}

	rep := &api.ApprovalReport{Since: since, Until: until, Clients: []api.ClientApprovalReport{}}
	for _, c := range tallies {
		r := c.report
		if n := r.DecidedByPerson + r.DecidedBySilence; n > 0 {
			share := math.Round(float64(r.DecidedBySilence)/float64(n)*1e4) / 1e4
			r.SilenceShare = &share
		}
		r.DecisionTimes = decisionTimes(c.decisions)
		r.WaitingHours = math.Round(c.waiting.Hours()*100) / 100
		r.Approvers = make([]api.ApproverReport, 0, len(c.approvers))
		for _, a := range c.approvers {
			ar := a.report
			ar.DecisionTimes = decisionTimes(a.decisions)
			r.Approvers = append(r.Approvers, ar)
		}
		slices.SortFunc(r.Approvers, func(x, y api.ApproverReport) int { return strings.Compare(x.Approver, y.Approver) })
		rep.Clients = append(rep.Clients, r)
	}
	slices.SortFunc(rep.Clients, func(x, y api.ClientApprovalReport) int { return strings.Compare(x.Client, y.Client) })
	return rep
}

// since0 clamps a negative span (clock skew between writers) to zero rather
// than let it subtract from the totals.
func since0(d time.Duration) time.Duration { return max(d, 0) }

// previewPosts counts the posts an approval holds back: the length of the
// preview's "posts" array, 0 when the preview has none or is not an object.
func previewPosts(preview string) int {
	if preview == "" {
		return 0
	}
	var p struct {
		Posts []json.RawMessage `json:"posts"`
	}
	if err := json.Unmarshal([]byte(preview), &p); err != nil {
		return 0
	}
	return len(p.Posts)
}

func decisionTimes(ds []time.Duration) api.DecisionTimes {
	if len(ds) == 0 {
		return api.DecisionTimes{}
	}
	slices.Sort(ds)
	med, p90 := NearestRank(ds, 50), NearestRank(ds, 90)
	ms, ps := med.Seconds(), p90.Seconds()
	return api.DecisionTimes{
		MedianDecisionSeconds: &ms, P90DecisionSeconds: &ps,
		MedianDecision: HumanDuration(med), P90Decision: HumanDuration(p90),
	}
}

// NearestRank is the p-th percentile (0 < p ≤ 100) of sorted by the
// nearest-rank rule: the value at rank ceil(p/100 × n), counting from 1. It is
// always one of the values, so a figure can be found in the data by hand.
// Integer arithmetic keeps ceil exact (no 0.9 × 10 = 9.000000001).
func NearestRank(sorted []time.Duration, p int) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := (p*n + 99) / 100
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// HumanDuration writes a time to decide the way people say it: "45s", "12m",
// "3h12m", "30h"; from three days on "4d6h", because hours stop reading well
// there. Seconds are dropped once there is a minute.
func HumanDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "-" + HumanDuration(-d)
	case d < time.Minute:
		return fmt.Sprintf("%ds", int64(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int64(d/time.Minute))
	case d < 72*time.Hour:
		h, m := int64(d/time.Hour), int64(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	}
	days, h := int64(d/(24*time.Hour)), int64(d%(24*time.Hour)/time.Hour)
	if h == 0 {
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd%dh", days, h)
}
