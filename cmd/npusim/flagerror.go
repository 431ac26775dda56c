package main

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// flagError rewrites the flag parser's errors about a value into the
// command line's words: "--samples: 99999999999999999999 is too large for
// this flag", not the conversion function that failed.
func flagError(_ *cobra.Command, err error) error {
	var invalid *pflag.InvalidValueError
	if !errors.As(err, &invalid) {
		return err
	}
	f, value := invalid.GetFlag(), invalid.GetValue()
	var num *strconv.NumError
	want := map[string]string{
		"int": "an integer", "int64": "an integer", "uint64": "a whole number >= 0",
		"float64": "a number", "bool": "true or false", "duration": "a duration such as 90s",
	}[f.Value.Type()]
	switch {
	case errors.As(err, &num) && errors.Is(num.Err, strconv.ErrRange):
		return fmt.Errorf("--%s: %s is out of range for this flag", f.Name, value)
	case want != "":
		return fmt.Errorf("--%s: want %s, got %q", f.Name, want, value)
	}
	return fmt.Errorf("--%s: %q is not a valid value", f.Name, value)
}
