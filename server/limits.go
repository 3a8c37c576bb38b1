package server

import "time"

// What one request may carry. Each limit is checked before the work it guards
// (reading, decoding, storing), so a request past it costs the server almost
// nothing: a 100 KB body of nested brackets is refused by a byte scan, never
// decoded. docs/api.md ("Limits") lists them for callers; keep the two in step.
const (
	// maxBody bounds every request body; playbooks are the largest legitimate one.
	maxBody = 1 << 20

	// maxJSONDepth bounds how deeply a JSON body nests arrays and objects. The
	// deepest legitimate body (edits of a preview's posts) nests about 6 levels.
	maxJSONDepth = 32
	// maxJSONValues bounds the values (objects, arrays, strings, numbers,
	// literals) in one JSON body: 1 MiB of `[0,0,…]` would otherwise decode into
	// half a million boxed values. A full bulk decision needs about 800.
	maxJSONValues = 10_000

	// maxFreeformValues and maxFreeformText bound each free-form JSON field of a
	// request (launch `params`, decision `edits`): they travel in workflow input
	// and signals, and so into every replay of the campaign's history. Text is
	// counted in bytes, over strings and object keys.
	maxFreeformValues = 1_000
	maxFreeformText   = 64 << 10

	// maxPersonList bounds each list of a person of the directory: its clients,
	// its approver roles, its channels. Delivery tries every channel in turn.
	maxPersonList = 10
	// maxChannelAddress bounds a channel's address (a webhook URL is the longest).
	maxChannelAddress = 2048

	// maxQueryDuration bounds a duration given in a query parameter (`since`,
	// `until`, `due_before`); an RFC 3339 time reaches further when needed.
	maxQueryDuration = 3650 * 24 * time.Hour
)
