# medcode: `make run` builds and runs the main job; `make test` runs the tests.
GO      ?= go
BIN     := bin/medcode
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/medcode/medcode/internal/cli.Version=$(VERSION)

.PHONY: build run test links vet fmt-check bench bench-system fuzz crash-test clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/medcode

# Code the sample note, then start the server on the embedded database.
run: build
	$(BIN) code --format text examples/notes/office-visit.txt
	$(BIN) serve

test: fmt-check vet
	$(GO) test -count=1 ./...

# Links in the checkout to the shared code-set and evaluation data beside
# it. go test's cache re-checks only the files a test reads inside the
# module; through these links (which the tests prefer) a change to the
# shared data re-runs the tests that read it. `make test` runs uncached.
links:
	@for d in data eval-dev; do \
		if [ -e $$d ] || [ -L $$d ]; then echo "$$d exists"; \
		elif [ -d ../shared/$$d ]; then ln -s ../shared/$$d $$d && echo "$$d -> ../shared/$$d"; \
		else echo "no ../shared/$$d beside the checkout"; fi; \
	done

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# The long system checks on PostgreSQL 15 (Debian's, started by the tests):
# two instances, a 20,000-note queued batch with one instance SIGKILLed
# midway (every note recorded once), batch throughput with two instances,
# and POST /api/v1/analyses latency at 64 clients on SQLite and PostgreSQL.
bench-system:
	MEDCODE_SYSTEM_TESTS=1 $(GO) test -count=1 -v -timeout 30m -run 'TestSystem' ./internal/server/
	$(GO) test -count=1 -run '^$$' -bench 'BenchmarkAnalysesAPI64Clients' -benchtime=20000x -timeout 30m ./internal/server/

# Every go test -fuzz target for FUZZ_MINUTES each, one at a time on one
# core; prints per-target executions, coverage growth and new crashers
# (see scripts/fuzz-campaign.sh).
FUZZ_MINUTES ?= 3
fuzz:
	scripts/fuzz-campaign.sh $(FUZZ_MINUTES)

# Crash safety: the real `medcode serve` SIGKILLed 200 times at random
# during mixed writes, on SQLite and on PostgreSQL, the database checked
# after each kill (make test runs 5 kills per database).
CRASH_KILLS ?= 200
crash-test:
	MEDCODE_CRASH_KILLS=$(CRASH_KILLS) $(GO) test -count=1 -v -timeout 4h -run '^TestCrashSafety$$' ./internal/server/

clean:
	rm -rf bin
