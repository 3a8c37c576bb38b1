package email

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	netmail "net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/greenlight/greenlight/notify"
)

// Outbox is the development sender: each message becomes an .eml file in
// Dir, which any mail client opens and the /dev/outbox page lists. A file is
// named <UTC time>-<key hash>.eml, so names sort by time and a notice sent
// again (a retried activity) finds its file and writes nothing.
type Outbox struct {
	Dir  string
	From string // as Config.From
	now  func() time.Time
}

// DevFrom is the outbox's sender when none is configured.
const DevFrom = "Greenlight <greenlight@localhost>"

// NewOutbox writes to dir, creating it on the first message; from "" means
// DevFrom.
func NewOutbox(dir, from string) *Outbox {
	if from == "" {
		from = DevFrom
	}
	return &Outbox{Dir: dir, From: from, now: time.Now}
}

// outboxMu makes look-then-write one step within this process, so two
// attempts at one notice cannot both miss each other's file. The dev outbox
// has one writer process (greenlight dev).
var outboxMu sync.Mutex

// outboxName is what an outbox file is called; Read accepts nothing else.
var outboxName = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}\.[0-9]{9}Z-[0-9a-f]{16}\.eml$`)

const outboxTimeLayout = "20060102T150405.000000000Z"

// maxOutboxFile bounds what Read and List take from one file.
const maxOutboxFile = 10 << 20

// Send writes n to the outbox, once per key.
func (o *Outbox) Send(ctx context.Context, n notify.Notice) (Receipt, error) {
	if err := ctx.Err(); err != nil {
		return Receipt{}, fmt.Errorf("email: outbox %s: %w", n.Key, err)
	}
	now := time.Now
	if o.now != nil {
		now = o.now
	}
	at := now().UTC()
	msg, err := build(n, o.From, "", at)
	if err != nil {
		return Receipt{}, err
	}
	receipt := Receipt{MessageID: msg.GetMessageID()}
	sum := sha256.Sum256([]byte(n.Key))
	suffix := "-" + hex.EncodeToString(sum[:8]) + ".eml"

	outboxMu.Lock()
	defer outboxMu.Unlock()
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return Receipt{}, fmt.Errorf("email: outbox %s: %w", o.Dir, err)
	}
	entries, err := os.ReadDir(o.Dir)
	if err != nil {
		return Receipt{}, fmt.Errorf("email: outbox %s: %w", o.Dir, err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), suffix) && outboxName.MatchString(e.Name()) {
			return receipt, nil
		}
	}
	var body bytes.Buffer
	if _, err := msg.WriteTo(&body); err != nil {
		return Receipt{}, fmt.Errorf("email: outbox: write %s: %w", n.Key, err)
	}
	name := at.Format(outboxTimeLayout) + suffix
	if err := writeAtomically(o.Dir, name, body.Bytes()); err != nil {
		return Receipt{}, fmt.Errorf("email: outbox: write %s: %w", n.Key, err)
	}
	return receipt, nil
}

// writeAtomically writes a temporary file beside name and renames it, so a
// reader sees the whole message or no file, never half of one.
func writeAtomically(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // a no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, name))
}

// Entry is one message in the outbox as a list shows it.
type Entry struct {
	File       string // the name to pass to Read
	To         string
	Subject    string
	Date       time.Time
	ApprovalID string
	Kind       string
	MessageID  string
}

// List returns the outbox's newest messages, newest first, at most limit of
// them (0: all), and how many it holds in all. Only the messages returned are
// opened, so a long-lived outbox costs a page no more than its limit. A
// missing folder is an empty outbox.
func List(dir string, limit int) ([]Entry, int, error) {
	files, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("email: list outbox %s: %w", dir, err)
	}
	var names []string
	for _, f := range files {
		if f.Type().IsRegular() && outboxName.MatchString(f.Name()) {
			names = append(names, f.Name())
		}
	}
	// The names start with the time, so name order is time order.
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(b, a) })
	total := len(names)
	if limit > 0 && len(names) > limit {
		names = names[:limit]
	}
	list := make([]Entry, 0, len(names))
	for _, n := range names {
		e, err := readEntry(dir, n)
		if err != nil {
			return nil, 0, err
		}
		list = append(list, e)
	}
	return list, total, nil
}

var headerDecoder mime.WordDecoder

func readEntry(dir, name string) (Entry, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return Entry{}, fmt.Errorf("email: outbox %s: %w", name, err)
	}
	defer func() { _ = f.Close() }()
	m, err := netmail.ReadMessage(io.LimitReader(f, maxOutboxFile))
	if err != nil {
		return Entry{}, fmt.Errorf("email: outbox %s: %w", name, err)
	}
	decode := func(h string) string {
		v := m.Header.Get(h)
		if d, err := headerDecoder.DecodeHeader(v); err == nil {
			return d
		}
		return v
	}
	e := Entry{
		File: name, To: decode("To"), Subject: decode("Subject"), ApprovalID: decode(HeaderApproval),
		Kind: m.Header.Get(HeaderKind), MessageID: m.Header.Get("Message-ID"),
	}
	e.Date, _ = m.Header.Date()
	return e, nil
}

// Read returns one outbox message. name must be a name List returned: any
// other (a path, "../x") is not in the outbox and reads as fs.ErrNotExist.
func Read(dir, name string) ([]byte, error) {
	if !outboxName.MatchString(name) {
		return nil, fmt.Errorf("email: outbox has no message %q: %w", name, fs.ErrNotExist)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("email: outbox %s: %w", dir, err)
	}
	defer func() { _ = root.Close() }()
	// Only a plain file is a message: a link planted under a valid name
	// leads nowhere.
	info, err := root.Lstat(name)
	if err != nil {
		return nil, fmt.Errorf("email: outbox %s: %w", name, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("email: outbox has no message %q: %w", name, fs.ErrNotExist)
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, fmt.Errorf("email: outbox %s: %w", name, err)
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, maxOutboxFile+1))
	if err != nil {
		return nil, fmt.Errorf("email: outbox %s: %w", name, err)
	}
	if len(data) > maxOutboxFile {
		return nil, fmt.Errorf("email: outbox %s is larger than %d bytes", name, maxOutboxFile)
	}
	return data, nil
}
