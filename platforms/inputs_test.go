package platforms

import (
	"reflect"
	"testing"
)

func TestInputPostTexts(t *testing.T) {
	got, err := InputPostTexts(map[string]any{"count": float64(2), "posts": []any{
		map[string]any{"text": "New bread", "url": "https://acme.example/bread"},
		"Plain text",
		map[string]any{"text": "See https://acme.example/x", "url": "https://acme.example/x"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"New bread\n\nhttps://acme.example/bread", "Plain text"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("texts = %q, want %q (the link follows its text; count bounds them)", got, want)
	}
	if _, err := InputPostTexts(map[string]any{}); err == nil {
		t.Error("no posts accepted")
	}
	if _, err := InputPostTexts(map[string]any{"posts": []any{map[string]any{"text": " "}}}); err == nil || err.Error() != "publish_posts: post 0 has no text" {
		t.Errorf("err = %v", err)
	}
}
