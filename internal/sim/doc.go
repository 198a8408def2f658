// Package sim acts a [faults.Plan] out inside a scenario, on the harness's
// virtual clock: [Process] is the simulated process a task supervises,
// [Points] the injector behind harness.Env.Point and autopoint's hook,
// [Fails] the one behind harness.Env.Fail, and a [Census] keeps what
// exploration learned about the fault points it reached. It is plumbing of
// reaptest's harness, not API.
package sim
