package onnx

import (
	"fmt"
	"slices"

	pb "github.com/advancedclimatesystems/gonnx/onnx"
)

// attrs reads a node's attributes; reading marks them, and check reports
// the first one nobody read, which npusim cannot represent.
type attrs struct {
	byName map[string]*pb.AttributeProto
	read   map[string]bool
}

func nodeAttrs(n *pb.NodeProto) attrs {
	a := attrs{byName: map[string]*pb.AttributeProto{}, read: map[string]bool{}}
	for _, x := range n.Attribute {
		a.byName[x.Name] = x
	}
	return a
}

func (a attrs) get(name string, want pb.AttributeProto_AttributeType) (*pb.AttributeProto, error) {
	a.read[name] = true
	x, ok := a.byName[name]
	if !ok {
		return nil, nil
	}
	if x.Type != want && x.Type != pb.AttributeProto_UNDEFINED {
		return nil, fmt.Errorf("attribute %s: type %v, want %v", name, x.Type, want)
	}
	return x, nil
}

func (a attrs) int(name string, def int64) (int64, error) {
	x, err := a.get(name, pb.AttributeProto_INT)
	if x == nil || err != nil {
		return def, err
	}
	return x.I, nil
}

func (a attrs) ints(name string, def ...int64) ([]int64, error) {
	x, err := a.get(name, pb.AttributeProto_INTS)
	if x == nil || err != nil {
		return def, err
	}
	return x.Ints, nil
}

func (a attrs) float(name string, def float32) (float32, error) {
	x, err := a.get(name, pb.AttributeProto_FLOAT)
	if x == nil || err != nil {
		return def, err
	}
	return x.F, nil
}

func (a attrs) str(name, def string) (string, error) {
	x, err := a.get(name, pb.AttributeProto_STRING)
	if x == nil || err != nil {
		return def, err
	}
	return string(x.S), nil
}

// require reads an integer attribute that must have one of the given values.
func (a attrs) require(name string, def int64, allowed ...int64) error {
	v, err := a.int(name, def)
	if err != nil {
		return err
	}
	if !slices.Contains(allowed, v) {
		return fmt.Errorf("attribute %s: %d not supported (npusim represents %v)", name, v, allowed)
	}
	return nil
}

// check reports an attribute that no reader asked for.
func (a attrs) check() error {
	names := make([]string, 0, len(a.byName))
	for n := range a.byName {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if !a.read[n] {
			return fmt.Errorf("attribute %s: not supported", n)
		}
	}
	return nil
}
