package archtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/sipwatch/sipwatch"

// packetLibraries are the imports that read or decode packets. The packages
// downstream of the decoder are fed and must build without them.
var packetLibraries = []string{
	"github.com/gopacket/",
	"github.com/klauspost/compress",
	"golang.org/x/net/bpf",
	module + "/capture",
	module + "/engine",
}

// leaves are the project's packages that depend on the standard library
// only; the other standard-library-only packages may import them.
var leaves = []string{"packet", "safetext", "parse"}

// TestDependencyRules checks the one-way flow with `go list -deps`: parse,
// stats, track, report and the console import no packet library (nor the
// capture or engine packages), packet imports only the standard library,
// and nothing imports cmd/sipwatch.
func TestDependencyRules(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	rules := []struct {
		pkg       string
		forbidden []string
		stdOnly   bool
	}{
		{pkg: "packet", stdOnly: true},
		{pkg: "safetext", stdOnly: true},
		{pkg: "parse", stdOnly: true},
		{pkg: "explain", stdOnly: true},
		{pkg: "stats", forbidden: packetLibraries},
		{pkg: "track", forbidden: packetLibraries},
		{pkg: "report", forbidden: packetLibraries},
		{pkg: "tui", forbidden: packetLibraries},
	}
	for _, r := range rules {
		t.Run(r.pkg, func(t *testing.T) {
			deps := goList(t, "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", module+"/"+r.pkg)
			for _, d := range deps {
				if d == module+"/"+r.pkg {
					continue
				}
				if r.stdOnly && !strings.HasPrefix(d, module+"/") {
					t.Errorf("%s imports %s; it may import only the standard library", r.pkg, d)
				}
				if r.stdOnly && strings.HasPrefix(d, module+"/") && !slices.Contains(leaves, strings.TrimPrefix(d, module+"/")) {
					t.Errorf("%s imports %s; it may import only the standard-library leaves %v", r.pkg, d, leaves)
				}
				for _, f := range r.forbidden {
					if strings.HasPrefix(d, f) {
						t.Errorf("%s depends on %s (through its imports): it must be fed, not read packets", r.pkg, d)
					}
				}
			}
		})
	}
	for _, line := range goList(t, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"/...") {
		pkg, imports, _ := strings.Cut(line, " ")
		for _, imp := range strings.Fields(imports) {
			if imp == module+"/cmd/sipwatch" {
				t.Errorf("%s imports cmd/sipwatch", pkg)
			}
		}
	}
}

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	var lines []string
	for l := range strings.Lines(string(out)) {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestNoExecutablesTracked fails when git tracks a compiled program (ELF,
// Mach-O, PE or a Go test binary) or a file with the executable bit that is
// not a script with a #! line.
func TestNoExecutablesTracked(t *testing.T) {
	root := repoRoot(t)
	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		t.Skip("not a git checkout")
	}
	out, err := exec.Command("git", "-C", root, "ls-files", "-s").Output()
	if err != nil {
		t.Skipf("git ls-files: %v", err)
	}
	magics := [][]byte{
		{0x7f, 'E', 'L', 'F'},
		{0xcf, 0xfa, 0xed, 0xfe}, {0xce, 0xfa, 0xed, 0xfe}, {0xca, 0xfe, 0xba, 0xbe}, // Mach-O
		{'M', 'Z'}, // PE
	}
	for line := range strings.Lines(string(out)) {
		// "<mode> <object> <stage>\t<path>"
		meta, path, ok := strings.Cut(strings.TrimRight(line, "\n"), "\t")
		if !ok {
			continue
		}
		mode := strings.Fields(meta)[0]
		f, err := os.Open(filepath.Join(root, path))
		if err != nil {
			continue // deleted in the work tree
		}
		head := make([]byte, 4)
		n, _ := f.Read(head)
		f.Close()
		head = head[:n]
		for _, m := range magics {
			if bytes.HasPrefix(head, m) {
				t.Errorf("%s is a compiled program; build outputs are never committed", path)
			}
		}
		if mode == "100755" && !bytes.HasPrefix(head, []byte("#!")) {
			t.Errorf("%s is executable but not a script", path)
		}
	}
}
