package faults

import "errors"

// ErrInjected is the error every injected failure wraps: errors.Is(err,
// ErrInjected) tells an injected failure from a real one.
var ErrInjected = errors.New("injected failure")

// FailFault makes the Hit-th pass (counted from 1, over the whole task)
// through the fail point Name fail. Hit 0 matches every pass, until the
// harness disarms the faults at teardown.
type FailFault struct {
	Name string
	Hit  int
}
