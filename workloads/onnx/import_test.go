package onnx

import (
	"strings"
	"testing"

	pb "github.com/advancedclimatesystems/gonnx/onnx"
	"github.com/npusim/npusim/internal/fuzzcheck"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/zoo"
	"google.golang.org/protobuf/proto"
)

// exported returns a zoo workload's ONNX model, decoded.
func exported(t testing.TB, name string) *pb.ModelProto {
	w, err := zoo.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Export(w.Model)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestImportErrorsNameTheNode breaks exported models in ways npusim cannot
// represent and checks that the error names the node, its op and the
// attribute or input.
func TestImportErrorsNameTheNode(t *testing.T) {
	cases := []struct {
		name    string
		breakIt func(*pb.ModelProto)
		want    string
	}{
		{"group", func(m *pb.ModelProto) { setAttr(m, "QLinearConv", attrInt("group", 2)) }, "(QLinearConv): attribute group: 2"},
		{"unknown attribute", func(m *pb.ModelProto) { setAttr(m, "QLinearConv", attrInt("fancy", 1)) }, "(QLinearConv): attribute fancy: not supported"},
		{"auto_pad", func(m *pb.ModelProto) { setAttr(m, "MaxPool", attrString("auto_pad", "WEIRD")) }, "(MaxPool): attribute auto_pad"},
		{"op", func(m *pb.ModelProto) { m.Graph.Node[1].OpType = "LpPool" }, "(LpPool): op LpPool is not supported"},
		{"ceil", func(m *pb.ModelProto) { setAttr(m, "MaxPool", attrInt("ceil_mode", 1)) }, "(MaxPool): attribute ceil_mode: 1"},
	}
	for _, c := range cases {
		m := exported(t, "digits-cnn")
		c.breakIt(m)
		data, _ := proto.Marshal(m)
		_, err := Unmarshal(data, "broken.onnx")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "node ") {
			t.Errorf("%s: error %v, want one naming the node and containing %q", c.name, err, c.want)
		}
	}
}

func setAttr(m *pb.ModelProto, op string, a *pb.AttributeProto) {
	for _, n := range m.Graph.Node {
		if n.OpType == op {
			for i, x := range n.Attribute {
				if x.Name == a.Name {
					n.Attribute[i] = a
					return
				}
			}
			n.Attribute = append(n.Attribute, a)
			return
		}
	}
}

// FuzzImport feeds arbitrary bytes (seeded with exported zoo models and
// corrupted copies) to the importer: it must return a model that validates
// or an error, and never panic.
func FuzzImport(f *testing.F) {
	for _, name := range []string{"mac2x3", "digits-cnn", "digits-mlp", "rnn-unrolled:steps=2"} {
		data, err := proto.Marshal(exported(f, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzcheck.Small(t)
		var m *workloads.Model
		var err error
		fuzzcheck.Alloc(t, 16<<20+64*uint64(len(data)), func() { m, err = Unmarshal(data, "fuzz.onnx") })
		if err != nil {
			fuzzcheck.Error(t, err, "")
			return
		}
		if verr := m.Validate(); verr != nil {
			t.Fatalf("imported a model that does not validate: %v", verr)
		}
	})
}
