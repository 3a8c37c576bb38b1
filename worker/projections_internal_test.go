package worker

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/activities"
)

// TestProjectionReachesEveryColumn: every field of the payload lands in the row
// of the same name, so a field added to one side and not mapped fails here.
func TestProjectionReachesEveryColumn(t *testing.T) {
	filled := func(v any) {
		rv := reflect.ValueOf(v).Elem()
		for i := range rv.NumField() {
			f := rv.Field(i)
			switch f.Kind() {
			case reflect.String:
				f.SetString(rv.Type().Field(i).Name)
			case reflect.Int, reflect.Int64:
				f.SetInt(int64(i + 1))
			case reflect.Pointer:
				switch f.Type().Elem() {
				case reflect.TypeFor[string]():
					s := rv.Type().Field(i).Name
					f.Set(reflect.ValueOf(&s))
				case reflect.TypeFor[time.Time]():
					at := time.Date(2026, 3, 1, 10, i, 0, 0, time.UTC)
					f.Set(reflect.ValueOf(&at))
				}
			case reflect.Struct:
				if f.Type() == reflect.TypeFor[time.Time]() {
					f.Set(reflect.ValueOf(time.Date(2026, 3, 1, 11, i, 0, 0, time.UTC)))
				}
			}
		}
	}
	var patch activities.CampaignPatch
	var step activities.StepRow
	var appr activities.ApprovalRow
	var vote activities.VoteRow
	var audit activities.AuditRow
	for _, v := range []any{&patch, &step, &appr, &vote, &audit} {
		filled(v)
	}
	p := activities.Projection{CampaignID: "c1", Seq: 7, At: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), Campaign: &patch,
		Steps: []activities.StepRow{step}, Approvals: []activities.ApprovalRow{appr}, Votes: []activities.VoteRow{vote}, Audit: []activities.AuditRow{audit}}

	// The payload crosses the wire as JSON; what arrives is what was sent.
	raw, err := json.Marshal(p)
	require.NoError(t, err)
	var back activities.Projection
	require.NoError(t, json.Unmarshal(raw, &back))
	require.Equal(t, p, back)

	s := projectionRows(back)
	require.Equal(t, "c1", s.CampaignID)
	require.Equal(t, int64(7), s.Seq)
	same := func(from, to any) {
		fv, tv := reflect.ValueOf(from), reflect.ValueOf(to)
		for i := range fv.NumField() {
			name := fv.Type().Field(i).Name
			got := tv.FieldByName(name)
			require.True(t, got.IsValid(), "%s.%s has no column in %s", fv.Type().Name(), name, tv.Type().Name())
			require.Equal(t, fv.Field(i).Interface(), got.Interface(), "%s.%s", fv.Type().Name(), name)
		}
	}
	same(patch, *s.Campaign)
	same(step, s.Steps[0])
	same(appr, s.Approvals[0])
	same(vote, s.Votes[0])
	same(audit, s.Audit[0])
	require.Equal(t, "c1", s.Steps[0].CampaignID)
	require.Equal(t, "c1", s.Approvals[0].CampaignID)
	require.Equal(t, "c1", s.Audit[0].CampaignID)
}
