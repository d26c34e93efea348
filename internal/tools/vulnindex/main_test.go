package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestBuildIndexesEveryAffectedModule(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	reports := map[string]string{
		"GO-2026-0001": `{"id":"GO-2026-0001","modified":"2026-01-02T00:00:00Z","affected":[{"package":{"name":"stdlib"}},{"package":{"name":"stdlib"}}]}`,
		"GO-2026-0002": `{"id":"GO-2026-0002","modified":"2026-03-04T00:00:00Z","aliases":["CVE-1"],"affected":[{"package":{"name":"example.com/m"}},{"package":{"name":"stdlib"}}]}`,
	}
	for id, r := range reports {
		if err := os.WriteFile(filepath.Join(in, id+".json"), []byte(r), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n, err := build(in, out)
	if err != nil || n != 2 {
		t.Fatalf("build = %d, %v", n, err)
	}
	var mods []module
	read(t, filepath.Join(out, "index", "modules.json"), &mods)
	got := map[string]int{}
	for _, m := range mods {
		got[m.Path] = len(m.Vulns)
	}
	if got["stdlib"] != 2 || got["example.com/m"] != 1 || len(got) != 2 {
		t.Errorf("modules.json = %v", got)
	}
	var db map[string]string
	read(t, filepath.Join(out, "index", "db.json"), &db)
	if db["modified"] != "2026-03-04T00:00:00Z" {
		t.Errorf("db.json modified = %q", db["modified"])
	}
	b, err := os.ReadFile(filepath.Join(out, "ID", "GO-2026-0002.json"))
	if err != nil || string(b) != reports["GO-2026-0002"] {
		t.Errorf("report not copied verbatim: %q, %v", b, err)
	}
}

func TestBuildRefusesAnEmptyFolder(t *testing.T) {
	if _, err := build(t.TempDir(), t.TempDir()); err == nil {
		t.Error("an empty folder built a database")
	}
}

func read(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}
