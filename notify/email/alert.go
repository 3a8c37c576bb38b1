package email

import (
	"bytes"
	"fmt"

	"github.com/wneessen/go-mail"

	"github.com/greenlight/greenlight/notify"
)

// HeaderAlert carries an alert's type (api.AlertSpamWave), for mail filters.
const HeaderAlert = "X-Greenlight-Alert"

// alertBody sets the parts of an alert's email: what happened and what to
// do, then the accounts concerned. An alert asks for no decision, so it has
// no deadline, no buttons and no links that act.
func alertBody(m *mail.Msg, n notify.Notice) error {
	a := n.Alert
	m.SetGenHeader(HeaderAlert, a.Type)
	m.SetBodyString(mail.TypeTextPlain, a.PlainText())
	var html bytes.Buffer
	if err := htmlTemplate.Execute(&html, htmlData{Subject: n.Subject(), Alert: a}); err != nil {
		return fmt.Errorf("email: render %s: %w", n.Key, err)
	}
	m.AddAlternativeString(mail.TypeTextHTML, html.String())
	return nil
}
