package layers

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/npusim/npusim/"

// layer ranks the packages, lowest first; a package not listed has the
// layer of its nearest listed ancestor.
var layer = map[string]int{
	"quant": 0, "internal": 0, "npu/rtl/vcd": 0,
	"reference": 1, "workloads": 1, "npu": 1, "internal/kernels": 1,
	"drivers": 2, "scalesim": 2, "internal/vectors": 2, "workloads/onnx": 2,
	"npu/cp": 2, "npu/dma": 2, "npu/compute": 2, "npu/area": 2,
	"workloads/loader": 3, "npu/platform": 3,
	"sim/experiment": 4,
	"sim/campaign":   5, "sim/demo": 5, "scalesim/compare": 5, "engines": 5,
	"reports": 6,
	"cmd":     7,
}

// rankOf returns a package's layer and the listed ancestor it comes from.
func rankOf(pkg string) (int, string, bool) {
	for p := pkg; p != "."; p = filepath.Dir(p) {
		if r, ok := layer[p]; ok {
			return r, p, true
		}
	}
	return 0, "", false
}

// allowed reports whether pkg may import dep: a package of a lower layer,
// an ancestor of pkg (npu/rtl imports npu), or an internal helper.
func allowed(pkg, dep string) bool {
	if strings.HasPrefix(pkg, dep+"/") || strings.HasPrefix(dep, "internal/") || strings.HasPrefix(dep, pkg+"/internal/") {
		return true
	}
	rp, _, _ := rankOf(pkg)
	rd, _, _ := rankOf(dep)
	return rd < rp
}

func TestImportsGoDown(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(dir string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); dir != root && (strings.HasPrefix(name, ".") || name == "testdata") {
			return filepath.SkipDir
		}
		p, err := build.ImportDir(dir, 0)
		if err != nil {
			return nil // no Go files
		}
		pkg, _ := filepath.Rel(root, dir)
		pkg = filepath.ToSlash(pkg)
		if _, _, ok := rankOf(pkg); !ok {
			t.Errorf("package %s has no layer: add it to the table of this test and of the README", pkg)
			return nil
		}
		checked++
		for _, imp := range p.Imports {
			if dep, ok := strings.CutPrefix(imp, module); ok && !allowed(pkg, dep) {
				t.Errorf("%s imports %s, which is not below it", pkg, dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Errorf("checked %d packages, want the whole module", checked)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Errorf("%s is not the module root: %v", root, err)
	}
}

func TestAllowed(t *testing.T) {
	for _, c := range []struct {
		pkg, dep string
		ok       bool
	}{
		{"npu", "quant", true},
		{"npu/rtl", "npu", true},
		{"npu/rtl", "npu/rtl/vcd", true},
		{"npu/scalesim", "workloads", false}, // where SCALE-Sim lived before
		{"npu", "drivers", false},
		{"workloads", "workloads/zoo", false},
		{"workloads/zoo", "workloads/zoo/internal/train", true},
		{"workloads/cases", "workloads/zoo", false},
		{"workloads/loader", "scalesim", true},
		{"scalesim", "workloads/loader", false},
		{"sim/experiment", "sim/campaign", false},
		{"sim/campaign", "sim/experiment", true},
		{"reports", "cmd/npusim", false},
		{"drivers", "internal/yamlfile", true},
	} {
		if got := allowed(c.pkg, c.dep); got != c.ok {
			t.Errorf("%s may import %s: %v, want %v", c.pkg, c.dep, got, c.ok)
		}
	}
}
