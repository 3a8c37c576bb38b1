package pages

import "github.com/greenlight/greenlight/preview"

// Approval is one pending approval, opened from a signed link: what is asked,
// the deadline and what silence will do, the votes so far, and a form that
// decides what the link allows.
type Approval struct {
	A        preview.Approval
	Approver string   // who decides, as the link names them
	Choices  []Choice // the buttons, in order; only what the link allows
	Editable bool     // the posts' texts may be edited (the link may approve)
	Texts    []string // each post's text in its textarea
	Edited   []bool   // which posts' editors start open (a refused form's edits)
	Comment  string   // the comment box's text (a refused form's)
	CSRF     string
	MaxPost  int
	Problem  string // why the last post of this form was not taken
	Notice   string // what the link cannot do, and where to go for it
	Expires  string // when the link stops working
	// TimelineURL is a read-only link to the campaign's timeline.
	TimelineURL string
}

// Choice is one decision button.
type Choice struct {
	Decision string // approve | reject
	Label    string
	Primary  bool
}

func (Approval) file() string    { return "approval.html" }
func (p Approval) Title() string { return p.A.Title }

// Done is an approval that needs nothing more from the reader: just decided,
// decided before (by whom, when and how; silence marked as such), or voted on
// by the reader and waiting for others.
type Done struct {
	Heading     string
	A           preview.Approval
	Message     string
	TimelineURL string
	InboxURL    string
}

func (Done) file() string    { return "done.html" }
func (p Done) Title() string { return p.Heading }

// Message is a page that only says something: a link that is not valid, a
// server that cannot help right now.
type Message struct {
	Heading string
	Text    string
	Back    string // a link back, if there is somewhere to go
}

func (Message) file() string    { return "message.html" }
func (p Message) Title() string { return p.Heading }

// Inbox lists the approvals waiting for one person, soonest due first, with a
// form to approve several at once.
type Inbox struct {
	Person  string
	Items   []InboxItem
	CSRF    string
	Notice  string
	Expires string
}

// InboxItem is one approval in an inbox.
type InboxItem struct {
	A           preview.Approval
	URL         string // the approval's own page, through a short-lived link
	TimelineURL string
	Voted       string // set when the person already voted and it waits for others
}

func (Inbox) file() string  { return "inbox.html" }
func (Inbox) Title() string { return "Your approvals" }

// Bulk is what an inbox's bulk approval did, one line per approval.
type Bulk struct {
	Heading  string
	Person   string
	Results  []BulkResult
	InboxURL string
}

// BulkResult is one approval's outcome.
type BulkResult struct {
	ID      string
	Title   string
	Client  string
	Outcome string
	OK      bool
}

func (Bulk) file() string    { return "bulk.html" }
func (p Bulk) Title() string { return p.Heading }

// Timeline is one campaign's steps in order, with its approvals' decisions.
type Timeline struct {
	Heading  string
	ID       string
	Client   string
	Playbook string
	Status   string
	Started  string
	Finished string
	Error    string
	Steps    []Step
	Expires  string
}

// Step is one step of a timeline.
type Step struct {
	Name      string
	Status    string
	Started   string
	Finished  string
	Error     string
	Approvals []preview.Approval
}

func (Timeline) file() string    { return "timeline.html" }
func (p Timeline) Title() string { return p.Heading }

// CodecSession signs a browser in to decode payloads in the Temporal Web UI,
// or says until when it is signed in.
type CodecSession struct {
	SignedIn bool
	Name     string // the token the browser decodes as
	Until    string
	Endpoint string // the codec endpoint to set in the Web UI
	UIURL    string
	Problem  string
}

func (CodecSession) file() string { return "codec.html" }
func (p CodecSession) Title() string {
	if p.SignedIn {
		return "Payload decoding is on"
	}
	return "Decode payloads in the Temporal Web UI"
}
