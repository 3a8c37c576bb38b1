package email

import (
	"html"
	netmail "net/mail"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/api"
	"github.com/greenlight/greenlight/notify"
	"github.com/greenlight/greenlight/preview"
)

func TestARequestCarriesTheApprovalInBothParts(t *testing.T) {
	r := render(t, notice(api.NoticeRequested, 0))

	assert.Equal(t, "Approval needed: Week 2's posts for Acme Bäckerei (by Fri 4 Dec 17:00 CET)", r.Subject(t))
	to, err := netmail.ParseAddress(r.Header.Get("To"))
	require.NoError(t, err)
	assert.Equal(t, netmail.Address{Name: "Dana Doe", Address: "dana@acme.test"}, *to)
	from, err := netmail.ParseAddress(r.Header.Get("From"))
	require.NoError(t, err)
	assert.Equal(t, "greenlight@greenlight.test", from.Address)
	assert.Equal(t, "c1.approve_batch", r.Header.Get(HeaderApproval))
	assert.Equal(t, "auto-generated", r.Header.Get("Auto-Submitted"))
	assert.NotContains(t, strings.ToLower(r.Header.Get("User-Agent")), "go-mail")

	silence := "If nobody answers by Fri 4 Dec 17:00 CET, this is skipped."
	for _, want := range []string{
		"ops@agency asks for your approval.\n\nWeek 2's posts for Acme Bäckerei\n",
		"1. [linkedin] We fixed the oven.\nFresh bread is back.\n",
		hostilePost,
		"Targets: @acme\n", "Schedule: Tue 10:00\n", "Risk: low\n", "Reasons:\n  - refund\n  - delay\n",
		silence,
		"\nApprove: " + approveLink + "\nReject: " + rejectLink + "\nOpen: " + openLink + "\nAll your approvals: " + inboxLink + "\n",
	} {
		assert.Contains(t, r.Text, want)
	}

	page := html.UnescapeString(r.HTML)
	for _, want := range []string{
		"ops@agency asks for your approval.", "Week 2's posts for Acme Bäckerei", "asked by ops@agency",
		"Fri 4 Dec 17:00 CET", silence, "We fixed the oven.\nFresh bread is back.", "linkedin",
		"@acme", "Tue 10:00", "low", "refund", "delay",
		`href="` + approveLink + `"`, `href="` + rejectLink + `"`, `href="` + openLink + `"`, `href="` + inboxLink + `"`,
		">Approve</a>", ">Reject</a>",
	} {
		assert.Contains(t, page, want)
	}
}

func TestHostilePreviewTextIsInertInHTML(t *testing.T) {
	n := notice(api.NoticeRequested, 0)
	n.Approval.Title = `<b onmouseover="x">Title</b>`
	n.Approval.Fields = append(n.Approval.Fields, preview.Field{Label: "<i>Note</i>", Text: "</td></tr><script>x()</script>"})
	n.Links.Open = "javascript:alert(1)"
	r := render(t, n)

	lower := strings.ToLower(r.HTML)
	for _, never := range []string{"<script", "<img", "<b onmouseover", "<i>note", "javascript:"} {
		assert.NotContains(t, lower, never)
	}
	assert.Contains(t, r.HTML, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;")
	assert.Contains(t, r.HTML, "&lt;b onmouseover=&#34;x&#34;&gt;Title&lt;/b&gt;")
}

func TestTheHTMLPartFetchesNothingAndFitsAPhone(t *testing.T) {
	for _, n := range []notify.Notice{notice(api.NoticeRequested, 0), alertNotice()} {
		r := render(t, n)
		lower := strings.ToLower(r.HTML)
		for _, never := range []string{"<img", "<link", "<style", "<script", "<iframe", "<object", "<video", "url(", "@import"} {
			assert.NotContains(t, lower, never, "%s: no images, stylesheets or third-party requests", n.Kind)
		}
		assert.NotRegexp(t, `<[^>]*\s(src|background)=`, lower)
		assert.Contains(t, r.HTML, `<meta name="viewport" content="width=device-width, initial-scale=1">`)
		// Only max-width may name pixels wider than a 375 px phone.
		for _, m := range regexp.MustCompile(`(?:^|[^-])width:\s*(\d+)px|width="(\d+)"`).FindAllStringSubmatch(r.HTML, -1) {
			t.Errorf("%s: fixed width %q", n.Kind, m[0])
		}
	}
}

func TestDecidedAndExpiredMessagesOfferNoDecision(t *testing.T) {
	for _, tc := range []struct {
		kind, status, by string
		subject, says    string
	}{
		{api.NoticeDecided, api.ApprovalApproved, "dana@acme", "Approved by dana@acme: Week 2's posts for Acme Bäckerei", "Approved by dana@acme on Thu 3 Dec 09:30 CET."},
		{api.NoticeExpired, api.ApprovalExpired, "policy:skip", "Decided by silence (skipped): Week 2's posts for Acme Bäckerei", "Nobody answered by Fri 4 Dec 17:00 CET, so it was skipped."},
	} {
		n := notice(tc.kind, 0)
		n.Approval.Status, n.Approval.DecidedBy, n.Approval.Decided = tc.status, tc.by, "Thu 3 Dec 09:30 CET"
		n.Approval.BySilence = tc.status == api.ApprovalExpired
		r := render(t, n)
		assert.Equal(t, tc.subject, r.Subject(t))
		for _, part := range []string{r.Text, html.UnescapeString(r.HTML)} {
			assert.Contains(t, part, tc.says)
			assert.NotContains(t, part, approveLink)
			assert.NotContains(t, part, rejectLink)
			assert.Contains(t, part, openLink)
			assert.Contains(t, part, inboxLink)
		}
	}
}

func TestMessageIDsFollowTheNoticeAndThreadPerApproval(t *testing.T) {
	request := render(t, notice(api.NoticeRequested, 0))
	again := render(t, notice(api.NoticeRequested, 0))
	reminder := render(t, notice(api.NoticeReminded, 1))
	second := render(t, notice(api.NoticeReminded, 2))

	root := request.Header.Get("Message-ID")
	assert.Regexp(t, `^<thread\.[0-9a-f]{32}@greenlight\.test>$`, root)
	assert.Equal(t, root, again.Header.Get("Message-ID"), "a resend is recognisable")
	assert.Empty(t, request.Header.Get("In-Reply-To"))
	for _, r := range []received{reminder, second} {
		assert.Regexp(t, `^<notice\.[0-9a-f]{32}@greenlight\.test>$`, r.Header.Get("Message-ID"))
		assert.Equal(t, root, r.Header.Get("In-Reply-To"))
		assert.Equal(t, root, r.Header.Get("References"))
	}
	assert.NotEqual(t, reminder.Header.Get("Message-ID"), second.Header.Get("Message-ID"))

	other := notice(api.NoticeRequested, 0)
	other.Recipient.PersonID = "sam"
	assert.NotEqual(t, root, MessageID(other, "greenlight.test"), "each person's thread is their own")
}

func TestMessageRefusesWhatCanNeverBeSent(t *testing.T) {
	bad := notice(api.NoticeRequested, 0)
	bad.Recipient.Address = "not an address"
	_, err := Message(bad, testFrom, "")
	require.Error(t, err)
	assert.True(t, notify.IsPermanent(err))

	_, err = Message(notice(api.NoticeRequested, 0), "nobody", "")
	assert.True(t, notify.IsPermanent(err))

	_, err = Message(notice(api.NoticeRequested, 0), testFrom, "bad domain")
	assert.True(t, notify.IsPermanent(err))

	m, err := Message(notice(api.NoticeRequested, 0), testFrom, "mail.agency.test")
	require.NoError(t, err)
	assert.Contains(t, m.GetMessageID(), "@mail.agency.test>")
}

func TestHostileNamesAndIDsCannotAddHeaders(t *testing.T) {
	n := notice(api.NoticeReminded, 1)
	n.Recipient.Name = "Dana\r\nBcc: everyone@evil.test"
	n.ThreadKey = "c1\r\nBcc: everyone@evil.test"
	n.Approval.Title = "Posts\r\nBcc: everyone@evil.test"
	r := render(t, n)
	assert.Empty(t, r.Header["Bcc"])
	to, err := netmail.ParseAddressList(r.Header.Get("To"))
	require.NoError(t, err)
	require.Len(t, to, 1)
	assert.Equal(t, "dana@acme.test", to[0].Address)
}
