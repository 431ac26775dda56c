//go:build js && wasm

// Command wasm is the classroom page's arithmetic: npusim's own Go code,
// compiled to WebAssembly (GOOS=js GOARCH=wasm), exposed to the page's
// JavaScript as functions of a global npusim object. Each takes and returns
// JSON text; a result is {"value": ...} or {"error": "field: what is wrong"}.
//
//	npusim.defaults()        the forms' starting values and the choices offered
//	npusim.mul(form)         panel 1 (classroom.MulForm -> classroom.MulView)
//	npusim.sweep(form, n)    panel 1's slider (classroom.OutScaleSweep)
//	npusim.array(request)    panel 2 (classroom.ArrayRequest -> classroom.ArrayView)
//	npusim.downsample(bits)  a 32 x 32 drawing -> the 8 x 8 image
//	npusim.phones(request)   panel 3 (classroom.PhonesRequest -> classroom.PhonesView)
//
// npusim classroom builds it; the page loads it with Go's wasm_exec.js.
package main

import (
	"encoding/json"
	"errors"
	"syscall/js"

	"github.com/npusim/npusim/cmd/npusim/internal/classroom"
)

func main() {
	api := js.Global().Get("Object").New()
	api.Set("defaults", handler(func(js.Value, []js.Value) (any, error) { return classroom.Defaults(), nil }))
	api.Set("mul", jsonHandler(func(f classroom.MulForm) (any, error) {
		in, err := f.Inputs()
		if err != nil {
			return nil, err
		}
		return classroom.Mul(in)
	}))
	api.Set("sweep", handler(func(_ js.Value, args []js.Value) (any, error) {
		var f classroom.MulForm
		if err := decode(args, &f); err != nil {
			return nil, err
		}
		in, err := f.Inputs()
		if err != nil {
			return nil, err
		}
		return classroom.SweepOutScale(in, args[1].Int())
	}))
	api.Set("array", jsonHandler(classroom.Animate))
	api.Set("phones", jsonHandler(classroom.Phones))
	api.Set("downsample", jsonHandler(func(bits []bool) (any, error) { return classroom.DownsampleDrawing(bits) }))
	js.Global().Set("npusim", api)
	js.Global().Call("dispatchEvent", js.Global().Get("Event").New("npusim-ready"))
	select {} // keep the functions alive
}

// jsonHandler wraps a function of one JSON argument.
func jsonHandler[T, R any](f func(T) (R, error)) js.Func {
	return handler(func(_ js.Value, args []js.Value) (any, error) {
		var req T
		if err := decode(args, &req); err != nil {
			return nil, err
		}
		return f(req)
	})
}

func decode(args []js.Value, v any) error {
	if len(args) == 0 {
		return errNoArgument
	}
	return json.Unmarshal([]byte(args[0].String()), v)
}

var errNoArgument = errors.New("missing argument")

// handler wraps a function as a JavaScript function returning the JSON
// envelope.
func handler(f func(js.Value, []js.Value) (any, error)) js.Func {
	return js.FuncOf(func(this js.Value, args []js.Value) any {
		value, err := f(this, args)
		var out []byte
		if err != nil {
			out, _ = json.Marshal(map[string]string{"error": err.Error()})
		} else if out, err = json.Marshal(map[string]any{"value": value}); err != nil {
			out, _ = json.Marshal(map[string]string{"error": err.Error()})
		}
		return string(out)
	})
}
