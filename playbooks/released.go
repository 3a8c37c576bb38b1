package playbooks

import (
	"crypto/sha256"
	"encoding/hex"
)

// releasedBeforeMentions are the sha256 digests of the built-in versions
// released before the rule that a mention is answered only on a person's yes
// or a routine classification (validate_mentions.go). They ship byte for byte
// (TestBuiltinVersionsNeverChange), campaigns may still be launched with them
// and stored databases hold them, so they keep loading under the rules they
// shipped with. Any other playbook, a changed copy of one of them included,
// meets the rule.
//
// crisis-triage v1 answers a mention automatically when classify_mention says
// "low"; the classifier no longer says it, so every mention of a v1 campaign
// now waits at its decide step, whose silence escalates and then rejects.
var releasedBeforeMentions = map[string]string{
	"07405729f6f523b67e5a12a83e29a505503970fd08fb357c2fbde818fe30d65b": "crisis-triage v1",
}

// releasedBeforeMentionRule reports whether src is one of those versions.
func releasedBeforeMentionRule(src []byte) bool {
	sum := sha256.Sum256(src)
	_, ok := releasedBeforeMentions[hex.EncodeToString(sum[:])]
	return ok
}
