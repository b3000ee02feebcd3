package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// version is the release, set at build time with
//
//	go build -ldflags "-X main.version=1.4.0" ./cmd/server
//
// Empty: the module version of the build information ("(devel)" for a
// build from a working tree).
var version string

// versionString describes the binary from its build information.
func versionString() string {
	bi, _ := debug.ReadBuildInfo()
	return describeBuild(version, bi)
}

// describeBuild tells the version (v, or else the module version of the
// build information), the commit it was built from with the commit time
// and whether the tree had uncommitted changes (when the build recorded
// them: `-buildvcs=false` and builds outside a git checkout do not), and
// the Go toolchain. bi may be nil.
func describeBuild(v string, bi *debug.BuildInfo) string {
	if v == "" && bi != nil {
		v = bi.Main.Version
	}
	if v == "" {
		v = "(devel)"
	}
	parts := []string{"segretariato " + v}
	if bi != nil {
		settings := map[string]string{}
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
		if rev := settings["vcs.revision"]; rev != "" {
			vcs := "commit " + rev
			if t := settings["vcs.time"]; t != "" {
				vcs += " of " + t
			}
			if settings["vcs.modified"] == "true" {
				vcs += " with uncommitted changes"
			}
			parts = append(parts, vcs)
		}
	}
	parts = append(parts, runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH)
	return strings.Join(parts, ", ")
}

// runVersion handles `server version` and `server --version`.
func runVersion(_ context.Context, args []string, _ func(string) string, stdout, _ io.Writer) error {
	if asksForHelp(args) {
		_, err := fmt.Fprintln(stdout, "usage: server version (or server --version): print the version and exit")
		return err
	}
	if len(args) > 0 {
		return fmt.Errorf("version takes no arguments")
	}
	_, err := fmt.Fprintln(stdout, versionString())
	return err
}
