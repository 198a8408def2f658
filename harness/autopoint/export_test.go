package autopoint

// Parked returns the number of goroutines parked in Lock, RLock and their
// kin, in every bubble, and the number of locks they wait for (tests).
var Parked = parkedNow
