# reaptest: see README.md.
GO ?= go

.PHONY: run test bench bench-scale lint repro examples clean-cache

# The main job: the Ginkgo suites over the bundled catalog, a verdict per
# implementation (a buggy one being caught is the green outcome) and the
# reproducer for each caught bug.
# Colour only on a terminal: piped to a file it reads as plain text.
run:
	@color=$$([ -t 1 ] || echo -ginkgo.no-color); \
	echo "$(GO) test ./suites -count=1 -run '^TestSuites$$' -v -ginkgo.label-filter=catalog -ginkgo.silence-skips $$color"; \
	$(GO) test ./suites -count=1 -run '^TestSuites$$' -v -ginkgo.label-filter=catalog -ginkgo.silence-skips $$color

# Every test, under the race detector.
test:
	$(GO) test -race -count=1 -timeout=30m ./...

# The benchmarks behind BENCHMARKS.md, which is regenerated from their
# output by suites/internal/benchmd: throughput and memory on the reference,
# the harness beside its floor, a crowded test binary, the real-time cost of
# a deadlock (by goroutine count) and of a virtual-time hang, isolation,
# automatic point hits, and time-to-detect per buggy implementation,
# reaptest beside the baseline stress loop (suites/bench_test.go,
# suites/baseline_test.go), and the find rates per scenario beside PCT's
# bound and per default check (harness/findrate_test.go; also written into
# README.md's "How schedules are drawn"); then a CPU profile of the
# reference's check.
# The machine is shared: figures are medians over -count runs. About six
# minutes on 2 cores, most of it the baseline sleeping for real, plus the
# find rates: about two and a half minutes for BenchmarkFindRate (a minute
# of it the synthetic races), and 1 to 5 minutes for BenchmarkFindShapes
# (minimizing each check's hang).
BENCH_THROUGHPUT = $(GO) test ./harness -run '^$$' -bench '^Benchmark(CheckReference|RunReference)$$' -benchmem -benchtime=1s -count=6
BENCH_FLOOR      = $(GO) test ./harness -run '^$$' -bench '^Benchmark(FloorReference|Crowded)$$' -benchtime=2x -count=6
BENCH_COST       = $(GO) test ./harness -run '^$$' -bench '^BenchmarkDetect(Deadlock|VirtualHang)$$' -benchtime=20x -count=3
BENCH_POINTS     = $(GO) test ./harness -run '^$$' -bench '^BenchmarkAutoPointHit$$' -benchtime=0.2s -count=6
BENCH_ISOLATION  = $(GO) test ./suites -run '^$$' -bench '^BenchmarkIsolation$$' -benchtime=2x -count=6
BENCH_RECORD     = $(GO) test ./suites -run '^$$' -bench '^BenchmarkProgressRecord$$' -benchmem -benchtime=0.2s -count=6
BENCH_STRESS     = $(GO) test ./suites -run '^$$' -bench '^BenchmarkBaselineReference$$' -benchmem -benchtime=100x
BENCH_DETECT     = $(GO) test ./suites -run '^$$' -bench '^BenchmarkDetect$$/^reaptest$$' -benchtime=1x -timeout=30m -detect.seeds=20
BENCH_BASELINE   = $(GO) test ./suites -run '^$$' -bench '^BenchmarkDetect$$/^baseline$$' -benchtime=1x -timeout=30m -detect.seeds=20 -baseline.budget=10s -baseline.iterations=2000
BENCH_FINDRATE   = $(GO) test ./harness -run '^$$' -bench '^BenchmarkFindRate$$' -benchtime=10000x
BENCH_SHAPES     = $(GO) test ./harness -run '^$$' -bench '^BenchmarkFindShapes$$' -benchtime=20x -timeout=30m
# The scale block of BENCHMARKS.md (children, soak memory, a hostile task,
# the judge), cheap settings: `make bench-scale` runs only these and
# rewrites only that block (benchmd -section scale); `make bench` runs them
# with the rest. The soak's 10^7 scenarios are measured apart (BENCHMARKS.md
# says how), as they take over half an hour.
BENCH_CHILDREN   = $(GO) test ./suites -run '^$$' -bench '^BenchmarkParallelChildren$$' -benchtime=3x -timeout=30m
BENCH_FIRSTFAIL  = $(GO) test ./suites -run '^$$' -bench '^BenchmarkFirstFailureChildren$$' -benchtime=5x -timeout=30m
BENCH_SOAK       = $(GO) test ./harness -run '^$$' -bench '^BenchmarkSoakMemory$$' -benchmem -benchtime=10x -timeout=30m
BENCH_HOSTILE    = $(GO) test ./suites -run '^$$' -bench '^BenchmarkHostileSpin$$' -benchtime=3x -timeout=30m
BENCH_JUDGE      = $(GO) test ./harness -run '^$$' -bench '^BenchmarkJudge$$' -benchmem
BENCH_SCALE = BENCH_CHILDREN BENCH_FIRSTFAIL BENCH_SOAK BENCH_HOSTILE BENCH_JUDGE

BENCH = BENCH_THROUGHPUT BENCH_FLOOR BENCH_COST BENCH_POINTS BENCH_ISOLATION BENCH_RECORD BENCH_STRESS BENCH_DETECT BENCH_BASELINE BENCH_FINDRATE BENCH_SHAPES $(BENCH_SCALE)

bench: SHELL := /bin/bash
bench:
	@start=$$(date +%s); out=$$(mktemp); prof=$$(mktemp -d); status=0; \
	$(foreach v,$(BENCH),echo "+ $($(v))"; echo "load average: $$(cut -d' ' -f1-3 /proc/loadavg)" >> "$$out"; $($(v)) 2>&1 | tee -a "$$out"; [ $${PIPESTATUS[0]} -eq 0 ] || status=1;) \
	echo "+ CPU profile of BenchmarkCheckReference"; \
	$(GO) test ./harness -run '^$$' -bench '^BenchmarkCheckReference$$' -benchtime=3s -o "$$prof/harness.test" -cpuprofile "$$prof/cpu.prof" >/dev/null && \
	{ $(GO) tool pprof -top -cum -nodecount=45 "$$prof/harness.test" "$$prof/cpu.prof" 2>/dev/null | sed -n '/^Showing nodes/,$$p'; echo; \
	  $(GO) tool pprof -top -nodecount=20 "$$prof/harness.test" "$$prof/cpu.prof" 2>/dev/null | sed -n '/^Showing nodes/,$$p'; } > "$$prof/top.txt" || status=1; \
	$(GO) run ./suites/internal/benchmd -in "$$out" -out BENCHMARKS.md -readme README.md -elapsed $$(( $$(date +%s) - start )) -profile "$$prof/top.txt" \
		$(foreach v,$(BENCH),-cmd "$($(v))") || status=1; \
	rm -rf "$$out" "$$prof"; exit $$status

bench-scale: SHELL := /bin/bash
bench-scale:
	@out=$$(mktemp); status=0; \
	$(foreach v,$(BENCH_SCALE),echo "+ $($(v))"; echo "load average: $$(cut -d' ' -f1-3 /proc/loadavg)" >> "$$out"; $($(v)) 2>&1 | tee -a "$$out"; [ $${PIPESTATUS[0]} -eq 0 ] || status=1;) \
	$(GO) run ./suites/internal/benchmd -section scale -in "$$out" -out BENCHMARKS.md \
		$(foreach v,$(BENCH_SCALE),-cmd "$($(v))") || status=1; \
	rm -f "$$out"; exit $$status

# Replay one scenario file against one catalog entry, e.g.
#   make repro IMPL=check-then-act SCENARIO=testdata/reaptest/check-then-act/<file> REPEAT=100
# SCENARIO is relative to suites/; REPEAT replays until it fails. It prints
# the report (README.md, "Reading a report"; TestMakeRepro checks it);
# colour only on a terminal, as for run.
repro:
	@test -n "$(IMPL)" -a -n "$(SCENARIO)" || { echo "usage: make repro IMPL=<catalog entry> SCENARIO=<file under suites/> [REPEAT=n]"; exit 2; }
	@color=$$([ -t 1 ] || echo -ginkgo.no-color); \
	echo "REAPTEST_REPLAY=$(SCENARIO) REAPTEST_REPEAT=$(or $(REPEAT),1) $(GO) test ./suites -count=1 -v -run '^TestSuites$$' -ginkgo.v -ginkgo.focus 'catalog $(IMPL) (is|passes)' $$color"; \
	REAPTEST_REPLAY=$(SCENARIO) REAPTEST_REPEAT=$(or $(REPEAT),1) $(GO) test ./suites -count=1 -v -run '^TestSuites$$' -ginkgo.v -ginkgo.focus 'catalog $(IMPL) (is|passes)' $$color

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) mod tidy -diff
	@# The examples' go.mod require the main module (replace ../..): a change
	@# to its dependencies can leave them untidy.
	@set -e; for m in $(EXAMPLES); do echo "(cd $$m && $(GO) mod tidy -diff)"; (cd $$m && $(GO) mod tidy -diff); done

# The examples: separate modules under examples/, each with its own go.mod
# (so the main module's dependencies stay its four), that plug real code
# into reaptest. Each is vetted, checked tidy and tested, verbose so that
# what it found is printed.
EXAMPLES = $(patsubst %/go.mod,%,$(wildcard examples/*/go.mod))

examples:
	@set -e; for m in $(EXAMPLES); do \
		echo "+ cd $$m && $(GO) vet ./... && $(GO) mod tidy -diff && $(GO) test -race -count=1 -v ./..."; \
		(cd $$m && $(GO) vet ./... && $(GO) mod tidy -diff && $(GO) test -race -count=1 -v ./...); \
	done

# Empty reaptest's cache of instrumented test binaries (~/.cache/reaptest
# on Linux, and the fallback $TMPDIR/reaptest-<uid>); the next check
# rebuilds what it needs. The cache keeps itself under REAPTEST_CACHESIZE
# (default 400MB) on its own.
clean-cache:
	$(GO) run ./internal/instrument/cleancache
