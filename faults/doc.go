// Package faults is reaptest's fault model: what the real world does to a
// task's exit path, as plain data, plus the pieces that act it out inside a
// scenario.
//
// The data — [Plan], [ExitPlan], [SignalPlan], [Delivery], [PointFault],
// [FailFault], [Ctx] — is drawn by the scenario generator before any goroutine starts, so
// that shrinking and replay see the same faults. The actors — [Process], the
// simulated process a task supervises, [Points], the injector behind
// harness.Env.Point, and [Fails], the one behind harness.Env.Fail — carry the plan out on the harness's virtual clock.
//
// Fault-point delays are scheduler yields, not sleeps: a goroutine that
// sleeps in virtual time while holding a sync.Mutex would freeze a
// testing/synctest bubble (time advances only when every goroutine is
// durably blocked, and a goroutine waiting for a mutex is not). Delays that
// must pass virtual time are placed where no lock of the implementation is
// held: before calls ([Ctx], call delays) and between an exit and its
// deliveries.
package faults
