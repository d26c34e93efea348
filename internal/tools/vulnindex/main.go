// Command vulnindex turns the OSV files of the golang.org/x/vulndb module
// (data/osv/*.json, served by the Go module proxy) into a vulnerability
// database in the v1 layout govulncheck reads with -db file:///DIR.
//
// CI cannot reach vuln.go.dev; the module proxy serves the same reports.
// vulndb's own cmd/indexdb does this too but compiles its cloud
// dependencies for a minute; this needs the standard library only.
//
//	go run ./internal/tools/vulnindex -osv $(go mod download -json golang.org/x/vulndb@latest | …)/data/osv -out /tmp/vulndb
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func main() {
	osvDir := flag.String("osv", "", "folder of OSV JSON files (vulndb's data/osv)")
	out := flag.String("out", "", "folder to write the database to")
	flag.Parse()
	if *osvDir == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: vulnindex -osv DIR -out DIR")
		os.Exit(2)
	}
	n, err := build(*osvDir, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulnindex:", err)
		os.Exit(1)
	}
	fmt.Printf("vulnindex: %d reports written to %s\n", n, *out)
}

// entry is the part of an OSV report the index needs.
type entry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
	Affected []struct {
		Package struct {
			Name string `json:"name"` // the module path, or "stdlib" / "toolchain"
		} `json:"package"`
	} `json:"affected"`
}

type modVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
}

type module struct {
	Path  string    `json:"path"`
	Vulns []modVuln `json:"vulns"`
}

type vuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
}

// build copies every report to ID/<id>.json and writes index/db.json,
// index/modules.json and index/vulns.json. The module index leaves out the
// "fixed" hint, so govulncheck always reads the report and decides from
// its full version ranges.
func build(osvDir, out string) (int, error) {
	files, err := filepath.Glob(filepath.Join(osvDir, "*.json"))
	if err != nil {
		return 0, err
	}
	if len(files) == 0 {
		return 0, errors.New("no OSV files in " + osvDir)
	}
	for _, d := range []string{"ID", "index"} {
		if err := os.MkdirAll(filepath.Join(out, d), 0o755); err != nil {
			return 0, err
		}
	}
	mods := map[string][]modVuln{}
	var vulns []vuln
	var newest time.Time
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return 0, err
		}
		var e entry
		if err := json.Unmarshal(raw, &e); err != nil {
			return 0, fmt.Errorf("%s: %w", f, err)
		}
		if e.ID == "" || strings.ContainsAny(e.ID, `/\`) {
			return 0, fmt.Errorf("%s: bad id %q", f, e.ID)
		}
		if err := os.WriteFile(filepath.Join(out, "ID", e.ID+".json"), raw, 0o644); err != nil {
			return 0, err
		}
		vulns = append(vulns, vuln{ID: e.ID, Modified: e.Modified, Aliases: e.Aliases})
		if e.Modified.After(newest) {
			newest = e.Modified
		}
		seen := map[string]bool{}
		for _, a := range e.Affected {
			p := a.Package.Name
			if p == "" || seen[p] {
				continue
			}
			seen[p] = true
			mods[p] = append(mods[p], modVuln{ID: e.ID, Modified: e.Modified})
		}
	}
	var index []module
	for p, vs := range mods {
		index = append(index, module{Path: p, Vulns: vs})
	}
	sort.Slice(index, func(i, j int) bool { return index[i].Path < index[j].Path })
	sort.Slice(vulns, func(i, j int) bool { return vulns[i].ID < vulns[j].ID })
	for name, v := range map[string]any{
		"db.json":      map[string]time.Time{"modified": newest},
		"modules.json": index,
		"vulns.json":   vulns,
	} {
		b, err := json.Marshal(v)
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(filepath.Join(out, "index", name), b, 0o644); err != nil {
			return 0, err
		}
	}
	return len(files), nil
}
