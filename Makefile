# medcode: `make run` builds and runs the main job; `make test` runs the tests.
GO      ?= go
BIN     := bin/medcode
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/medcode/medcode/internal/cli.Version=$(VERSION)

.PHONY: build run test vet fmt-check bench fuzz clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/medcode

# Code the sample note, then start the server on the embedded database.
run: build
	$(BIN) code --format text examples/notes/office-visit.txt
	$(BIN) serve

test: fmt-check vet
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin
