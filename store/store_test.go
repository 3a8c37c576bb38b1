package store_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/store"
	"github.com/greenlight/greenlight/store/storetest"
)

func TestOpen(t *testing.T) {
	ctx := ctxT(t)
	_, err := store.Open(ctx, store.Config{DatabaseURL: "mysql://localhost/db"})
	assert.ErrorIs(t, err, store.ErrInvalid)
	_, err = store.Open(ctx, store.Config{})
	assert.ErrorIs(t, err, store.ErrInvalid)

	// The SQLite file's directory is created on demand.
	path := filepath.Join(t.TempDir(), "nested", "dir", "greenlight.db")
	s, err := store.Open(ctx, store.Config{SQLitePath: path})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	assert.Equal(t, "sqlite", s.Dialect())
	require.NoError(t, s.Ping(ctx))
	require.NoError(t, s.Migrate(ctx))

	var mode string
	require.NoError(t, s.DB().WithContext(ctx).Raw("PRAGMA journal_mode").Scan(&mode).Error)
	assert.Equal(t, "wal", mode)
	var fk int
	require.NoError(t, s.DB().WithContext(ctx).Raw("PRAGMA foreign_keys").Scan(&fk).Error)
	assert.Equal(t, 1, fk)
	assert.FileExists(t, path)
}

func TestDialect(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		assert.Equal(t, filepath.Base(t.Name()), s.Dialect())
		assert.NoError(t, s.Ping(ctxT(t)))
	})
}

// TestLoggingIsQuiet: expected outcomes such as a missing row or a conflict
// are the caller's to report; the store itself must not log them.
func TestLoggingIsQuiet(t *testing.T) {
	ctx := ctxT(t)
	var buf bytes.Buffer
	s, err := store.Open(ctx, store.Config{
		SQLitePath: filepath.Join(t.TempDir(), "greenlight.db"),
		Logger:     slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NoError(t, s.Migrate(ctx))
	mustCreate(t, s, newCampaign("c1", "acme", "launch", "running", t0))
	require.ErrorIs(t, s.CreateCampaign(ctx, newCampaign("c1", "acme", "launch", "running", t0)), store.ErrConflict)
	_, err = s.GetCampaign(ctx, "nope")
	require.ErrorIs(t, err, store.ErrNotFound)
	assert.Empty(t, buf.String())
}

// TestConcurrentWrites is the activity workload: many workers projecting and
// recording at once. On SQLite every call must wait for the write lock rather
// than fail with SQLITE_BUSY.
func TestConcurrentWrites(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		const workers, rounds = 20, 5
		mustCreate(t, s, newCampaign("shared", "acme", "launch", "running", t0))
		for w := range workers {
			mustCreate(t, s, newCampaign(fmt.Sprintf("c%02d", w), "acme", "launch", "running", t0))
		}

		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			mu    sync.Mutex
			errs  []error
		)
		fail := func(err error) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
		began := time.Now()
		for w := range workers {
			wg.Go(func() {
				<-start
				id := fmt.Sprintf("c%02d", w)
				for r := 1; r <= rounds; r++ {
					key := fmt.Sprintf("step-%d", r)
					if err := s.ApplyProjection(ctx, store.Projection{
						CampaignID: id, Seq: int64(r), At: t0.Add(time.Duration(r) * time.Second),
						Campaign: &store.CampaignPatch{CurrentStep: &key},
						Steps:    []store.StepRun{{Key: key, StepID: key, Kind: "llm", Status: "succeeded", Seq: r}},
						Approvals: []store.Approval{{ID: id + "/" + key, StepKey: key, Status: "pending", OnTimeout: "reject",
							RequestedAt: t0, DueAt: t0.Add(time.Hour)}},
						Audit: []store.AuditEvent{{DedupKey: id + "/" + key, Kind: "step.succeeded", At: t0}},
					}); err != nil {
						fail(err)
					}
					if _, _, err := s.RecordPlatformAction(ctx, store.PlatformAction{
						IdempotencyKey: id + "/" + key, Platform: "x", ClientID: "acme", CampaignID: id, Action: "post",
					}); err != nil {
						fail(err)
					}
					if _, err := s.ListCampaigns(ctx, store.CampaignFilter{Limit: 5}); err != nil {
						fail(err)
					}
				}
				// Every worker also races on one campaign; only the newest
				// projection may win, whatever the arrival order.
				if err := s.ApplyProjection(ctx, store.Projection{
					CampaignID: "shared", Seq: int64(w + 1),
					Campaign: &store.CampaignPatch{Status: fmt.Sprintf("s%02d", w+1)},
					Audit:    []store.AuditEvent{{DedupKey: fmt.Sprintf("shared/%d", w), Kind: "k", At: t0}},
				}); err != nil {
					fail(err)
				}
			})
		}
		close(start)
		wg.Wait()
		t.Logf("%d workers x %d rounds on %s: %v", workers, rounds, s.Dialect(), time.Since(began))
		require.Empty(t, errs)

		for w := range workers {
			id := fmt.Sprintf("c%02d", w)
			got := snap(t, s, id)
			assert.Equal(t, int64(rounds), got.Campaign.ProjectionSeq, id)
			assert.Len(t, got.Steps, rounds, id)
			assert.Len(t, got.Approvals, rounds, id)
			assert.Len(t, got.Audit, rounds, id)
		}
		shared, err := s.GetCampaign(ctx, "shared")
		require.NoError(t, err)
		assert.Equal(t, int64(workers), shared.ProjectionSeq)
		assert.Equal(t, fmt.Sprintf("s%02d", workers), shared.Status)
		n, err := s.CountPlatformActions(ctx, "acme", "post")
		require.NoError(t, err)
		assert.Equal(t, int64(workers*rounds), n)
	})
}
