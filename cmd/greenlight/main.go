// Command greenlight runs social-media campaign playbooks as durable Temporal
// workflows. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/greenlight/greenlight/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, os.Args[1:], os.Stdout, os.Stderr, local())
	stop()
	os.Exit(code)
}
