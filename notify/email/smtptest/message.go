package smtptest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Message is one email as a mail client reads it: its headers and its
// decoded text and HTML parts, with lines ending in \n.
type Message struct {
	Header netmail.Header
	Text   string
	HTML   string
}

// Subject is the decoded Subject header.
func (m Message) Subject(t testing.TB) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	require.NoError(t, err)
	return s
}

// Parse reads raw MIME the way a mail client does, and fails the test unless
// it is one multipart/alternative with a decodable UTF-8 text and HTML part.
func Parse(t testing.TB, raw []byte) Message {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	require.NoError(t, err)
	mediaType, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/alternative", mediaType)
	r := Message{Header: m.Header}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		ct, cp, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		require.NoError(t, err)
		require.Equal(t, "utf-8", strings.ToLower(cp["charset"]), ct)
		var body io.Reader = p
		switch strings.ToLower(p.Header.Get("Content-Transfer-Encoding")) {
		case "quoted-printable":
			body = quotedprintable.NewReader(p)
		case "base64":
			body = base64.NewDecoder(base64.StdEncoding, p)
		case "", "7bit", "8bit":
		default:
			t.Fatalf("unexpected transfer encoding %q", p.Header.Get("Content-Transfer-Encoding"))
		}
		b, err := io.ReadAll(body)
		require.NoError(t, err, ct)
		b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) // as a mail client reads lines
		switch ct {
		case "text/plain":
			r.Text = string(b)
		case "text/html":
			r.HTML = string(b)
		default:
			t.Fatalf("unexpected part %s", ct)
		}
	}
	require.NotEmpty(t, r.Text, "text part")
	require.NotEmpty(t, r.HTML, "HTML part")
	return r
}
