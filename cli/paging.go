package cli

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/spf13/pflag"
)

// paging is a paged list's --limit and --page-token, passed to the API as is.
type paging struct {
	limit     int
	pageToken string
}

// bind adds the flags; items names what the list holds ("campaigns").
func (p *paging) bind(f *pflag.FlagSet, items string) {
	f.IntVar(&p.limit, "limit", 0, "at most this many "+items+" (default: the API's page size)")
	f.StringVar(&p.pageToken, "page-token", "", "continue from a previous page")
}

func (p *paging) setQuery(q url.Values) {
	setQuery(q, "page_token", p.pageToken)
	if p.limit > 0 {
		q.Set("limit", strconv.Itoa(p.limit))
	}
}

// morePages says how to read on after a page that is not the last: on
// stderr, since it is advice for a person, and keeps stdout a clean table.
func morePages(g *globals, items, nextPageToken string) error {
	if nextPageToken == "" {
		return nil
	}
	_, err := fmt.Fprintf(g.stderr, "More %s: repeat with --page-token %s\n", items, nextPageToken)
	return err
}
