package devserver

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func Noop(ctx workflow.Context) error { return nil }

func TestBenchHack(t *testing.T) {
	if os.Getenv("BENCH") == "" {
		t.Skip()
	}
	if v := os.Getenv("BENCH_RPS"); v != "" {
		benchPollRPS, _ = strconv.Atoi(v)
	}
	if v := os.Getenv("BENCH_PRAGMAS"); v != "" {
		for _, kv := range strings.Split(v, ",") {
			p := strings.SplitN(kv, "=", 2)
			benchPragmas[p[0]] = p[1]
		}
	}
	addr, _ := FreeAddr()
	s, err := Start(context.Background(), Options{DataDir: t.TempDir(), FrontendAddr: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	c, err := client.Dial(client.Options{HostPort: s.FrontendAddr(), Namespace: s.Namespace()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := worker.New(c, "bench", worker.Options{})
	w.RegisterWorkflow(Noop)
	w.Start()
	defer w.Stop()
	ctx := context.Background()
	n := 150
	began := time.Now()
	for i := 0; i < n; i++ {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: "bench"}, Noop)
		if err != nil {
			t.Fatal(err)
		}
		if err := run.Get(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	d := time.Since(began)
	t.Logf("RPS=%d pragmas=%v: %d sequential workflows in %s = %.1f/s", benchPollRPS, benchPragmas, n, d, float64(n)/d.Seconds())
	// starts only
	began = time.Now()
	for i := 0; i < n; i++ {
		if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: "bench"}, Noop); err != nil {
			t.Fatal(err)
		}
	}
	d = time.Since(began)
	t.Logf("  starts only: %.1f/s", float64(n)/d.Seconds())
}
