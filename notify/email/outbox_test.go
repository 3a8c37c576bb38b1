package email

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/notify"
)

// clockedOutbox is an outbox whose clock moves one minute per message.
func clockedOutbox(dir string) *Outbox {
	o := NewOutbox(dir, testFrom)
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	o.now = func() time.Time {
		at = at.Add(time.Minute)
		return at
	}
	return o
}

func TestOutboxWritesEachNoticeOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	o := clockedOutbox(dir)
	first, err := o.Send(context.Background(), notice(api.NoticeRequested, 0))
	require.NoError(t, err)
	again, err := o.Send(context.Background(), notice(api.NoticeRequested, 0))
	require.NoError(t, err)
	assert.Equal(t, first, again)

	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, files, 1, "a retried send leaves one file and no temporary one")
	assert.Equal(t, "20261202T090100.000000000Z-", files[0].Name()[:27])
	info, err := files[0].Info()
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o600), info.Mode().Perm(), "the links in it act for one person")

	data, err := Read(dir, files[0].Name())
	require.NoError(t, err)
	m := parseMessage(t, data)
	assert.Equal(t, first.MessageID, m.Header.Get("Message-ID"))
	assert.Contains(t, m.Text, "Approve: "+approveLink)
}

func TestOutboxListsNewestFirst(t *testing.T) {
	dir := t.TempDir()
	o := clockedOutbox(dir)
	for _, n := range []notify.Notice{notice(api.NoticeRequested, 0), notice(api.NoticeReminded, 1), notice(api.NoticeReminded, 2)} {
		_, err := o.Send(context.Background(), n)
		require.NoError(t, err)
	}
	// Not outbox messages: skipped, never read.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".tmp-123"), []byte("half a mess"), 0o600))

	list, _, err := List(dir, 0)
	require.NoError(t, err)
	require.Len(t, list, 3)
	assert.Equal(t, []string{api.NoticeReminded, api.NoticeReminded, api.NoticeRequested}, []string{list[0].Kind, list[1].Kind, list[2].Kind})
	assert.Equal(t, time.Date(2026, 12, 2, 9, 3, 0, 0, time.UTC), list[0].Date.UTC())
	assert.Equal(t, time.Date(2026, 12, 2, 9, 1, 0, 0, time.UTC), list[2].Date.UTC())
	assert.Equal(t, "Approval needed: Week 2's posts for Acme Bäckerei (by Fri 4 Dec 17:00 CET)", list[2].Subject)
	for _, e := range list {
		assert.Equal(t, `"Dana Doe" <dana@acme.test>`, e.To)
		assert.Equal(t, "c1.approve_batch", e.ApprovalID)
		assert.True(t, strings.HasPrefix(e.MessageID, "<"), e.MessageID)
		_, err := Read(dir, e.File)
		assert.NoError(t, err)
	}

	newest, total, err := List(dir, 2)
	require.NoError(t, err)
	assert.Equal(t, 3, total, "all are counted")
	require.Len(t, newest, 2, "only the newest are read")
	assert.Equal(t, list[:2], newest)

	empty, total, err := List(filepath.Join(dir, "missing"), 0)
	require.NoError(t, err)
	assert.Empty(t, empty)
	assert.Zero(t, total)
}

func TestOutboxReadStaysInTheOutbox(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "outbox")
	_, err := clockedOutbox(dir).Send(context.Background(), notice(api.NoticeRequested, 0))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(parent, "x"), []byte("secret"), 0o600))
	// A link planted inside with a valid name still may not lead out.
	planted := "20261202T100000.000000000Z-0123456789abcdef.eml"
	require.NoError(t, os.Symlink(filepath.Join(parent, "x"), filepath.Join(dir, planted)))

	for _, name := range []string{"../x", "..", "", "/etc/passwd", "sub/../../x", `..\x`, planted} {
		_, err := Read(dir, name)
		assert.ErrorIs(t, err, fs.ErrNotExist, name)
	}
	list, _, err := List(dir, 0)
	require.NoError(t, err)
	assert.Len(t, list, 1, "List shows no planted link")
}

func TestOutboxRefusesWhatCanNeverBeSentAndAStoppedContext(t *testing.T) {
	dir := t.TempDir()
	bad := notice(api.NoticeRequested, 0)
	bad.Recipient.Address = ""
	_, err := clockedOutbox(dir).Send(context.Background(), bad)
	assert.True(t, notify.IsPermanent(err))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = clockedOutbox(dir).Send(ctx, notice(api.NoticeRequested, 0))
	assert.ErrorIs(t, err, context.Canceled)

	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, files)
}

func TestOutboxHasASenderOfItsOwn(t *testing.T) {
	dir := t.TempDir()
	o := NewOutbox(dir, "")
	receipt, err := o.Send(context.Background(), notice(api.NoticeRequested, 0))
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(receipt.MessageID, "@localhost>"), receipt.MessageID)
	list, _, err := List(dir, 0)
	require.NoError(t, err)
	require.Len(t, list, 1)
	data, err := Read(dir, list[0].File)
	require.NoError(t, err)
	assert.Contains(t, parseMessage(t, data).Header.Get("From"), "greenlight@localhost")
}
