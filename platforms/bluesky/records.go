package bluesky

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/api/bsky"
	"github.com/bluesky-social/indigo/atproto/syntax"
	lexutil "github.com/bluesky-social/indigo/lex/util"

	"github.com/greenlight/greenlight/notify"
)

// The collections the connector writes.
const (
	collPost   = "app.bsky.feed.post"
	collRepost = "app.bsky.feed.repost"
	collLike   = "app.bsky.feed.like"
	collFollow = "app.bsky.graph.follow"
)

// webHost is where a post's page is, for people to open.
const webHost = "https://bsky.app"

// created is a record in the account's repository.
type created struct {
	URI, CID string
	// Existed says the record was there already: an earlier attempt of the
	// same action created it.
	Existed bool
}

// create writes record under the rkey derived from key. When the PDS refuses
// it, the record at that rkey is looked up: if an earlier attempt created it
// (the PDS accepted, the result was lost), it is the answer; otherwise the
// refusal stands.
func (c *Connector) create(ctx context.Context, collection, key string, record *lexutil.LexiconTypeDecoder) (created, error) {
	me, err := c.session(ctx)
	if err != nil {
		return created{}, err
	}
	rkey := rkeyFor(key)
	out, err := atproto.RepoCreateRecord(ctx, api{c}, &atproto.RepoCreateRecord_Input{
		Repo: me.did, Collection: collection, Rkey: &rkey, Record: record})
	if err == nil {
		return created{URI: out.Uri, CID: out.Cid}, nil
	}
	if _, refused := refusal(err); !refused || ctx.Err() != nil {
		return created{}, err
	}
	got, gerr := atproto.RepoGetRecord(ctx, api{c}, "", collection, me.did, rkey)
	if gerr != nil || got.Cid == nil {
		return created{}, err
	}
	return created{URI: got.Uri, CID: *got.Cid, Existed: true}, nil
}

// now is a record's createdAt, in the datetime form the lexicons ask for.
func now() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }

// post is someone's post, resolved from its URL.
type post struct {
	Ref    *atproto.RepoStrongRef
	Record *bsky.FeedPost // nil when the record is not a post the types know
	Actor  string         // as the URL named it: a handle or a DID
	DID    string
	RKey   string
}

// parsePostURL reads a post's address: its page, https://bsky.app/profile/
// <handle or DID>/post/<rkey> (other web clients use the same path), or its
// at:// URI.
func parsePostURL(raw string) (actor, rkey string, err error) {
	raw = strings.TrimSpace(raw)
	if strings.HasPrefix(raw, "at://") {
		u, perr := syntax.ParseATURI(raw)
		if perr != nil || u.Collection().String() != collPost || u.RecordKey() == "" {
			return "", "", fmt.Errorf("bluesky: %q is not the at:// URI of a post", raw)
		}
		return u.Authority().String(), u.RecordKey().String(), nil
	}
	u, perr := url.Parse(raw)
	if perr != nil || u.Scheme != "https" {
		return "", "", fmt.Errorf("bluesky: %q is not a Bluesky post URL", raw)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 4 || parts[0] != "profile" || parts[2] != "post" || parts[1] == "" || parts[3] == "" {
		return "", "", fmt.Errorf("bluesky: %q is not a Bluesky post URL (https://bsky.app/profile/<handle>/post/<id>)", raw)
	}
	return parts[1], parts[3], nil
}

// resolve finds the post at raw: the author's DID from the handle, then the
// record with its CID, which a reply, repost, like or quote must name.
func (c *Connector) resolve(ctx context.Context, raw string) (post, error) {
	if strings.TrimSpace(raw) == "" {
		return post{}, notify.Permanent(errors.New("bluesky: a post url is required"))
	}
	actor, rkey, err := parsePostURL(raw)
	if err != nil {
		return post{}, notify.Permanent(err)
	}
	did, err := c.did(ctx, actor)
	if err != nil {
		return post{}, err
	}
	got, err := atproto.RepoGetRecord(ctx, api{c}, "", collPost, did, rkey)
	if err != nil {
		return post{}, fmt.Errorf("bluesky: unable to read the post at %s: %w", raw, err)
	}
	if got.Cid == nil || *got.Cid == "" {
		return post{}, notify.Permanent(fmt.Errorf("bluesky: the post at %s has no CID", raw))
	}
	p := post{Ref: &atproto.RepoStrongRef{Uri: got.Uri, Cid: *got.Cid}, Actor: actor, DID: did, RKey: rkey}
	if got.Value != nil {
		p.Record, _ = got.Value.Val.(*bsky.FeedPost)
	}
	return p, nil
}

// did resolves a handle (or @handle, or a profile URL) to its DID; a DID is
// its own.
func (c *Connector) did(ctx context.Context, actor string) (string, error) {
	a := strings.TrimPrefix(strings.TrimSpace(actor), "@")
	if strings.HasPrefix(a, "https://") {
		if u, err := url.Parse(a); err == nil {
			if parts := strings.Split(strings.Trim(u.Path, "/"), "/"); len(parts) >= 2 && parts[0] == "profile" {
				a = parts[1]
			}
		}
	}
	if strings.HasPrefix(a, "did:") {
		if _, err := syntax.ParseDID(a); err != nil {
			return "", notify.Permanent(fmt.Errorf("bluesky: %q is not a DID", actor))
		}
		return a, nil
	}
	h, err := syntax.ParseHandle(a)
	if err != nil {
		return "", notify.Permanent(fmt.Errorf("bluesky: %q is not a handle (name.bsky.social) or DID", actor))
	}
	out, err := atproto.IdentityResolveHandle(ctx, api{c}, h.Normalize().String())
	if err != nil {
		return "", fmt.Errorf("bluesky: unable to resolve %s: %w", a, err)
	}
	return out.Did, nil
}

// postURL is the page of the post at an at:// URI, under the handle when
// known (it reads better) and the DID otherwise.
func postURL(uri, handle string) string {
	u, err := syntax.ParseATURI(uri)
	if err != nil {
		return ""
	}
	actor := u.Authority().String()
	if handle != "" {
		actor = handle
	}
	return webHost + "/profile/" + actor + "/post/" + u.RecordKey().String()
}

// linkPattern finds the links in a post's text. Bluesky shows a link as one
// only when a facet says so: text alone stays plain.
var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// linkFacets marks every link in text, by UTF-8 byte offsets as the facet
// lexicon counts them.
func linkFacets(text string) []*bsky.RichtextFacet {
	var out []*bsky.RichtextFacet
	for _, m := range linkPattern.FindAllStringIndex(text, -1) {
		start, end := m[0], m[1]
		// Trailing punctuation ends a sentence more often than a URL.
		for end > start && strings.ContainsRune(".,;:!?)]}'", rune(text[end-1])) {
			end--
		}
		out = append(out, &bsky.RichtextFacet{
			Index:    &bsky.RichtextFacet_ByteSlice{ByteStart: int64(start), ByteEnd: int64(end)},
			Features: []*bsky.RichtextFacet_Features_Elem{{RichtextFacet_Link: &bsky.RichtextFacet_Link{Uri: text[start:end]}}},
		})
	}
	return out
}

// newPost is a post record of text with its links marked.
func newPost(text string) *bsky.FeedPost {
	return &bsky.FeedPost{Text: text, CreatedAt: now(), Facets: linkFacets(text)}
}

// record wraps a lexicon record for createRecord, which sends its $type.
func record(v interface{ MarshalCBOR(w io.Writer) error }) *lexutil.LexiconTypeDecoder {
	return &lexutil.LexiconTypeDecoder{Val: v}
}
