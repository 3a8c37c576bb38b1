package email

import (
	"context"

	"github.com/greenlight/greenlight/notify"
)

// Sender delivers one notice as email. Errors are classified the notify way:
// notify.IsPermanent for a refusal that retrying cannot fix, anything else
// may be retried.
type Sender interface {
	Send(ctx context.Context, n notify.Notice) (Receipt, error)
}

// Receipt says what was sent.
type Receipt struct {
	MessageID string // with its angle brackets, as in the header
}

var (
	_ Sender = (*SMTP)(nil)
	_ Sender = (*Outbox)(nil)
)
