// Package faults is reaptest's fault model: what the real world does to a
// task's exit path, as plain data.
//
// A [Plan] says when the process exits by itself ([ExitPlan]), how it takes
// signals ([SignalPlan]), when and with which status the monitor delivers
// its exit, if ever ([Delivery]), where the implementation's statements are
// delayed ([PointFault]) and which fail points fail ([FailFault], wrapping
// [ErrInjected]). A [Ctx] says how a call's context ends. The scenario
// generator draws all of it before any goroutine starts, so that shrinking
// and replay see the same faults, and [Plan.String] prints it in the
// scenario notation that scenarios.Parse reads back.
//
// The harness acts a plan out on its virtual clock with a simulated
// process and the injectors behind harness.Env.Point and harness.Env.Fail.
// They live in an internal package: they are not API.
//
// Fault-point delays are scheduler yields, not sleeps: a goroutine that
// sleeps in virtual time while holding a sync.Mutex would freeze a
// testing/synctest bubble (time advances only when every goroutine is
// durably blocked, and a goroutine waiting for a mutex is not). Delays that
// must pass virtual time are placed where no lock of the implementation is
// held: before calls ([Ctx], call delays) and between an exit and its
// deliveries.
package faults
