package preview

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
)

// ErrNoPosts is returned for edits of an approval whose preview has no posts.
var ErrNoPosts = errors.New("the preview has no posts to edit")

// PostEdits turns new texts for some of the preview's posts (by index) into a
// decision's edits, in the shape the workflow merges into the preview: top-level
// keys replace the preview's. So the edits carry the whole "posts" list, each
// post as it was (its platform, id, topic…) with the new text. It returns nil
// when no text changed, so an untouched form records no edits.
func PostEdits(preview json.RawMessage, texts map[int]string) (map[string]any, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	var fields map[string]any
	if err := json.Unmarshal(preview, &fields); err != nil {
		return nil, ErrNoPosts
	}
	list, ok := fields["posts"].([]any)
	if _, readable := postsOf(fields["posts"]); !ok || !readable {
		return nil, ErrNoPosts
	}
	for i := range texts {
		if i < 0 || i >= len(list) {
			return nil, fmt.Errorf("post %d: the preview has %d posts", i+1, len(list))
		}
	}
	out := make([]any, len(list))
	changed := false
	for i, e := range list {
		out[i] = e
		text, edited := texts[i]
		if !edited {
			continue
		}
		switch e := e.(type) {
		case string:
			if text != e {
				out[i], changed = text, true
			}
		case map[string]any:
			if text != textOf(e["text"]) {
				post := maps.Clone(e)
				post["text"] = text
				out[i], changed = post, true
			}
		}
	}
	if !changed {
		return nil, nil
	}
	return map[string]any{"posts": out}, nil
}
