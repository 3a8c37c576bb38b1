package cli

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// playbookSummary is one item of GET /v1/playbooks.
type playbookSummary struct {
	Name        string `json:"name"`
	Version     int    `json:"version"`
	Description string `json:"description"`
	Builtin     bool   `json:"builtin"`
	Versions    []int  `json:"versions"`
}

// playbookDetail is the part of GET /v1/playbooks/{name} the table output uses; --json
// shows the rest (params, steps).
type playbookDetail struct {
	Name        string `json:"name"`
	Version     int    `json:"version"`
	Description string `json:"description"`
	Source      string `json:"source"`
}

// validation is the 200 answer of POST /v1/playbooks/validate.
type validation struct {
	Valid   bool           `json:"valid"`
	Name    string         `json:"name"`
	Version int            `json:"version"`
	Errors  []problemError `json:"errors"`
}

// registration is the answer of POST /v1/playbooks: the stored version, and whether
// this request created it (false: the same bytes were already registered).
type registration struct {
	Name    string `json:"name"`
	Version int    `json:"version"`
	Digest  string `json:"digest"`
	Created bool   `json:"created"`
}

// errInvalidPlaybook is returned after the errors have been printed, so the exit
// code says "invalid" without printing them a second time.
var errInvalidPlaybook = errors.New("invalid playbook")

func newPlaybooksCmd(g *globals) *cobra.Command {
	return groupCmd("playbooks", "List, show, validate and register playbooks",
		newPlaybooksListCmd(g),
		newPlaybooksShowCmd(g),
		newPlaybooksValidateCmd(g),
		newPlaybooksRegisterCmd(g),
	)
}

// descriptionWidth is how much of a playbook's description `playbooks list`
// shows; --wide shows all of it, --json the API's answer.
const descriptionWidth = 60

func newPlaybooksListCmd(g *globals) *cobra.Command {
	var wide bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List playbooks, latest version of each",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			r := request{method: http.MethodGet, path: "/v1/playbooks"}
			return call(cmd.Context(), g, r, func(l struct {
				Items []playbookSummary `json:"items"`
			}) error {
				t := newTable(g.stdout, "NAME", "VERSION", "VERSIONS", "BUILTIN", "DESCRIPTION")
				for _, p := range l.Items {
					versions := make([]string, len(p.Versions))
					for i, v := range p.Versions {
						versions[i] = strconv.Itoa(v)
					}
					description := p.Description
					if !wide {
						description = shorten(description, descriptionWidth)
					}
					t.row(p.Name, strconv.Itoa(p.Version), strings.Join(versions, ","), yesNo(p.Builtin), description)
				}
				return t.flush()
			})
		},
	}
	cmd.Flags().BoolVar(&wide, "wide", false, fmt.Sprintf("show whole descriptions (default: the first %d characters)", descriptionWidth))
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func newPlaybooksShowCmd(g *globals) *cobra.Command {
	var version int
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Print a playbook's YAML source",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q := url.Values{}
			if version > 0 {
				q.Set("version", strconv.Itoa(version))
			}
			r := request{method: http.MethodGet, path: "/v1/playbooks/" + url.PathEscape(args[0]), query: q}
			return call(cmd.Context(), g, r, func(p playbookDetail) error {
				if p.Source == "" {
					_, err := fmt.Fprintf(g.stdout, "# %s v%d: %s\n# (the API sent no source; use --json for the parsed playbook)\n", p.Name, p.Version, p.Description)
					return err
				}
				_, err := fmt.Fprint(g.stdout, strings.TrimRight(p.Source, "\n")+"\n")
				return err
			})
		},
	}
	cmd.Flags().IntVar(&version, "version", 0, "version to show (default: the latest)")
	return cmd
}

func newPlaybooksValidateCmd(g *globals) *cobra.Command {
	var viaServer bool
	cmd := &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a playbook file offline; prints FILE:LINE:COLUMN for every error and exits 1 if any",
		Long: `Check a playbook file and print FILE:LINE:COLUMN: FIELD: MESSAGE for every
error; exit 1 if there is any, 0 if the file is valid.

The check runs here, with no server and no token, so editors, pre-commit hooks
and CI can run it. --server sends the file to the API's check instead
(POST /v1/playbooks/validate), which needs the API and a token: the rules of
the server that will run the playbook, when it runs a different greenlight
version than this one. The output and exit codes are the same either way.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			if !viaServer {
				return validateOffline(cmd.Context(), g, file)
			}
			r, err := playbookFileRequest(file, "/v1/playbooks/validate")
			if err != nil {
				return err
			}
			err = call(cmd.Context(), g, r, func(v validation) error {
				if !v.Valid {
					return printPlaybookErrors(g, file, v.Errors)
				}
				_, err := fmt.Fprintf(g.stdout, "%s: valid (%s v%d)\n", file, v.Name, v.Version)
				return err
			})
			return playbookRefused(g, file, err)
		},
	}
	cmd.Flags().BoolVar(&viaServer, "server", false, "check with the API instead of offline (needs the API and a token)")
	return cmd
}

func newPlaybooksRegisterCmd(g *globals) *cobra.Command {
	var client string
	cmd := &cobra.Command{
		Use:   "register FILE",
		Short: "Register a new version of a playbook; versions are immutable, so a change needs a new version number",
		Long: `Register a new version of a playbook from its YAML file.

Registering the same file again changes nothing and succeeds. A different file under
a version number already registered is refused: campaigns stay pinned to the version
they started with, so bump ` + "`version`" + ` in the file to register a change. New
launches that name no version get the highest version number.

A playbook belongs to one client (--client; a token scoped to one client may leave
it out), or is shared by every client, which only an admin may register. Once a
name is registered for an owner, only that owner adds versions.

An invalid file prints FILE:LINE:COLUMN: FIELD: MESSAGE for every error; either
refusal exits 1.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			r, err := playbookFileRequest(file, "/v1/playbooks")
			if err != nil {
				return err
			}
			if client != "" {
				r.query = url.Values{"client": {client}}
			}
			err = call(cmd.Context(), g, r, func(reg registration) error {
				what := "registered"
				if !reg.Created {
					what = "already registered with this content; nothing changed"
				}
				_, err := fmt.Fprintf(g.stdout, "%s: %s v%d %s\n", file, reg.Name, reg.Version, what)
				return err
			})
			return playbookRefused(g, file, err)
		},
	}
	cmd.Flags().StringVar(&client, "client", "", "the client the playbook belongs to (default: the token's only client; none: shared, admins only)")
	return cmd
}

// playbookRefused shapes the error of a call that sent the playbook in file: a 422
// becomes one FILE:LINE:COLUMN line per problem (printed once: with --json the
// problem body is already on stdout), anything else is named after the file.
func playbookRefused(g *globals, file string, err error) error {
	if err == nil {
		return nil
	}
	var ae *apiError
	if !errors.As(err, &ae) {
		return err
	}
	if ae.status == http.StatusUnprocessableEntity {
		if g.json {
			return errInvalidPlaybook
		}
		return printPlaybookErrors(g, file, ae.problem.Errors)
	}
	return fmt.Errorf("%s: %w", file, err)
}

// printPlaybookErrors writes one FILE:LINE:COLUMN: FIELD: MESSAGE line per error, the
// shape editors and CI annotate from, and returns errInvalidPlaybook.
func printPlaybookErrors(g *globals, file string, errs []problemError) error {
	for _, e := range errs {
		loc := file
		if e.Line > 0 {
			loc = fmt.Sprintf("%s:%d:%d", file, e.Line, e.Column)
		}
		msg := e.Message
		if e.Field != "" {
			msg = e.Field + ": " + msg
		}
		if _, err := fmt.Fprintf(g.stdout, "%s: %s\n", loc, msg); err != nil {
			return err
		}
	}
	return fmt.Errorf("%s: %w (%d error(s))", file, errInvalidPlaybook, len(errs))
}

// playbookFileRequest posts a playbook file's YAML to path.
func playbookFileRequest(file, path string) (request, error) {
	src, err := readPlaybookFile(file)
	if err != nil {
		return request{}, err
	}
	return request{method: http.MethodPost, path: path, raw: src, contentType: "application/yaml"}, nil
}

func readPlaybookFile(file string) ([]byte, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading the playbook: %w", err)
	}
	return src, nil
}
