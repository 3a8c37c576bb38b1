package platforms

import (
	"errors"
	"fmt"
	"strings"
)

// Readers of an action's inputs as connectors get them: decoded from JSON
// ([]any, float64) in a worker, or written as Go values in tests.

// InputString is input k as a string; "" when absent or not a string.
func InputString(in map[string]any, k string) string {
	s, _ := in[k].(string)
	return s
}

// InputStrings is input k as a list of non-empty strings.
func InputStrings(in map[string]any, k string) []string {
	switch v := in[k].(type) {
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// InputLimit is how many of n to act on now: at most the count and the
// daily_cap inputs, when given.
func InputLimit(in map[string]any, n int) int {
	for _, k := range []string{"count", "daily_cap"} {
		if v, ok := inputInt(in[k]); ok && v >= 0 && v < n {
			n = v
		}
	}
	return n
}

func inputInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case float64:
		return int(n), true
	}
	return 0, false
}

// InputPostTexts is publish_posts' posts as the texts to publish, at most
// count and daily_cap of them: a post is its text (with its url after it when
// the text does not carry it already) or a plain string. An empty list, or a
// post with no text, is an error naming it.
func InputPostTexts(in map[string]any) ([]string, error) {
	raw, _ := in["posts"].([]any)
	if len(raw) == 0 {
		return nil, errors.New("publish_posts needs posts, each with text")
	}
	texts := make([]string, len(raw))
	for i, p := range raw {
		switch v := p.(type) {
		case string:
			texts[i] = v
		case map[string]any:
			texts[i], _ = v["text"].(string)
			if link, _ := v["url"].(string); link != "" && !strings.Contains(texts[i], link) {
				texts[i] = strings.TrimSpace(texts[i] + "\n\n" + link)
			}
		}
		if strings.TrimSpace(texts[i]) == "" {
			return nil, fmt.Errorf("publish_posts: post %d has no text", i)
		}
	}
	return texts[:InputLimit(in, len(texts))], nil
}
