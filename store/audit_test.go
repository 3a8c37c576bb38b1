package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

// auditKinds lists the kinds of a page, in its order.
func auditKinds(events []store.AuditEvent) []string {
	out := make([]string, 0, len(events))
	for _, e := range events {
		out = append(out, e.Kind)
	}
	return out
}

// TestMigratingAuditEvents upgrades a database at version 6 holding audit
// events as release 6 wrote them: each takes its campaign's client, the events
// stay readable, and events of no campaign can be written beside them.
func TestMigratingAuditEvents(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		old, err := store.Open(ctx, freshDatabase(t, s))
		require.NoError(t, err)
		t.Cleanup(func() { _ = old.Close() })
		require.NoError(t, old.MigrateUpTo(ctx, 6))
		// Written as release 6 wrote campaigns: the models have grown since.
		for _, c := range []struct{ id, client string }{{"c-acme", "acme"}, {"c-globex", "globex"}} {
			require.NoError(t, old.DB().WithContext(ctx).Exec(`INSERT INTO clients (id, name, created_at) VALUES (?, ?, ?)`, c.client, c.client, t0).Error)
			require.NoError(t, old.DB().WithContext(ctx).Exec(
				`INSERT INTO campaigns (id, workflow_id, client_id, playbook, playbook_version, params, status, created_at, updated_at)
				 VALUES (?, ?, ?, 'launch', 1, '{}', 'running', ?, ?)`, c.id, "wf-"+c.id, c.client, t0, t0).Error)
		}
		// Written as release 6 wrote them: its columns only. The last names a
		// campaign whose row is gone (rows are never deleted after a start,
		// but a database edited by hand may hold one).
		for i, row := range []struct{ campaign, kind string }{
			{"c-acme", "campaign.started"}, {"c-globex", "campaign.started"},
			{"c-acme", "approval.decided"}, {"c-gone", "campaign.started"},
		} {
			require.NoError(t, old.DB().WithContext(ctx).Exec(
				`INSERT INTO audit_events (dedup_key, campaign_id, approval_id, kind, actor, channel, detail, at) VALUES (?, ?, '', ?, 'dana', 'api', '{"n":1}', ?)`,
				fmt.Sprintf("old/%d", i), row.campaign, row.kind, t0.Add(time.Duration(i)*time.Second)).Error)
		}

		require.NoError(t, old.Migrate(ctx))
		versions := appliedMigrations(t, old)
		require.GreaterOrEqual(t, len(versions), 7)
		assert.Equal(t, 7, versions[6].Version)
		assert.Equal(t, "audit events for everything, with request ids", versions[6].Name)

		all, err := old.ListAudit(ctx, store.AuditFilter{OldestFirst: true})
		require.NoError(t, err)
		require.Len(t, all.Items, 4)
		var clients []string
		for _, e := range all.Items {
			clients = append(clients, e.ClientID)
			assert.Empty(t, e.RequestID)
			assert.Equal(t, "dana", e.Actor)
			assert.Equal(t, `{"n":1}`, e.Detail)
		}
		assert.Equal(t, []string{"acme", "globex", "acme", ""}, clients)
		assert.Equal(t, t0.Add(2*time.Second).Truncate(time.Microsecond), all.Items[2].At)

		acme, err := old.ListAudit(ctx, store.AuditFilter{ClientIDs: []string{"acme"}})
		require.NoError(t, err)
		assert.Equal(t, []string{"approval.decided", "campaign.started"}, auditKinds(acme.Items))

		require.NoError(t, old.AppendAudit(ctx, store.AuditEvent{DedupKey: "tok/1", Kind: "token.created", Actor: "admin", RequestID: "req-1"}))
		got, err := old.ListAudit(ctx, store.AuditFilter{Kind: "token."})
		require.NoError(t, err)
		require.Len(t, got.Items, 1)
		assert.Equal(t, "", got.Items[0].CampaignID)
		assert.Equal(t, "req-1", got.Items[0].RequestID)
	})
}

// seedAudit records events across clients: two campaigns' and three of no
// campaign (one agency-wide), a second apart from t0.
func seedAudit(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := ctxT(t)
	mustCreate(t, s, newCampaign("c-acme", "acme", "launch", "running", t0))
	mustCreate(t, s, newCampaign("c-globex", "globex", "launch", "running", t0))
	events := []store.AuditEvent{
		{CampaignID: "c-acme", Kind: "campaign.launched", Actor: "ops"},
		{CampaignID: "c-acme", ApprovalID: "c-acme.plan", Kind: "approval.requested", Channel: "system"},
		{CampaignID: "c-globex", Kind: "campaign.launched", Actor: "ops"},
		{CampaignID: "c-acme", ApprovalID: "c-acme.plan", Kind: "approval.decided", Actor: "dana", Channel: "slack"},
		{ClientID: "acme", Kind: "person.created", Actor: "ops", RequestID: "r5"},
		{ClientID: "globex", Kind: "token.created", Actor: "admin", RequestID: "r6"},
		{Kind: "playbook.registered", Actor: "admin", RequestID: "r7"},
		{CampaignID: "c-globex", Kind: "approval.ignored_summary", Actor: "mallory"},
	}
	for i, e := range events {
		e.DedupKey = fmt.Sprintf("seed/%d", i)
		e.At = t0.Add(time.Duration(i) * time.Second)
		require.NoError(t, s.AppendAudit(ctx, e))
	}
}

func TestListAuditFilters(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		seedAudit(t, s)
		for _, tc := range []struct {
			name string
			f    store.AuditFilter
			want []string
		}{
			{"everything, newest first", store.AuditFilter{}, []string{
				"approval.ignored_summary", "playbook.registered", "token.created", "person.created",
				"approval.decided", "campaign.launched", "approval.requested", "campaign.launched"}},
			{"a campaign's trail, in order", store.AuditFilter{CampaignID: "c-acme", OldestFirst: true},
				[]string{"campaign.launched", "approval.requested", "approval.decided"}},
			{"a scoped caller sees its clients' events, campaigns' or not", store.AuditFilter{ClientIDs: []string{"acme"}},
				[]string{"person.created", "approval.decided", "approval.requested", "campaign.launched"}},
			{"never an event of no single client", store.AuditFilter{ClientIDs: []string{"globex"}},
				[]string{"approval.ignored_summary", "token.created", "campaign.launched"}},
			{"an empty scope sees nothing", store.AuditFilter{ClientIDs: []string{}}, []string{}},
			{"one client", store.AuditFilter{ClientID: "globex"},
				[]string{"approval.ignored_summary", "token.created", "campaign.launched"}},
			{"one client outside the scope", store.AuditFilter{ClientID: "globex", ClientIDs: []string{"acme"}}, []string{}},
			{"an exact kind", store.AuditFilter{Kind: "campaign.launched"}, []string{"campaign.launched", "campaign.launched"}},
			{"an exact kind is not a prefix", store.AuditFilter{Kind: "approval.ignored"}, []string{}},
			{"a prefix", store.AuditFilter{Kind: "approval."},
				[]string{"approval.ignored_summary", "approval.decided", "approval.requested"}},
			{"an actor", store.AuditFilter{Actor: "ops"}, []string{"person.created", "campaign.launched", "campaign.launched"}},
			{"since, inclusive", store.AuditFilter{Since: t0.Add(6 * time.Second)}, []string{"approval.ignored_summary", "playbook.registered"}},
			{"until, exclusive", store.AuditFilter{Until: t0.Add(2 * time.Second)}, []string{"approval.requested", "campaign.launched"}},
			{"everything together", store.AuditFilter{ClientIDs: []string{"acme", "globex"}, Kind: "campaign.", Actor: "ops",
				Since: t0.Add(time.Second), Until: t0.Add(time.Hour)}, []string{"campaign.launched"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				page, err := s.ListAudit(ctx, tc.f)
				require.NoError(t, err)
				assert.Equal(t, tc.want, auditKinds(page.Items))
				assert.Empty(t, page.NextPageToken)
			})
		}

		// "" is the campaign of every event outside campaigns.
		require.ErrorIs(t, s.DeleteCampaign(ctx, ""), store.ErrInvalid)
		page, err := s.ListAudit(ctx, store.AuditFilter{})
		require.NoError(t, err)
		assert.Len(t, page.Items, 8)
	})
}

// TestAuditClientComesFromTheCampaign: an event of a campaign is scoped by the
// campaign's client whichever way it is written.
func TestAuditClientComesFromTheCampaign(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		mustCreate(t, s, newCampaign("c1", "acme", "launch", "running", t0))
		require.NoError(t, s.AppendAudit(ctx, store.AuditEvent{DedupKey: "c1/cancel", CampaignID: "c1", Kind: "campaign.cancel_requested", RequestID: "r1"}))
		require.NoError(t, s.ApplyProjection(ctx, store.Projection{CampaignID: "c1", Seq: 1, Audit: []store.AuditEvent{
			{DedupKey: "c1/1/0", Kind: "campaign.paused", Actor: "ops", Channel: "cli", RequestID: "r2"},
		}}))
		ok, err := s.FailLaunch(ctx, "c1", t0.Add(time.Hour), t0.Add(time.Hour), "gone", store.AuditEvent{DedupKey: "c1/interrupted", CampaignID: "c1", Kind: "campaign.launch_interrupted"})
		require.NoError(t, err)
		require.False(t, ok, "the projection moved the campaign on")

		page, err := s.ListAudit(ctx, store.AuditFilter{ClientIDs: []string{"acme"}, OldestFirst: true})
		require.NoError(t, err)
		require.Len(t, page.Items, 2)
		assert.Equal(t, "acme", page.Items[0].ClientID)
		assert.Equal(t, "r1", page.Items[0].RequestID)
		assert.Equal(t, "acme", page.Items[1].ClientID)
		assert.Equal(t, "r2", page.Items[1].RequestID)
		assert.Equal(t, "cli", page.Items[1].Channel)
	})
}

func TestListAuditPages(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		for i := range 7 {
			require.NoError(t, s.AppendAudit(ctx, store.AuditEvent{DedupKey: fmt.Sprintf("e/%d", i), Kind: fmt.Sprintf("k.%d", i), ClientID: "acme"}))
		}
		for _, oldestFirst := range []bool{true, false} {
			t.Run(fmt.Sprintf("oldest first %v", oldestFirst), func(t *testing.T) {
				var seen []string
				token := ""
				for pages := 0; ; pages++ {
					require.Less(t, pages, 4)
					page, err := s.ListAudit(ctx, store.AuditFilter{ClientIDs: []string{"acme"}, OldestFirst: oldestFirst, Limit: 3, PageToken: token})
					require.NoError(t, err)
					require.LessOrEqual(t, len(page.Items), 3)
					seen = append(seen, auditKinds(page.Items)...)
					if pages == 0 {
						// Recorded while someone pages: it neither repeats nor
						// shifts a page; read oldest first it comes last.
						require.NoError(t, s.AppendAudit(ctx, store.AuditEvent{DedupKey: fmt.Sprintf("late/%v", oldestFirst), Kind: "k.late", ClientID: "acme"}))
					}
					if token = page.NextPageToken; token == "" {
						break
					}
				}
				if oldestFirst {
					assert.Equal(t, []string{"k.0", "k.1", "k.2", "k.3", "k.4", "k.5", "k.6", "k.late"}, seen)
				} else {
					// The first run's late event is on record before this one
					// starts; this run's comes after its first page, so above it.
					assert.Equal(t, []string{"k.late", "k.6", "k.5", "k.4", "k.3", "k.2", "k.1", "k.0"}, seen)
				}
			})
		}

		for _, bad := range []string{"nonsense", "eyJpIjoiYWJjIn0", "eyJjIjoiMjAyNS0wMS0wMVQwMDowMDowMFoiLCJpIjoiMSJ9"} {
			_, err := s.ListAudit(ctx, store.AuditFilter{PageToken: bad})
			assert.ErrorIs(t, err, store.ErrInvalid, "page token %q", bad)
		}
		for _, limit := range []int{-1, 201} {
			_, err := s.ListAudit(ctx, store.AuditFilter{Limit: limit})
			assert.ErrorIs(t, err, store.ErrInvalid, "limit %d", limit)
		}
	})
}

// TestTransactionWritesAChangeWithItsEvent: a change and its audit event are
// on record together or not at all, including writes that open a
// transaction of their own (the directory's, under its lock).
func TestTransactionWritesAChangeWithItsEvent(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		boom := errors.New("boom")
		err := s.Transaction(ctx, func(tx *store.Store) error {
			if err := tx.CreatePerson(ctx, person("dana@acme", []string{"acme"}, nil)); err != nil {
				return err
			}
			if err := tx.AppendAudit(ctx, store.AuditEvent{DedupKey: "p/1", Kind: "person.created", ClientID: "acme"}); err != nil {
				return err
			}
			return boom
		})
		require.ErrorIs(t, err, boom)
		_, err = s.GetPerson(ctx, "dana@acme")
		assert.ErrorIs(t, err, store.ErrNotFound, "the change is rolled back")
		page, err := s.ListAudit(ctx, store.AuditFilter{})
		require.NoError(t, err)
		assert.Empty(t, page.Items, "and its event with it")

		require.NoError(t, s.Transaction(ctx, func(tx *store.Store) error {
			if err := tx.CreatePerson(ctx, person("dana@acme", []string{"acme"}, nil)); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, store.AuditEvent{DedupKey: "p/2", Kind: "person.created", ClientID: "acme"})
		}))
		_, err = s.GetPerson(ctx, "dana@acme")
		assert.NoError(t, err)
		page, err = s.ListAudit(ctx, store.AuditFilter{})
		require.NoError(t, err)
		assert.Equal(t, []string{"person.created"}, auditKinds(page.Items))
	})
}
