package devserver

import (
	"testing"

	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
)

// TestDevKeepsProductionSignalLimit: dev mode runs campaigns under the same
// per-run signal limit as a stock Temporal server, so a flood behaves in dev as it
// would in production.
func TestDevKeepsProductionSignalLimit(t *testing.T) {
	stock := dynamicconfig.MaximumSignalsPerExecution.Get(dynamicconfig.NewNoopCollection())("default")
	if stock != maxSignalsPerRun {
		t.Fatalf("Temporal's default signal limit is %d, dev pins %d: keep them equal", stock, maxSignalsPerRun)
	}
	dev := dynamicconfig.NewCollection(devDynamicConfig(), log.NewNoopLogger())
	if got := dynamicconfig.MaximumSignalsPerExecution.Get(dev)("default"); got != stock {
		t.Fatalf("dev's signal limit is %d, production's %d", got, stock)
	}
}
