package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/playbooks"
)

// The audit commands read every page of events the API has (or --limit of
// them) and print them as a table, as the API's JSON (--json: one list, its
// next_page_token set when --limit left some out), or as CSV (--csv). JSON and
// CSV are written page by page, so a long export holds one page in memory.

// maxEventsPage is the API's largest page of audit events.
const maxEventsPage = 200

// eventsOutput is how the events are printed: table, CSV, or the API's JSON.
type eventsOutput struct {
	csv bool
}

func (o *eventsOutput) bind(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.csv, "csv", false, "print CSV (RFC 4180): a header row, then one row per event, detail as compact JSON")
}

func newAuditCmd(g *globals) *cobra.Command {
	var client, typ, actor, since, until string
	var pages paging
	var out eventsOutput
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "The audit log: who did what, when, through which channel, newest first (admins and operators)",
		Long: `Every recorded event within the token's clients, newest first: decisions and votes,
escalations, expiries, pauses, cancellations, launches, links, tokens, people and
playbook registrations, each with its actor, channel, time and the request id of the API
call that caused it. --type takes an event type (approval.decided) or a prefix ending in a
dot (approval.); --since and --until take an RFC 3339 time or a duration back from now
(30d, 2w, 48h). Every page is read unless --limit says how many events at most.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkBounds(since, until); err != nil {
				return err
			}
			q := url.Values{}
			setQuery(q, "client", client)
			setQuery(q, "type", typ)
			setQuery(q, "actor", actor)
			setQuery(q, "since", since)
			setQuery(q, "until", until)
			return printEvents(cmd.Context(), g, "/v1/audit", q, pages, out, true)
		},
	}
	f := cmd.Flags()
	f.StringVar(&client, "client", "", "only this client's events")
	f.StringVar(&typ, "type", "", "only events of this type, or of a prefix ending in a dot (approval.)")
	f.StringVar(&actor, "actor", "", "only events by this actor")
	f.StringVar(&since, "since", "", "only events at or after this time: RFC 3339 or a duration back from now (30d)")
	f.StringVar(&until, "until", "", "only events before this time: RFC 3339 or a duration back from now")
	pages.bind(f, "events")
	out.bind(cmd)
	return cmd
}

func newCampaignsEventsCmd(g *globals) *cobra.Command {
	var pages paging
	var out eventsOutput
	cmd := &cobra.Command{
		Use:   "events ID",
		Short: "A campaign's audit trail, in the order it was recorded",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return printEvents(cmd.Context(), g, campaignPath(args[0])+"/events", url.Values{}, pages, out, false)
		},
	}
	pages.bind(cmd.Flags(), "events")
	out.bind(cmd)
	return cmd
}

// checkBounds refuses a --since or --until the API would refuse, before
// anything is sent (a usage mistake, exit 2); the raw values are sent so the
// API's clock sets "now".
func checkBounds(since, until string) error {
	now := time.Now()
	for _, b := range []struct{ flag, value string }{{"since", since}, {"until", until}} {
		if b.value == "" {
			continue
		}
		if _, _, err := playbooks.ParseTimeAgo(b.value, now); err != nil {
			return usageErrorf("--%s: %v", b.flag, err)
		}
	}
	return nil
}

// eventsPage is one page as the API sent it: each item kept as its JSON, so
// --json prints what the API said.
type eventsPage struct {
	Items         []json.RawMessage `json:"items"`
	NextPageToken string            `json:"next_page_token"`
}

// eventSink prints events as they arrive, one page at a time.
type eventSink interface {
	add(raw json.RawMessage, e api.AuditEventView) error
	// end finishes the output; next is the token of what --limit left out.
	end(next string) error
}

// printEvents reads path's pages from pages.pageToken on, until the last or
// until pages.limit events are printed. all says the events span campaigns,
// so the table shows each one's client and campaign.
func printEvents(ctx context.Context, g *globals, path string, q url.Values, pages paging, out eventsOutput, all bool) error {
	if out.csv && g.json {
		return usageErrorf("--csv and --json are two ways to print the same events: pick one")
	}
	if pages.limit < 0 {
		return usageErrorf("--limit must be 1 or more")
	}
	var sink eventSink
	switch {
	case g.json:
		sink = &jsonEvents{w: g.stdout}
	case out.csv:
		sink = newCSVEvents(g)
	default:
		sink = newTableEvents(g, all)
	}
	c := newClient(g)
	token, printed := pages.pageToken, 0
	for {
		size := maxEventsPage
		if pages.limit > 0 {
			size = min(size, pages.limit-printed)
		}
		q.Set("limit", strconv.Itoa(size))
		setQuery(q, "page_token", token)
		body, err := c.do(ctx, request{method: http.MethodGet, path: path, query: q})
		if err != nil {
			return failed(g, err)
		}
		var page eventsPage
		if err := json.Unmarshal(body, &page); err != nil {
			return fmt.Errorf("decoding the answer to GET %s: %w", path, err)
		}
		for _, raw := range page.Items {
			var e api.AuditEventView
			if err := json.Unmarshal(raw, &e); err != nil {
				return fmt.Errorf("decoding an event from GET %s: %w", path, err)
			}
			if err := sink.add(raw, e); err != nil {
				return err
			}
		}
		printed += len(page.Items)
		token = page.NextPageToken
		if token == "" || pages.limit > 0 && printed >= pages.limit {
			return sink.end(token)
		}
	}
}

// jsonEvents writes the pages as one list in the API's shape, indented as
// the other commands' --json output is.
type jsonEvents struct {
	w io.Writer
	n int
}

func (j *jsonEvents) add(raw json.RawMessage, _ api.AuditEventView) error {
	sep := ",\n"
	if j.n == 0 {
		sep = "{\n  \"items\": [\n"
	}
	j.n++
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "    ", "  "); err != nil {
		return fmt.Errorf("an event is not JSON: %w", err)
	}
	_, err := fmt.Fprintf(j.w, "%s    %s", sep, buf.Bytes())
	return err
}

func (j *jsonEvents) end(next string) error {
	tok, _ := json.Marshal(next)
	if j.n == 0 {
		_, err := fmt.Fprintf(j.w, "{\n  \"items\": [],\n  \"next_page_token\": %s\n}\n", tok)
		return err
	}
	_, err := fmt.Fprintf(j.w, "\n  ],\n  \"next_page_token\": %s\n}\n", tok)
	return err
}

// csvHeader names the CSV columns, the API's field names.
var csvHeader = []string{"id", "at", "type", "actor", "channel", "client", "campaign_id", "approval_id", "request_id", "detail"}

type csvEvents struct {
	g       *globals
	w       *csv.Writer
	started bool
}

func newCSVEvents(g *globals) *csvEvents { return &csvEvents{g: g, w: csv.NewWriter(g.stdout)} }

func (c *csvEvents) add(_ json.RawMessage, e api.AuditEventView) error {
	if err := c.header(); err != nil {
		return err
	}
	row := []string{
		strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339Nano), e.Type, e.Actor, e.Channel,
		e.Client, e.CampaignID, e.ApprovalID, e.RequestID, compactJSON(e.Detail),
	}
	for i := range row {
		row[i] = spreadsheetSafe(row[i])
	}
	if err := c.w.Write(row); err != nil {
		return err
	}
	// Flushed per event: a long export shows progress and holds nothing back.
	c.w.Flush()
	return c.w.Error()
}

// spreadsheetSafe keeps a value text when a spreadsheet opens the file: one
// that starts like a formula (=, +, -, @, a tab or a carriage return) gets a
// leading apostrophe. Actors and details can come from raw signals, so a
// sender could otherwise plant a formula in someone's export.
func spreadsheetSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

func (c *csvEvents) header() error {
	if c.started {
		return nil
	}
	c.started = true
	return c.w.Write(csvHeader)
}

func (c *csvEvents) end(next string) error {
	if err := c.header(); err != nil {
		return err
	}
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return err
	}
	return morePages(c.g, "events", next)
}

// tableEvents prints a table once every page is read, so its columns line up.
type tableEvents struct {
	g   *globals
	all bool
	t   *table
	n   int
}

func newTableEvents(g *globals, all bool) *tableEvents {
	header := []string{"TIME", "TYPE", "ACTOR", "CHANNEL", "APPROVAL", "REQUEST", "DETAIL"}
	if all {
		header = []string{"TIME", "TYPE", "ACTOR", "CHANNEL", "CLIENT", "CAMPAIGN", "REQUEST", "DETAIL"}
	}
	return &tableEvents{g: g, all: all, t: newTable(g.stdout, header...)}
}

// tableDetail is how much of an event's detail a table row shows; --json and
// --csv carry all of it.
const tableDetail = 80

func (t *tableEvents) add(_ json.RawMessage, e api.AuditEventView) error {
	t.n++
	at := e.At.Local().Format("2006-01-02 15:04:05 MST")
	detail := compactJSON(e.Detail)
	if detail == "{}" {
		detail = ""
	}
	detail = shorten(detail, tableDetail)
	if t.all {
		t.t.row(at, e.Type, e.Actor, e.Channel, e.Client, e.CampaignID, e.RequestID, detail)
	} else {
		t.t.row(at, e.Type, e.Actor, e.Channel, e.ApprovalID, e.RequestID, detail)
	}
	return nil
}

func (t *tableEvents) end(next string) error {
	if t.n == 0 {
		_, err := fmt.Fprintln(t.g.stdout, "No events.")
		return err
	}
	if err := t.t.flush(); err != nil {
		return err
	}
	return morePages(t.g, "events", next)
}

// compactJSON is a detail on one line.
func compactJSON(raw json.RawMessage) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return string(raw)
	}
	return buf.String()
}
