# reaptest: see README.md.
GO ?= go

.PHONY: run test bench lint

# The main job: the Ginkgo suites over the bundled catalog, a verdict per
# implementation (a buggy one being caught is the green outcome) and the
# reproducer for each caught bug.
run:
	$(GO) test ./suites -count=1 -run '^TestSuites$$' -v -ginkgo.label-filter=catalog

# Every test, under the race detector.
test:
	$(GO) test -race -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) mod tidy -diff
