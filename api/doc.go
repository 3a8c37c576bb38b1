// Package api holds the words and shapes every part of Greenlight shares: the
// statuses of campaigns, steps and approvals, decisions, channels, ids, and the
// JSON the HTTP API answers with (which is also what the campaign workflow's
// status query returns). It holds no behaviour beyond parsing its own values,
// so the store, the workflows, the server and the CLI can all import it without
// importing each other.
//
// The Temporal contract (task queue, signal, query and update names, the
// workflow's input and payloads) stays beside the workflow, in package
// workflows.
package api
