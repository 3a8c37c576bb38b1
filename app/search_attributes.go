package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/greenlight/greenlight/workflows"
)

// ensureSearchAttributes registers Greenlight's search attributes when register
// is true (dev mode owns its server), and reports whether all of them exist in the
// namespace. Without them campaigns still run; they are only not searchable.
func ensureSearchAttributes(ctx context.Context, c client.Client, namespace string, register bool, logger *slog.Logger) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	op := c.OperatorService()
	have, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return false, fmt.Errorf("list search attributes of namespace %s: %w", namespace, err)
	}
	missing := map[string]bool{}
	for name := range workflows.SearchAttributeTypes {
		if _, ok := have.GetCustomAttributes()[name]; !ok {
			missing[name] = true
		}
	}
	if len(missing) == 0 {
		return true, nil
	}
	if !register {
		logger.Warn("Greenlight's search attributes are not registered in this namespace: campaigns run, but the Web UI cannot filter them by client, playbook or status (see docs/deploy.md)",
			"namespace", namespace)
		return false, nil
	}
	add := &operatorservice.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: workflows.SearchAttributeTypes}
	if _, err := op.AddSearchAttributes(ctx, add); err != nil {
		return false, fmt.Errorf("register search attributes in namespace %s: %w", namespace, err)
	}
	return true, nil
}
