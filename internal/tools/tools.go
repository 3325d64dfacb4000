//go:build tools

// Package tools pins the versions of the development tools that .ci/run
// runs (staticcheck), so `go run honnef.co/go/tools/cmd/staticcheck` uses the
// version in go.mod.
package tools

import (
	_ "honnef.co/go/tools/cmd/staticcheck"
)
