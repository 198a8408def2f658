// Package scenarios describes what happens to one task: the world's faults
// (a faults.Plan) and the clients' calls ([Actor], [Call]), as plain data.
//
//   - [Scenario] and its String form, one fact a line, as reports print it.
//   - [Gen] draws scenarios with rapid, every choice before anything runs,
//     so that shrinking and replay see the same scenario.
//   - [Named] are hand-written scenarios for the situations of the fault
//     model (a lost exit, a duplicate exit, an exit after Delete, ...):
//     the harness runs them before it explores.
package scenarios
