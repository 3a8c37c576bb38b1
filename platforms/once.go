package platforms

import (
	"context"
	"errors"
	"fmt"
)

// PerformOnce is how a connector whose log is the store's keeps "one key acts
// once": the log answers a key already performed (a replay); otherwise act
// runs and its output is recorded under the key, with "simulated": false and
// the connector's name added. When another attempt recorded the key first,
// that attempt's result is returned. act must send the key (or keys derived
// from it) to the platform, so a crash between the platform accepting the
// action and the record cannot act twice.
func PerformOnce(ctx context.Context, log ActionLog, connector string, a Action,
	act func(context.Context, Action) (map[string]any, error)) (Result, error) {
	prev, err := log.Performed(ctx, a.Key)
	switch {
	case err == nil:
		prev.Replayed = true
		return prev, nil
	case !errors.Is(err, ErrNotPerformed):
		return Result{}, fmt.Errorf("%s: unable to look up action %s: %w", connector, a.Key, err)
	}
	out, err := act(ctx, a)
	if err != nil {
		return Result{}, err
	}
	if out == nil {
		out = map[string]any{}
	}
	out["simulated"] = false
	out["platform"] = connector
	r, fresh, err := log.Record(ctx, connector, a, Result{Output: out})
	if err != nil {
		return Result{}, fmt.Errorf("%s: unable to record action %s: %w", connector, a.Key, err)
	}
	r.Replayed = !fresh
	return r, nil
}
