package server

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/greenlight/greenlight/store"
)

// TestUnknownFieldsArePlaced: an unknown field is named with its line and
// column, the place of its key and not of a value that happens to say the same.
func TestUnknownFieldsArePlaced(t *testing.T) {
	type inner struct {
		A string `json:"a"`
	}
	type req struct {
		Decision string         `json:"decision"`
		Comment  string         `json:"comment"`
		Inner    inner          `json:"inner"`
		List     []inner        `json:"list"`
		Free     map[string]any `json:"free"`
	}
	for name, tc := range map[string]struct{ body, want string }{
		"top level":                      {`{"decision":"approve","colour":"red"}`, `line 1, column 23: unknown field "colour"`},
		"after a value of the same text": {"{\"comment\":\"colour\",\n  \"colour\":1}", `line 2, column 3: unknown field "colour"`},
		"nested":                         {"{\"inner\":{\"a\":\"x\",\n\"b\":2}}", `line 2, column 1: unknown field "b"`},
		"in a list":                      {`{"list":[{"a":"x"},{"zz":1}]}`, `line 1, column 21: unknown field "zz"`},
		"after a free object":            {`{"free":{"colour":1},"colour":2}`, `line 1, column 22: unknown field "colour"`},
	} {
		t.Run(name, func(t *testing.T) {
			var v req
			dec := json.NewDecoder(strings.NewReader(tc.body))
			dec.DisallowUnknownFields()
			err := dec.Decode(&v)
			assert.Contains(t, describeJSONError([]byte(tc.body), &v, err), tc.want)
		})
	}
}

// TestMissingPlaybookSaysWhereToLook: each way a playbook is missing reads in
// the API's words, and stays a store.ErrNotFound for the code that sorts it.
func TestMissingPlaybookSaysWhereToLook(t *testing.T) {
	for _, tc := range []struct {
		e    missingPlaybook
		want string
	}{
		{missingPlaybook{name: "nope"}, `no playbook named "nope"; see GET /v1/playbooks`},
		{missingPlaybook{name: "a b", version: 3}, `playbook "a b" has no version 3; see GET /v1/playbooks/a%20b`},
		{missingPlaybook{name: "fast", client: "acme"}, `no playbook named "fast" for client acme; see GET /v1/playbooks`},
	} {
		tc.e.err = store.ErrNotFound
		assert.Equal(t, tc.want, tc.e.message())
		assert.ErrorIs(t, &tc.e, store.ErrNotFound)
	}
}
