package slack

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/slack-go/slack"

	"github.com/greenlight/greenlight/api"
)

// Interaction is one click on an approval message's Approve or Reject button.
// UserID and TeamID say who clicked, as Slack signed them; the caller maps
// them to a person and never takes identity from anything else in the payload.
type Interaction struct {
	UserID      string
	TeamID      string
	ActionID    string // ActionApprove or ActionReject
	Decision    string // api.DecisionApprove or api.DecisionReject
	ApprovalID  string // the button's value
	ResponseURL string // where Respond answers this click
	ChannelID   string
	MessageTS   string
}

// ErrNotADecision is a click that decides nothing: the Open button, which
// Slack reports too although it only opens a page. Answer it 200 and do
// nothing else.
var ErrNotADecision = errors.New("slack: the interaction opens a page and decides nothing")

// ParseInteraction reads a verified interaction request body: the form field
// payload holding a block_actions payload with one click on Approve or
// Reject. Anything else is refused with an error saying what was wrong.
func ParseInteraction(body []byte) (Interaction, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return Interaction{}, fmt.Errorf("slack: interaction body is not a form: %w", err)
	}
	raw := form["payload"]
	if len(raw) != 1 {
		return Interaction{}, fmt.Errorf("slack: interaction body needs one payload field, has %d", len(raw))
	}
	var p slack.InteractionCallback
	if err := json.Unmarshal([]byte(raw[0]), &p); err != nil {
		return Interaction{}, fmt.Errorf("slack: interaction payload is not valid JSON: %w", err)
	}
	if p.Type != slack.InteractionTypeBlockActions {
		return Interaction{}, fmt.Errorf("slack: interaction type %q is not block_actions", p.Type)
	}
	acts := p.ActionCallback.BlockActions
	if len(acts) != 1 {
		return Interaction{}, fmt.Errorf("slack: a click carries one action, this carries %d", len(acts))
	}
	act := acts[0]
	in := Interaction{
		UserID: p.User.ID, TeamID: p.Team.ID, ActionID: act.ActionID, ApprovalID: act.Value,
		ResponseURL: p.ResponseURL, ChannelID: p.Container.ChannelID, MessageTS: p.Container.MessageTs,
	}
	if in.TeamID == "" {
		in.TeamID = p.User.TeamID
	}
	if in.ChannelID == "" {
		in.ChannelID = p.Channel.ID
	}
	if in.MessageTS == "" {
		in.MessageTS = p.Message.Timestamp
	}
	switch act.ActionID {
	case ActionApprove:
		in.Decision = api.DecisionApprove
	case ActionReject:
		in.Decision = api.DecisionReject
	case ActionOpen:
		return in, ErrNotADecision
	default:
		return Interaction{}, fmt.Errorf("slack: action %q is not one of Greenlight's buttons", act.ActionID)
	}
	switch {
	case in.UserID == "":
		return Interaction{}, errors.New("slack: interaction names no user")
	case in.TeamID == "":
		return Interaction{}, errors.New("slack: interaction names no team")
	case in.ApprovalID == "":
		return Interaction{}, errors.New("slack: the button carries no approval id")
	}
	return in, nil
}
