package workflows

import (
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/greenlight/greenlight/api"
)

// Campaigns are searchable in the Temporal Web UI by client, playbook and status
// through these search attributes. `greenlight dev` registers them; on a real
// cluster an operator adds them once (docs/deploy.md), and Greenlight uses them
// only when it finds them registered.
const (
	SearchAttrClient   = "GreenlightClient"
	SearchAttrPlaybook = "GreenlightPlaybook"
	SearchAttrStatus   = "GreenlightStatus"
)

// SearchAttributeTypes is what to register, by name.
var SearchAttributeTypes = map[string]enums.IndexedValueType{
	SearchAttrClient:   enums.INDEXED_VALUE_TYPE_KEYWORD,
	SearchAttrPlaybook: enums.INDEXED_VALUE_TYPE_KEYWORD,
	SearchAttrStatus:   enums.INDEXED_VALUE_TYPE_KEYWORD,
}

// Typed keys for starting and upserting.
var (
	KeyClient   = temporal.NewSearchAttributeKeyKeyword(SearchAttrClient)
	KeyPlaybook = temporal.NewSearchAttributeKeyKeyword(SearchAttrPlaybook)
	KeyStatus   = temporal.NewSearchAttributeKeyKeyword(SearchAttrStatus)
)

// StartSearchAttributes are set when a campaign's workflow starts.
func StartSearchAttributes(client, playbook string) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(KeyClient.ValueSet(client), KeyPlaybook.ValueSet(playbook), KeyStatus.ValueSet(api.StatusRunning))
}

// changeStatusSearchAttribute is the GetVersion change that began keeping the
// status search attribute current; runs recorded before it issue no upserts.
const changeStatusSearchAttribute = "status-search-attribute"

// initSearchStatus decides once per run whether status changes are upserted.
func (r *campaignRun) initSearchStatus(ctx workflow.Context) {
	v := workflow.GetVersion(ctx, changeStatusSearchAttribute, workflow.DefaultVersion, 1)
	r.searchStatus = v >= 1 && r.in.SearchAttributes
	r.searchedStatus = api.StatusRunning
}

// upsertStatus keeps the status search attribute equal to the campaign's status.
func (r *campaignRun) upsertStatus(ctx workflow.Context) {
	if !r.searchStatus || r.view.Status == r.searchedStatus {
		return
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, KeyStatus.ValueSet(r.view.Status)); err != nil {
		workflow.GetLogger(ctx).Warn("could not upsert the status search attribute", "error", err)
		return
	}
	r.searchedStatus = r.view.Status
}
