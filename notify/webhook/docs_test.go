package webhook

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var receiverExample = regexp.MustCompile("(?s)<!-- webhook-receiver:start -->\n```go\n(.*?)```\n<!-- webhook-receiver:end -->")

// TestDocumentedReceiver builds the receiver program of docs/notifications.md
// as a module of its own (standard library only, as the doc promises), runs
// it, and sends it what Sender sends: a signed event is taken, its retry is
// recognised, and a request signed with another secret is refused.
func TestDocumentedReceiver(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "notifications.md"))
	require.NoError(t, err)
	m := receiverExample.FindSubmatch(doc)
	require.NotNil(t, m, "docs/notifications.md has no receiver example between its markers")

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), m[1], 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module receiver\n\ngo 1.26\n"), 0o600))
	goTool, err := exec.LookPath("go")
	require.NoError(t, err, "the go command builds the documented example")
	bin := filepath.Join(dir, "receiver")
	build := exec.Command(goTool, "build", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local", "GOPROXY=off")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "the documented receiver does not build:\n%s", out)

	secret, err := NewSecret()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run := exec.CommandContext(ctx, bin)
	run.Env = append(os.Environ(), "ADDR=127.0.0.1:0", "GREENLIGHT_WEBHOOK_SECRET="+secret)
	stdout, err := run.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, run.Start())
	t.Cleanup(func() {
		_ = run.Process.Kill()
		_ = run.Wait()
	})
	lines := bufio.NewScanner(stdout)
	require.True(t, lines.Scan(), "the receiver printed nothing")
	addr, ok := strings.CutPrefix(lines.Text(), "listening on ")
	require.True(t, ok, "first line: %q", lines.Text())
	url := "http://" + addr + "/greenlight"

	e := event()
	s := Sender{Client: &http.Client{Timeout: 10 * time.Second}}
	require.NoError(t, s.Send(ctx, url, secret, e))
	require.True(t, lines.Scan())
	assert.Equal(t, `evt_c1.approve_plan_requested approval.requested {"approval_id":"c1.approve_plan","client":"acme","due_at":"2026-12-04T16:00:00Z","title":"The plan"}`, lines.Text())

	require.NoError(t, s.Send(ctx, url, secret, e), "a retry is answered 2xx")

	other, err := NewSecret()
	require.NoError(t, err)
	err = s.Send(ctx, url, other, Event{ID: "evt_forged", Type: TypeDecided, Timestamp: at})
	require.Error(t, err)
	assert.True(t, IsPermanent(err))
	assert.Contains(t, err.Error(), "401")
	assert.Contains(t, err.Error(), "no signature matches")

	// A rotation list that holds the receiver's secret is accepted.
	require.NoError(t, s.Send(ctx, url, other+" "+secret, Event{ID: "evt_rotated", Type: TypeDecided, Timestamp: at}))
	require.True(t, lines.Scan())
	assert.Equal(t, "evt_rotated approval.decided null", lines.Text(), "the retry of the first event printed nothing")

	// A stale request is refused: sign it ten minutes ago.
	old := Sender{Client: s.Client, Now: func() time.Time { return time.Now().Add(-10 * time.Minute) }}
	err = old.Send(ctx, url, secret, Event{ID: "evt_old", Type: TypeExpired, Timestamp: at})
	assert.ErrorContains(t, err, "timestamp too far from now")
}
