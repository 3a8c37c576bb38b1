package devserver_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/greenlight/greenlight/devserver"
)

// BenchmarkSequentialWorkflows starts and finishes one small workflow (one
// activity) after another on the embedded server with its SQLite file, the shape
// of a dev instance working through launches. It backs the dev-mode tuning in
// config.go and database.go:
//
//	go test ./devserver -run XXX -bench SequentialWorkflows -benchtime 200x
func BenchmarkSequentialWorkflows(b *testing.B) {
	s := startServer(b, devserver.Options{
		DataDir: b.TempDir(), FrontendAddr: freeAddr(b), Namespace: "default",
	})
	c := dial(b, s)
	startWorker(b, c)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("bench-%d", i), TaskQueue: taskQueue}, Greet, "bench")
		if err != nil {
			b.Fatal(err)
		}
		var out string
		if err := run.Get(ctx, &out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "workflows/s")
}
