package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/api"
)

// launchRequest is the body of POST /v1/campaigns.
type launchRequest struct {
	Playbook string         `json:"playbook"`
	Version  int            `json:"version,omitempty"` // 0: the latest version
	Client   string         `json:"client"`
	Params   map[string]any `json:"params,omitempty"`
}

func newLaunchCmd(g *globals) *cobra.Command {
	var (
		req            launchRequest
		params         []string
		paramsFile     string
		idempotencyKey string
	)
	cmd := &cobra.Command{
		Use:   "launch PLAYBOOK --client CLIENT",
		Short: "Start a campaign: one run of a playbook for one client",
		Example: `  greenlight launch reputation-repair --client acme --param brand=Acme --param platforms='["x","instagram"]'
  greenlight launch crisis-triage --client acme --params-file params.json --idempotency-key incident-42`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Playbook = args[0]
			if req.Client == "" {
				return usageErrorf("--client is required: which client is this campaign for?")
			}
			var err error
			if req.Params, err = launchParams(paramsFile, params); err != nil {
				return err
			}
			r := request{method: http.MethodPost, path: "/v1/campaigns", body: req}
			if idempotencyKey != "" {
				r.header = http.Header{"Idempotency-Key": {idempotencyKey}}
			}
			return call(cmd.Context(), g, r, func(c api.CampaignView) error {
				t := newTable(g.stdout)
				t.row("Campaign", c.ID)
				t.row("Status", c.Status)
				t.field("Web UI", c.UIURL)
				if err := t.flush(); err != nil {
					return err
				}
				_, err := fmt.Fprintf(g.stderr, "Follow it with: greenlight campaigns show %s\n", c.ID)
				return err
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Client, "client", "", "client the campaign runs for (required)")
	f.IntVar(&req.Version, "version", 0, "playbook version (default: the latest)")
	// StringArray, not StringSlice: a value such as ["a","b"] contains commas.
	f.StringArrayVar(&params, "param", nil, "parameter as key=value; value is JSON if it parses (42, true, [\"a\",\"b\"]), else a string (repeatable)")
	f.StringVar(&paramsFile, "params-file", "", "JSON object of parameters; --param values override it")
	f.StringVar(&idempotencyKey, "idempotency-key", "", "launching again with the same key returns the same campaign")
	return withUsageErrors(cmd)
}

// launchParams merges the params file and the --param flags, flags last so a one-off
// override does not need a second file.
func launchParams(file string, flags []string) (map[string]any, error) {
	params := map[string]any{}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("reading --params-file: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&params); err != nil {
			return nil, fmt.Errorf("--params-file %s must hold one JSON object: %w", file, err)
		}
		if params == nil { // the file said null
			params = map[string]any{}
		}
	}
	for _, kv := range flags {
		key, value, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(key) == "" {
			return nil, usageErrorf("--param %q: want key=value", kv)
		}
		params[strings.TrimSpace(key)] = paramValue(value)
	}
	return params, nil
}

// paramValue reads value as JSON when it is valid JSON (numbers, booleans, lists,
// objects, quoted strings) and as a plain string otherwise, so brand=Acme needs no
// quoting while count=3 arrives as a number. Numbers stay json.Number so large
// integers are sent exactly as typed.
func paramValue(value string) any {
	if !json.Valid([]byte(value)) {
		return value
	}
	dec := json.NewDecoder(strings.NewReader(value))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return value
	}
	return v
}
