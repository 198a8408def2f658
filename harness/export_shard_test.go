package harness

// OnIndex is onIndex, for the tests of the indexed scenario space.
var OnIndex = onIndex
