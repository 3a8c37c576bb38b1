package server

import (
	"context"
	"fmt"
)

// Teams: a token, a person and an account each name at most one team (a team
// id has teamPattern's shape). Only admins set the team of a token or a
// person, since a team decides which accounts a campaign may act on.

// teamProblem says why team, which is not "", is not a team id.
func teamProblem(team string) string {
	return fmt.Sprintf("%q is not a team id: 1-64 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit (e.g. team-x)", team)
}

// teamChangeError refuses to set or change a person's team for a caller that
// is not an admin (403): whoever could, could move a person, and the person's
// tokens, onto another team's accounts.
type teamChangeError struct {
	person, from, to string
}

func (e *teamChangeError) Error() string {
	if e.from == "" {
		return fmt.Sprintf("only an admin puts a person in a team; leave team out (%s is in none)", e.person)
	}
	return fmt.Sprintf("only an admin changes a person's team; %s is in %s: send \"team\": %q to keep it", e.person, e.from, e.from)
}

// teamChange is the refusal of moving person from team from to team to, or
// nil when the caller may (an admin, or anyone when auth is off) or the team
// stays.
func teamChange(ctx context.Context, person, from, to string) error {
	who := callerOf(ctx)
	if from == to || who == nil || who.admin() {
		return nil
	}
	return &teamChangeError{person: person, from: from, to: to}
}
