package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/greenlight/greenlight/store"
)

// The store measure: the campaign list and the inbox on PostgreSQL with
// o.Rows campaigns and as many approvals, through the store (GORM, as the API
// runs them) against the same SQL through pgx, in a schema of its own that is
// dropped afterwards.

// pgCampaign and pgApproval are the tables' rows as pgx scans them: every
// column, as GORM's SELECT * reads them.
type pgCampaign struct {
	ID              string     `db:"id"`
	WorkflowID      string     `db:"workflow_id"`
	ClientID        string     `db:"client_id"`
	Playbook        string     `db:"playbook"`
	PlaybookVersion int        `db:"playbook_version"`
	Params          string     `db:"params"`
	Status          string     `db:"status"`
	Team            string     `db:"team"`
	CurrentStep     string     `db:"current_step"`
	Error           string     `db:"error"`
	IdempotencyKey  *string    `db:"idempotency_key"`
	RequestDigest   string     `db:"request_digest"`
	ProjectionSeq   int64      `db:"projection_seq"`
	CreatedAt       time.Time  `db:"created_at"`
	UpdatedAt       time.Time  `db:"updated_at"`
	FinishedAt      *time.Time `db:"finished_at"`
}

type pgApproval struct {
	ID          string     `db:"id"`
	CampaignID  string     `db:"campaign_id"`
	ClientID    string     `db:"client_id"`
	StepKey     string     `db:"step_key"`
	Title       string     `db:"title"`
	Preview     string     `db:"preview"`
	Posts       int        `db:"posts"`
	Status      string     `db:"status"`
	OnTimeout   string     `db:"on_timeout"`
	RequestedAt time.Time  `db:"requested_at"`
	DueAt       time.Time  `db:"due_at"`
	DecidedAt   *time.Time `db:"decided_at"`
	Decision    string     `db:"decision"`
	DecidedBy   string     `db:"decided_by"`
	Comment     string     `db:"comment"`
	Channel     string     `db:"channel"`
	Policy      string     `db:"policy"`
	Quorum      int        `db:"quorum"`
	Approvers   string     `db:"approvers"`
	RequestedBy string     `db:"requested_by"`
	Tier        int        `db:"tier"`
	Edits       string     `db:"edits"`
}

// storeClients is how many clients the rows spread over; the per-client list
// reads one of them.
const storeClients = 20

// storeQuery is one query shape the API runs, both ways. Each returns the IDs
// it read, so the two ways are checked to read the same rows.
type storeQuery struct {
	key, label string
	gorm       func(ctx context.Context) ([]string, error)
	pgx        func(ctx context.Context) ([]string, error)
}

func storeQueries(st *store.Store, pool *pgxpool.Pool) []storeQuery {
	const client = "client-07"
	// The SQL GORM generates for ListCampaigns and ListApprovals (store/campaigns.go,
	// store/approvals.go) with their default limits: a page of 50 plus the one
	// extra row that tells whether another page exists, and 100 approvals.
	campaigns := func(ctx context.Context, sql string, args ...any) ([]string, error) {
		rows, _ := pool.Query(ctx, sql, args...)
		list, err := pgx.CollectRows(rows, pgx.RowToStructByName[pgCampaign])
		if err != nil {
			return nil, fmt.Errorf("bench: pgx: %w", err)
		}
		ids := make([]string, 0, len(list))
		for _, c := range list[:min(len(list), 50)] {
			ids = append(ids, c.ID)
		}
		return ids, nil
	}
	gormCampaigns := func(ctx context.Context, f store.CampaignFilter) ([]string, error) {
		page, err := st.ListCampaigns(ctx, f)
		if err != nil {
			return nil, err
		}
		ids := make([]string, 0, len(page.Items))
		for _, c := range page.Items {
			ids = append(ids, c.ID)
		}
		return ids, nil
	}
	return []storeQuery{
		{
			key: "store.campaigns", label: "campaign list, newest first (page of 50)",
			gorm: func(ctx context.Context) ([]string, error) { return gormCampaigns(ctx, store.CampaignFilter{}) },
			pgx: func(ctx context.Context) ([]string, error) {
				return campaigns(ctx, `SELECT * FROM "campaigns" ORDER BY created_at DESC, id DESC LIMIT 51`)
			},
		},
		{
			key: "store.campaigns_client", label: "campaign list of one client (page of 50)",
			gorm: func(ctx context.Context) ([]string, error) {
				return gormCampaigns(ctx, store.CampaignFilter{ClientID: client})
			},
			pgx: func(ctx context.Context) ([]string, error) {
				return campaigns(ctx, `SELECT * FROM "campaigns" WHERE client_id = $1 ORDER BY created_at DESC, id DESC LIMIT 51`, client)
			},
		},
		{
			key: "store.inbox", label: "inbox: pending approvals, soonest due first (100)",
			gorm: func(ctx context.Context) ([]string, error) {
				list, err := st.ListApprovals(ctx, store.ApprovalFilter{Status: "pending"})
				if err != nil {
					return nil, err
				}
				ids := make([]string, 0, len(list))
				for _, a := range list {
					ids = append(ids, a.ID)
				}
				return ids, nil
			},
			pgx: func(ctx context.Context) ([]string, error) {
				rows, _ := pool.Query(ctx, `SELECT * FROM "approvals" WHERE status = $1 ORDER BY "due_at","id" LIMIT 100`, "pending")
				list, err := pgx.CollectRows(rows, pgx.RowToStructByName[pgApproval])
				if err != nil {
					return nil, fmt.Errorf("bench: pgx: %w", err)
				}
				ids := make([]string, 0, len(list))
				for _, a := range list {
					ids = append(ids, a.ID)
				}
				return ids, nil
			},
		},
	}
}

// storeMeasure runs the store measure on the PostgreSQL at databaseURL.
func storeMeasure(ctx context.Context, o *Options, rep *Report) error {
	schemaURL, drop, err := freshSchema(ctx, o.DatabaseURL)
	if err != nil {
		return err
	}
	defer drop()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(ctx, store.Config{DatabaseURL: schemaURL, Logger: quiet})
	if err != nil {
		return fmt.Errorf("bench: store: %w", err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("bench: store: %w", err)
	}
	start := time.Now()
	if err := fillStore(ctx, st, o.Rows); err != nil {
		return err
	}
	o.progress("store: %d campaigns and %d approvals inserted in %s", o.Rows, o.Rows, time.Since(start).Round(time.Millisecond))
	pool, err := pgxpool.New(ctx, schemaURL)
	if err != nil {
		return fmt.Errorf("bench: pgx: %w", err)
	}
	defer pool.Close()

	for _, q := range storeQueries(st, pool) {
		// Both ways must read the same rows, or the comparison is of two queries.
		a, err := q.gorm(ctx)
		if err != nil {
			return fmt.Errorf("bench: %s via the store: %w", q.key, err)
		}
		b, err := q.pgx(ctx)
		if err != nil {
			return fmt.Errorf("bench: %s via pgx: %w", q.key, err)
		}
		if len(a) == 0 || !slices.Equal(a, b) {
			return fmt.Errorf("bench: %s: the store read %d rows and pgx %d, or other ones", q.key, len(a), len(b))
		}
		var gl, raw []Timing
		for r := range o.Rounds {
			ways := []func(context.Context) ([]string, error){q.gorm, q.pgx}
			if r%2 == 1 {
				ways = []func(context.Context) ([]string, error){q.pgx, q.gorm}
			}
			for j, way := range ways {
				t, err := runConcurrent(ctx, o.Reads, 1, func(ctx context.Context, _ int) error {
					_, err := way(ctx)
					return err
				})
				if err != nil {
					return fmt.Errorf("bench: %s: %w", q.key, err)
				}
				if (j == 0) == (r%2 == 0) {
					gl = append(gl, t)
				} else {
					raw = append(raw, t)
				}
			}
		}
		label := fmt.Sprintf("PostgreSQL, %d rows: %s, GORM store vs pgx", o.Rows, q.label)
		addLatencyRows(rep, q.key, label, raw, gl)
	}
	return nil
}

// addLatencyRows adds the p50 and p99 rows of a read measure.
func addLatencyRows(rep *Report, key, label string, raw, gl []Timing) {
	p := func(ts []Timing, q float64) []float64 {
		out := make([]float64, len(ts))
		for i, t := range ts {
			out[i] = ms(Percentile(t.Latencies, q))
		}
		return out
	}
	rep.add(Row{Key: key + ".p50", Measure: label + ": p50", Unit: UnitMillis, Raw: p(raw, 50), Greenlight: p(gl, 50)})
	rep.add(Row{Key: key + ".p99", Measure: label + ": p99", Unit: UnitMillis, Raw: p(raw, 99), Greenlight: p(gl, 99)})
}

// fillStore inserts n campaigns over storeClients clients, a quarter in each
// of four statuses, and one approval per campaign, one in ten pending, through
// the store's own models.
func fillStore(ctx context.Context, st *store.Store, n int) error {
	db := st.DB().WithContext(ctx)
	base := time.Now().UTC().Truncate(time.Second)
	clients := make([]store.Client, storeClients)
	for i := range clients {
		clients[i] = store.Client{ID: fmt.Sprintf("client-%02d", i), Name: fmt.Sprintf("Client %d", i), CreatedAt: base}
	}
	if err := db.Create(&clients).Error; err != nil {
		return fmt.Errorf("bench: store: insert clients: %w", err)
	}
	statuses := []string{"running", "completed", "waiting_approval", "failed"}
	const chunk = 1000
	for from := 0; from < n; from += chunk {
		to := min(from+chunk, n)
		cs := make([]store.Campaign, 0, to-from)
		as := make([]store.Approval, 0, to-from)
		for i := from; i < to; i++ {
			id := fmt.Sprintf("c%07d", i)
			created := base.Add(-time.Duration(i) * time.Second)
			client := clients[i%storeClients].ID
			cs = append(cs, store.Campaign{
				ID: id, WorkflowID: "campaign-" + id, ClientID: client, Playbook: "reputation-repair", PlaybookVersion: 3,
				Params: `{"brand":"Acme Bakery"}`, Status: statuses[i%len(statuses)], CurrentStep: "weekly.1.approve_batch",
				CreatedAt: created, UpdatedAt: created,
			})
			status := "approved"
			if i%10 == 0 {
				status = "pending"
			}
			as = append(as, store.Approval{
				ID: id + ".approve_plan", CampaignID: id, ClientID: client, StepKey: "approve_plan",
				Title: "Approve the reputation repair plan for Acme Bakery", Preview: `{"plan":"Optimise the profiles"}`,
				Status: status, OnTimeout: "approve", RequestedAt: created, DueAt: created.Add(48 * time.Hour), Quorum: 1,
			})
		}
		if err := db.Create(&cs).Error; err != nil {
			return fmt.Errorf("bench: store: insert campaigns: %w", err)
		}
		if err := db.Create(&as).Error; err != nil {
			return fmt.Errorf("bench: store: insert approvals: %w", err)
		}
	}
	// Fresh statistics, as autovacuum would have gathered on a live database.
	if err := db.Exec(`ANALYZE campaigns, approvals`).Error; err != nil {
		return fmt.Errorf("bench: store: analyze: %w", err)
	}
	return nil
}

// freshSchema creates an empty schema on the server at databaseURL and
// returns the URL pointed at it (pgx sends unknown URL parameters as
// settings), and a func that drops it.
func freshSchema(ctx context.Context, databaseURL string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return "", nil, fmt.Errorf("bench: connect to PostgreSQL: %w", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "greenlight_bench_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA "`+schema+`"`); err != nil {
		_ = conn.Close(ctx)
		return "", nil, fmt.Errorf("bench: create schema %s: %w", schema, err)
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_, _ = conn.Exec(ctx, `DROP SCHEMA "`+schema+`" CASCADE`)
		_ = conn.Close(ctx)
	}
	u, err := url.Parse(databaseURL)
	if err != nil {
		drop()
		return "", nil, fmt.Errorf("bench: DATABASE_URL: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}
