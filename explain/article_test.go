package explain

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// articlePath is the reference article the product started from, in the
// shared folder beside the repository (../shared/reference from the root).
var articlePath = filepath.Join("..", "..", "shared", "reference", "sip-response-codes-article.txt")

// articleHeading matches the article's code headings: a line that starts with
// a three-digit code and a capitalised word ("503 Service Unavailable").
var articleHeading = regexp.MustCompile(`(?m)^\s*([1-6][0-9][0-9]) +[A-Z]`)

func TestArticleCodesCovered(t *testing.T) {
	text, err := os.ReadFile(articlePath)
	if err != nil {
		t.Skipf("reference article not available (%v); it lives in shared/reference beside the repository", err)
	}
	codes := map[int]bool{}
	for _, m := range articleHeading.FindAllStringSubmatch(string(text), -1) {
		code, _ := strconv.Atoi(m[1])
		codes[code] = true
	}
	if len(codes) < 30 {
		t.Fatalf("found only %d codes in the article; the heading pattern no longer matches it", len(codes))
	}
	for code := range codes {
		e, ok := Lookup(code)
		if !ok {
			t.Errorf("article names %d, which has no catalogue entry", code)
			continue
		}
		if e.Meaning == "" || e.Action == "" {
			t.Errorf("%d: empty meaning or action", code)
		}
	}
	t.Logf("article names %d codes, all covered", len(codes))
}
