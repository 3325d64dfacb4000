// Command gencaptures writes the small SIP test captures in testdata/pcaps.
//
// Usage:
//
//	go run ./internal/cmd/gencaptures -out testdata/pcaps
//
// Every capture comes with <name>.expect.json, the counts of what was put
// in it (see pcapgen.Expect), and the directory gets a README.md listing
// each file. The output is byte-for-byte deterministic: fixed seeds, fixed
// timestamps from pcapgen.Epoch. TestGoldenCaptures fails when the committed
// files differ from what this program writes, so change the generator and
// rerun it rather than editing a capture.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/sipwatch/sipwatch/internal/pcapgen"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "gencaptures:", err)
		}
		os.Exit(2)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gencaptures", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		_, _ = fmt.Fprintln(stderr, "usage: gencaptures [-out dir]")
		fs.PrintDefaults()
	}
	out := fs.String("out", "testdata/pcaps", "directory to write the captures into")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	files, err := generateAll()
	if err != nil {
		return err
	}
	total := 0
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(*out, f.name)), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(*out, f.name), f.data, 0o644); err != nil {
			return err
		}
		total += len(f.data)
	}
	_, err = fmt.Fprintf(stdout, "wrote %d files (%d bytes) to %s\n", len(files), total, *out)
	return err
}

// file is one generated output.
type file struct {
	name string
	data []byte
}

// generateAll builds every capture, its expect.json and the README, in a
// fixed order.
func generateAll() ([]file, error) {
	var files []file
	var rows []readmeRow
	for _, cp := range captures() {
		data, exp, err := cp.generate()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cp.name, err)
		}
		files = append(files,
			file{cp.name, data},
			file{expectName(cp.name), exp.JSON()})
		rows = append(rows, readmeRow{cp: cp, size: len(data), expect: exp})
	}
	files = append(files, file{"README.md", readme(rows)})
	return files, nil
}

// expectName returns the name of the counts file beside a capture.
func expectName(capture string) string { return capture + ".expect.json" }

// generate writes the capture into memory and returns its bytes and counts.
func (cp capture) generate() ([]byte, *pcapgen.Expect, error) {
	var buf bytes.Buffer
	c, err := pcapgen.NewCapture(&buf, cp.opts, seedFor(cp.name))
	if err != nil {
		return nil, nil, err
	}
	cp.build(c)
	if err := c.Close(); err != nil {
		return nil, nil, err
	}
	data := buf.Bytes()
	if cp.cut > 0 {
		if cp.cut >= len(data) {
			return nil, nil, errors.New("cut longer than the file")
		}
		data = data[:len(data)-cp.cut]
	}
	if cp.damage != nil {
		if data, err = cp.damage(data, c.Expect); err != nil {
			return nil, nil, err
		}
	}
	return slices.Clip(data), c.Expect, nil
}
