package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sipwatch/sipwatch/capture"
	"github.com/sipwatch/sipwatch/report"
)

// ErrStdinTwice is returned by OpenFiles when "-" is given more than once.
var ErrStdinTwice = errors.New("standard input (-) given twice")

// OpenFiles opens capture files ("-" is stdin, at most once) as one Input,
// merged in timestamp order. The caller closes the returned Source.
func OpenFiles(files []string, stdin io.Reader) (Input, error) {
	srcs := make([]capture.Source, 0, len(files))
	fail := func(err error) (Input, error) {
		for _, s := range srcs {
			s.Close()
		}
		return Input{}, err
	}
	stdinUsed := false
	for _, f := range files {
		var s capture.Source
		var err error
		if f == "-" {
			if stdinUsed {
				return fail(ErrStdinTwice)
			}
			stdinUsed = true
			s, err = capture.NewSource(stdin)
		} else {
			s, err = capture.OpenFile(f)
		}
		if err != nil {
			return fail(fmt.Errorf("cannot read %s: %w", f, err))
		}
		srcs = append(srcs, s)
	}
	if len(srcs) == 0 {
		return Input{}, errors.New("no capture files")
	}
	in := Input{Source: srcs[0], Name: SourceName(files), Files: files}
	if len(srcs) > 1 {
		in.Source = capture.Merge(srcs...)
	}
	return in, nil
}

// SourceName is what the console's header shows for capture files: their
// base names, the first two and a count when there are more than three.
func SourceName(files []string) string {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f)
		if f == "-" {
			names[i] = "stdin"
		}
	}
	if len(names) > 3 {
		return strings.Join(names[:2], ", ") + " +" + strconv.Itoa(len(names)-2) + " more"
	}
	return strings.Join(names, ", ")
}

// ReadFiles reads capture files to their end through a new engine and
// returns the report, as `sipwatch stats` does: the report is complete
// even when the error says a file was cut off.
func ReadFiles(ctx context.Context, cfg Config, files ...string) (report.Report, error) {
	in, err := OpenFiles(files, nil)
	if err != nil {
		return report.Report{}, err
	}
	defer in.Source.Close()
	run := NewRun(New(cfg), in, Options{})
	err = run.Run(ctx)
	return run.Report(), err
}
