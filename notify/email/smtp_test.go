package email

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/notify"
	"github.com/greenlight/greenlight/notify/email/smtptest"
)

func TestSMTPDeliversInEveryTLSMode(t *testing.T) {
	for _, tc := range []struct {
		mode  string
		relay smtptest.Mode
	}{
		{TLSNone, smtptest.Plain},
		{TLSStartTLS, smtptest.StartTLS},
		{TLSImplicit, smtptest.ImplicitTLS},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			r, ca := smtptest.Start(t, tc.relay, nil)
			s, err := NewSMTP(relayConfig(r, tc.mode, ca))
			require.NoError(t, err)

			receipt, err := s.Send(context.Background(), notice(api.NoticeRequested, 0))
			require.NoError(t, err)

			got := r.Deliveries()
			require.Len(t, got, 1)
			assert.Equal(t, "greenlight@greenlight.test", got[0].From)
			assert.Equal(t, []string{"dana@acme.test"}, got[0].To)
			assert.Equal(t, tc.mode != TLSNone, got[0].TLS)
			m := parseMessage(t, got[0].Data)
			assert.Equal(t, receipt.MessageID, m.Header.Get("Message-ID"))
			assert.Equal(t, "Approval needed: Week 2's posts for Acme Bäckerei (by Fri 4 Dec 17:00 CET)", m.Subject(t))
			assert.Contains(t, m.Text, "If nobody answers by Fri 4 Dec 17:00 CET, this is skipped.")
			assert.Contains(t, m.Text, "Approve: "+approveLink)
		})
	}
}

func TestSMTPThreadsARequestAndItsReminder(t *testing.T) {
	r, ca := smtptest.Start(t, smtptest.StartTLS, func(r *smtptest.Relay) { r.Password = "correct horse" })
	cfg := relayConfig(r, TLSStartTLS, ca)
	cfg.User, cfg.Password = "greenlight", "correct horse"
	s, err := NewSMTP(cfg)
	require.NoError(t, err)

	for _, n := range []notify.Notice{notice(api.NoticeRequested, 0), notice(api.NoticeReminded, 1)} {
		_, err := s.Send(context.Background(), n)
		require.NoError(t, err)
	}
	got := r.Deliveries()
	require.Len(t, got, 2)
	assert.Equal(t, "greenlight", got[0].User, "AUTH PLAIN with the right password")
	request, reminder := parseMessage(t, got[0].Data), parseMessage(t, got[1].Data)
	root := request.Header.Get("Message-ID")
	require.NotEmpty(t, root)
	assert.NotEqual(t, root, reminder.Header.Get("Message-ID"))
	assert.Equal(t, root, reminder.Header.Get("In-Reply-To"))
	assert.Equal(t, root, reminder.Header.Get("References"))
	assert.Equal(t, "Reminder: Week 2's posts for Acme Bäckerei (by Fri 4 Dec 17:00 CET)", reminder.Subject(t))
	for _, link := range []string{approveLink, rejectLink, openLink} {
		assert.Contains(t, reminder.Text, link)
		assert.Contains(t, reminder.HTML, `href="`+htmlAttr(link)+`"`)
	}
}

// htmlAttr is how html/template writes a URL into an attribute.
func htmlAttr(s string) string {
	out := ""
	for _, r := range s {
		if r == '&' {
			out += "&amp;"
			continue
		}
		out += string(r)
	}
	return out
}

func TestSMTPWrongPasswordIsPermanentAndNeverRepeated(t *testing.T) {
	const password = "hunter2-but-longer"
	r, ca := smtptest.Start(t, smtptest.StartTLS, func(r *smtptest.Relay) { r.Password = "the right one" })
	cfg := relayConfig(r, TLSStartTLS, ca)
	cfg.User, cfg.Password = "greenlight", password
	s, err := NewSMTP(cfg)
	require.NoError(t, err)

	_, err = s.Send(context.Background(), notice(api.NoticeRequested, 0))
	require.Error(t, err)
	assert.True(t, notify.IsPermanent(err), "535 is a refusal: %v", err)
	assert.Contains(t, err.Error(), "535")
	assertNoSecret(t, err, password)
	t.Log(err)
	assert.Equal(t, 1, r.AuthTries(), "the relay did see the attempt")
	assert.Empty(t, r.Deliveries())
}

func TestSMTPRelayRepliesDecideWhatIsRetried(t *testing.T) {
	for _, tc := range []struct {
		name      string
		reply     *smtp.SMTPError
		permanent bool
	}{
		{"550 unknown mailbox", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}, true},
		{"451 try later", &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := smtptest.Start(t, smtptest.Plain, func(r *smtptest.Relay) { r.RcptReply = tc.reply })
			s, err := NewSMTP(relayConfig(r, TLSNone, ""))
			require.NoError(t, err)
			_, err = s.Send(context.Background(), notice(api.NoticeRequested, 0))
			require.Error(t, err)
			assert.Equal(t, tc.permanent, notify.IsPermanent(err), "%v", err)
			assert.Contains(t, err.Error(), strconv.Itoa(tc.reply.Code))
			assert.Empty(t, r.Deliveries())
			t.Log(err)
		})
	}
}

func TestSMTPUnreachableRelayIsTransient(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())

	s, err := NewSMTP(Config{Host: "127.0.0.1", Port: port, TLS: TLSNone, From: testFrom, User: "u", Password: "pw-refused-42"})
	require.NoError(t, err)
	_, err = s.Send(context.Background(), notice(api.NoticeRequested, 0))
	require.Error(t, err)
	assert.False(t, notify.IsPermanent(err), "%v", err)
	assertNoSecret(t, err, "pw-refused-42")
}

func TestSMTPUntrustedCertificateIsPermanent(t *testing.T) {
	r, _ := smtptest.Start(t, smtptest.StartTLS, nil)
	s, err := NewSMTP(relayConfig(r, TLSStartTLS, "")) // the system's roots do not know the relay
	require.NoError(t, err)
	_, err = s.Send(context.Background(), notice(api.NoticeRequested, 0))
	require.Error(t, err)
	assert.True(t, notify.IsPermanent(err), "%v", err)
	assert.Empty(t, r.Deliveries())
}

func TestSMTPNeverSendsThePasswordWithoutTLSToARemoteRelay(t *testing.T) {
	// 127.0.0.2 is this machine too, but not by a name PLAIN trusts as local.
	probe, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no second loopback address here: %v", err)
	}
	_ = probe.Close()
	r, _ := smtptest.Start(t, smtptest.Plain, func(r *smtptest.Relay) { r.Host, r.Password, r.Insecure = "127.0.0.2", "plain-text-pw", true })
	cfg := relayConfig(r, TLSNone, "")
	cfg.User, cfg.Password = "greenlight", "plain-text-pw"
	s, err := NewSMTP(cfg)
	require.NoError(t, err)
	_, err = s.Send(context.Background(), notice(api.NoticeRequested, 0))
	require.Error(t, err)
	assert.True(t, notify.IsPermanent(err), "%v", err)
	assert.Zero(t, r.AuthTries(), "the password never left")
	assertNoSecret(t, err, "plain-text-pw")
}

func TestSMTPCancellingStopsTheSend(t *testing.T) {
	r, _ := smtptest.Start(t, smtptest.Plain, func(r *smtptest.Relay) { r.Hold, r.InData = make(chan struct{}), make(chan struct{}) })
	s, err := NewSMTP(relayConfig(r, TLSNone, ""))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.Send(ctx, notice(api.NoticeRequested, 0))
		done <- err
	}()
	<-r.InData // the message is on the wire and the relay has gone quiet
	cancel()
	select {
	case err := <-done:
		require.Error(t, err)
		assert.ErrorIs(t, err, context.Canceled)
		assert.False(t, notify.IsPermanent(err))
	case <-time.After(5 * time.Second): // far beyond any send; the relay holds DATA forever
		t.Fatal("Send did not return after its context was cancelled")
	}
}

func TestNewSMTPRefusesABadConfig(t *testing.T) {
	_, err := NewSMTP(Config{Host: "relay.test", TLS: "ssl", From: testFrom})
	assert.ErrorContains(t, err, EnvTLS)
	_, err = NewSMTP(Config{Host: "relay.test", From: testFrom, CAFile: "/nonexistent/ca.pem"})
	assert.ErrorContains(t, err, EnvCAFile)
}

// assertNoSecret fails if secret shows in err, any error it wraps, or any
// way of printing them.
func assertNoSecret(t *testing.T, err error, secret string) {
	t.Helper()
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		for _, s := range []string{e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e)} {
			assert.NotContains(t, s, secret)
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
}
