package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/greenlight/greenlight/playbooks"
)

// The problem document POST /v1/playbooks/validate answers for an invalid
// playbook, repeated here so `playbooks validate --json` prints the same
// document offline as through the API (TestValidateOfflineMatchesTheAPI keeps
// the two alike).
const (
	validationProblemType   = "/problems/validation"
	validationProblemTitle  = "Validation failed"
	validationProblemDetail = "the playbook has problems; each is listed with its line"
)

// validationProblem is that document; playbooks.Problem leaves out an unknown
// line and column, as the API's does.
type validationProblem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail"`
	Errors []playbooks.Problem `json:"errors"`
}

// offlineValidation is the API's 200 answer, with the step count it carries.
type offlineValidation struct {
	Valid   bool   `json:"valid"`
	Name    string `json:"name"`
	Version int    `json:"version"`
	Steps   int    `json:"steps"`
}

// validateOffline checks a playbook file with the playbook language itself, as
// the API would, so editors, pre-commit hooks and CI need neither a server nor
// a token. Output and exit status are those of the API-backed check: one
// FILE:LINE:COLUMN line per problem, or the API's JSON with --json.
func validateOffline(ctx context.Context, g *globals, file string) error {
	src, err := readPlaybookFile(file)
	if err != nil {
		return err
	}
	// The same bound the API puts on a body, so a file passing here is not
	// refused there for its size.
	if len(src) > playbooks.MaxSourceBytes {
		return fmt.Errorf("%s: the playbook is %d bytes; the limit is %d", file, len(src), playbooks.MaxSourceBytes)
	}
	pb, err := playbooks.ParseContext(ctx, src)
	var ie *playbooks.InvalidError
	switch {
	case errors.As(err, &ie):
		return printOfflineProblems(g, file, ie.Problems)
	case err != nil:
		return fmt.Errorf("%s: %w", file, err)
	}
	if g.json {
		b, err := json.Marshal(offlineValidation{Valid: true, Name: pb.Name, Version: pb.Version, Steps: len(pb.Steps)})
		if err != nil {
			return fmt.Errorf("encoding the result: %w", err)
		}
		return printJSON(g.stdout, b)
	}
	_, err = fmt.Fprintf(g.stdout, "%s: valid (%s v%d)\n", file, pb.Name, pb.Version)
	return err
}

// printOfflineProblems shows an invalid playbook's problems as playbookRefused
// shows the API's 422 answer.
func printOfflineProblems(g *globals, file string, probs []playbooks.Problem) error {
	if g.json {
		b, err := json.Marshal(validationProblem{
			Type: validationProblemType, Title: validationProblemTitle, Status: http.StatusUnprocessableEntity,
			Detail: validationProblemDetail, Errors: probs,
		})
		if err != nil {
			return fmt.Errorf("encoding the problems: %w", err)
		}
		if err := printJSON(g.stdout, b); err != nil {
			return err
		}
		return errInvalidPlaybook
	}
	errs := make([]problemError, len(probs))
	for i, p := range probs {
		errs[i] = problemError{Field: p.Field, Message: p.Message, Line: p.Line, Column: p.Column}
	}
	return printPlaybookErrors(g, file, errs)
}
