// Package connectortest is the contract every platforms.Connector keeps,
// as a test suite a connector's own tests run against its fake platform:
// one key acts once, a result says what happened and where, an unknown
// action is refused, a crash before the result is recorded does not act
// twice, and a canceled context stops the call.
package connectortest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/platforms"
)

// Harness is what the suite needs of a connector and its fake platform.
type Harness struct {
	// Connector returns the connector under test, recording in log. A
	// connector whose log is its own (the sandbox) ignores log and sets OwnLog.
	Connector func(t *testing.T, log platforms.ActionLog) platforms.Connector
	// OwnLog says the connector keeps its own log, written in the same step
	// as the action, so no crash can fall between them and that check is
	// skipped.
	OwnLog bool
	// Reset empties the fake platform (and the connector's own log) before
	// each check.
	Reset func(t *testing.T)
	// Reached counts the actions the platform took for key: a platform that
	// dedupes by key counts a repeated key once.
	Reached func(t *testing.T, key string) int
	// Actions are the catalog actions the connector supports; none means all.
	Actions []string
	// Where are output keys that say where an action landed ("url", "id");
	// each must be present and not empty.
	Where []string
	// Log returns a fresh action log for each check (worker.StoreActionLog on
	// a test store); none means a MemoryLog. The suite wraps it to lose a
	// record when it simulates a crash.
	Log func(t *testing.T) platforms.ActionLog
}

func (h Harness) log(t *testing.T) *LosingLog {
	if h.Log == nil {
		return &LosingLog{ActionLog: NewMemoryLog()}
	}
	return &LosingLog{ActionLog: h.Log(t)}
}

// SampleInputs gives each input name a plausible value, so every catalog
// action can be performed with its required inputs alone.
var SampleInputs = map[string]any{
	"brand":     "Acme",
	"platforms": []any{"linkedin", "x"},
	"count":     float64(2),
	"interests": []any{"sourdough", "coffee"},
	"accounts":  []any{"@fan1", "@fan2"},
	"text":      "Where can I buy your bread?",
	"url":       "https://x.example/fan1/status/1",
	"message":   "Thanks for asking!",
}

// ActionFor is an action named name with its required inputs, keyed by key.
func ActionFor(key, name string) platforms.Action {
	in := map[string]any{}
	for _, k := range platforms.Catalog[name].Required {
		v, ok := SampleInputs[k]
		if !ok {
			v = "sample " + k
		}
		in[k] = v
	}
	return platforms.Action{Key: key, Name: name, CampaignID: "contract-campaign", Client: "contract-client", Input: in}
}

// Run checks the contract for every action the harness supports.
func Run(t *testing.T, h Harness) {
	t.Helper()
	actions := h.Actions
	if len(actions) == 0 {
		actions = platforms.ActionNames()
	}
	for _, name := range actions {
		t.Run(name+"/once per key", func(t *testing.T) { oncePerKey(t, h, name) })
		t.Run(name+"/after a lost record", func(t *testing.T) {
			if h.OwnLog {
				t.Skip("the connector records in the same step as it acts")
			}
			afterLostRecord(t, h, name)
		})
	}
	t.Run("unknown action", func(t *testing.T) { unknownAction(t, h) })
	t.Run("canceled context", func(t *testing.T) { canceled(t, h, actions[0]) })
}

func oncePerKey(t *testing.T, h Harness, name string) {
	h.Reset(t)
	c := h.Connector(t, h.log(t))
	a := ActionFor("contract/"+name+"/once", name)
	ctx := context.Background()

	first, err := c.Perform(ctx, a)
	require.NoError(t, err)
	require.False(t, first.Replayed, "a first performance is not a replay")
	require.NotEmpty(t, first.Output, "the result says what happened")
	require.Equal(t, first.Simulated, first.Output["simulated"],
		"the output says whether the action was simulated, as the result does")
	for _, k := range h.Where {
		require.NotEmpty(t, first.Output[k], "the output says where the action landed (%s)", k)
	}
	require.Equal(t, 1, h.Reached(t, a.Key))

	again, err := c.Perform(ctx, a)
	require.NoError(t, err)
	require.True(t, again.Replayed, "the second performance of a key is a replay")
	require.Equal(t, first.Simulated, again.Simulated)
	for _, k := range append([]string{"simulated"}, h.Where...) {
		require.Equal(t, first.Output[k], again.Output[k], "a replay returns the first result (%s)", k)
	}
	require.Equal(t, 1, h.Reached(t, a.Key), "one key acts once")
}

// afterLostRecord is the crash between the platform accepting an action and
// its result being recorded: the retry must not act a second time, which
// only the platform's own dedup by the key the connector sent can ensure.
func afterLostRecord(t *testing.T, h Harness, name string) {
	h.Reset(t)
	log := h.log(t)
	log.LoseNext()
	c := h.Connector(t, log)
	a := ActionFor("contract/"+name+"/lost", name)
	ctx := context.Background()

	_, err := c.Perform(ctx, a)
	require.Error(t, err, "a failed record fails the attempt, so it is retried")
	require.Equal(t, 1, h.Reached(t, a.Key))

	res, err := c.Perform(ctx, a)
	require.NoError(t, err)
	require.NotEmpty(t, res.Output)
	require.Equal(t, 1, h.Reached(t, a.Key), "the retry after a lost record acts no second time")

	again, err := c.Perform(ctx, a)
	require.NoError(t, err)
	require.True(t, again.Replayed, "once recorded, the key replays")
	require.Equal(t, 1, h.Reached(t, a.Key))
}

func unknownAction(t *testing.T, h Harness) {
	h.Reset(t)
	c := h.Connector(t, h.log(t))
	a := platforms.Action{Key: "contract/unknown", Name: "no_such_action", CampaignID: "c", Client: "x", Input: map[string]any{}}
	_, err := c.Perform(context.Background(), a)
	require.Error(t, err, "an action outside the catalog is refused")
	require.Equal(t, 0, h.Reached(t, a.Key))
}

func canceled(t *testing.T, h Harness, name string) {
	h.Reset(t)
	c := h.Connector(t, h.log(t))
	a := ActionFor("contract/"+name+"/canceled", name)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Perform(ctx, a)
	require.Error(t, err, "a canceled context stops the call")
	require.Equal(t, 0, h.Reached(t, a.Key))
}

// LosingLog is an action log that can lose a record, as a worker that
// crashes after the platform answered loses it.
type LosingLog struct {
	platforms.ActionLog
	mu   sync.Mutex
	lose int
}

// LoseNext makes the next Record fail without keeping anything.
func (l *LosingLog) LoseNext() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lose++
}

// ErrLost is the error of a record LoseNext lost.
var ErrLost = errors.New("connectortest: the record was lost")

// Record fails with ErrLost when a loss is due, and records otherwise.
func (l *LosingLog) Record(ctx context.Context, connector string, a platforms.Action, r platforms.Result) (platforms.Result, bool, error) {
	l.mu.Lock()
	lost := l.lose > 0
	if lost {
		l.lose--
	}
	l.mu.Unlock()
	if lost {
		return platforms.Result{}, false, ErrLost
	}
	return l.ActionLog.Record(ctx, connector, a, r)
}

// MemoryLog is a platforms.ActionLog in memory.
type MemoryLog struct {
	mu      sync.Mutex
	results map[string]platforms.Result
}

// NewMemoryLog returns an empty log.
func NewMemoryLog() *MemoryLog { return &MemoryLog{results: map[string]platforms.Result{}} }

// Performed returns the recorded result of key, or platforms.ErrNotPerformed.
func (l *MemoryLog) Performed(ctx context.Context, key string) (platforms.Result, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.results[key]
	if !ok {
		return platforms.Result{}, platforms.ErrNotPerformed
	}
	r.Replayed = true
	return r, nil
}

// Record keeps r for a.Key unless a result is kept already, which it returns.
func (l *MemoryLog) Record(ctx context.Context, connector string, a platforms.Action, r platforms.Result) (platforms.Result, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if kept, ok := l.results[a.Key]; ok {
		kept.Replayed = true
		return kept, false, nil
	}
	r.Replayed = false
	l.results[a.Key] = r
	return r, true, nil
}

// Len counts the results the log keeps.
func (l *MemoryLog) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.results)
}

// TestLog is a memory log that can lose a record, for a connector's own
// tests: Memory says what it kept.
type TestLog struct {
	*LosingLog
	Memory *MemoryLog
}

// NewTestLog returns an empty TestLog.
func NewTestLog() *TestLog {
	m := NewMemoryLog()
	return &TestLog{LosingLog: &LosingLog{ActionLog: m}, Memory: m}
}
