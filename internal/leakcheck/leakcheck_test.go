package leakcheck

import (
	"slices"
	"sort"
	"testing"

	"go.uber.org/goleak"
)

// A dump with a bubble's goroutines (a task's Wait, the bubble's root)
// and goroutines outside any bubble: only functions that run in a bubble
// and nowhere else are left out.
func TestFunctions(t *testing.T) {
	dump := `goroutine 1 [chan receive]:
testing.(*T).Run(0xc000003a40, {0x6b0f3a?, 0xc000068f00?}, 0x6c8e08)
	/usr/local/go/src/testing/testing.go:1859 +0x431
main.main()
	_testmain.go:47 +0x14

goroutine 21 [chan receive (durable), synctest bubble 3]:
example.com/task.(*T).Wait(0xc0000a2000)
	/src/task/task.go:40 +0x25
sync.(*WaitGroup).Wait(0xc0000a2010)
	/usr/local/go/src/sync/waitgroup.go:118 +0x48
created by example.com/harness.(*run).actor in goroutine 20
	/src/harness/run.go:300 +0x90

goroutine 22 [semacquire]:
sync.(*WaitGroup).Wait(0xc0000b0000)
	/usr/local/go/src/sync/waitgroup.go:118 +0x48
example.com/harness.(*watch).loop(0xc0000b0010)
	/src/harness/watch.go:10 +0x20
`
	inBubble, outside := functions([]byte(dump))
	keys := func(m map[string]bool) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return ks
	}
	if got, want := keys(inBubble), []string{"example.com/task.(*T).Wait", "sync.(*WaitGroup).Wait"}; !slices.Equal(got, want) {
		t.Errorf("in bubbles: %q, want %q", got, want)
	}
	if got, want := keys(outside), []string{"example.com/harness.(*watch).loop", "main.main", "sync.(*WaitGroup).Wait", "testing.(*T).Run"}; !slices.Equal(got, want) {
		t.Errorf("outside: %q, want %q", got, want)
	}
}

// A goroutine left running outside any bubble is still found with the
// options Abandoned returns; once it ends, nothing is.
func TestAbandonedKeepsOthers(t *testing.T) {
	stop, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		<-stop
	}()
	err := goleak.Find(Abandoned()...)
	close(stop)
	<-ended
	if err == nil {
		t.Fatal("a goroutine blocked on a channel outside any bubble was not found")
	}
	if err := goleak.Find(Abandoned()...); err != nil {
		t.Fatalf("after it ended: %v", err)
	}
}
