package suites

import (
	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/plumb"
)

// hx is what package harness hands to this package and not to users:
// reading options, the progress and heartbeat options a supervisor sets,
// and the pieces of the reports it builds (see internal/plumb).
var hx = plumb.Get[harness.Option, *harness.Result, *harness.Violation]()
