package yamlfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

type thing struct {
	Size int `yaml:"size"`
}

var kind = Kind{
	Name:    "thing",
	File:    "thing file",
	Presets: fstest.MapFS{"presets/small.yaml": {Data: []byte("size: 1\n")}, "presets/big.yaml": {Data: []byte("size: 9\n")}},
	Names:   func() []string { return []string{"small", "big"} },
}

// parse decodes a thing, naming the file in errors as the loaders do.
func parse(file string, data []byte) (*thing, error) {
	var t thing
	if err := Decode(data, &t); err != nil {
		return nil, errors.New(file + ": " + err.Error())
	}
	return &t, nil
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	own := filepath.Join(dir, "mine.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(own, []byte("size: 4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("size: 4\ncolour: red\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		nameOrPath string
		size       int
		err        string
	}{
		{"big", 9, ""},
		{own, 4, ""},
		{"huge", 0, "thing huge: no such preset (presets: small, big)"},
		{filepath.Join(dir, "none.yaml"), 0, "thing file " + filepath.Join(dir, "none.yaml") + ": open "},
		{bad, 0, "bad.yaml: colour: unknown field (line 2; the fields are size)"},
	} {
		got, err := Load(kind, c.nameOrPath, parse)
		switch {
		case c.err == "" && (err != nil || got.Size != c.size):
			t.Errorf("%s: %+v, %v; want size %d", c.nameOrPath, got, err, c.size)
		case c.err != "" && (err == nil || !strings.HasPrefix(err.Error(), c.err)):
			t.Errorf("%s: error %v, want one starting %q", c.nameOrPath, err, c.err)
		}
	}
	if got := Presets(kind.Presets); strings.Join(got, ",") != "big,small" {
		t.Errorf("presets %v, want big,small (file-name order)", got)
	}
}
