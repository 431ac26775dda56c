package drivers

import (
	"errors"
	"fmt"
)

// UnsupportedError reports a policy asking for arithmetic the hardware does
// not implement (a requantization mode, an accumulator, a depthwise path).
// It is a finding about the pair, not a fault: a sweep records the cell as
// one that cannot run, and does not count it as failed.
type UnsupportedError struct{ msg string }

func (e *UnsupportedError) Error() string { return e.msg }

func unsupported(format string, args ...any) error {
	return &UnsupportedError{fmt.Sprintf(format, args...)}
}

// IsUnsupported reports whether err says that a policy asks for what the
// hardware does not implement.
func IsUnsupported(err error) bool {
	var u *UnsupportedError
	return errors.As(err, &u)
}
