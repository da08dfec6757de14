# sipvet — developer targets. `make test` is what CI runs (see .ci/run).
GO        ?= go
FUZZTIME  ?= 4s
STATICCHECK ?= $(shell command -v staticcheck 2>/dev/null || echo $$($(GO) env GOPATH)/bin/staticcheck)

.PHONY: all build test lint unit fuzz-smoke bench bench-peers demo clean

all: build

build:
	$(GO) build -o bin/sipvet ./cmd/sipvet

## test: formatting, vet, staticcheck, every unit/integration test, then a short fuzz run of every fuzz target
test: lint unit fuzz-smoke

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

unit:
	$(GO) test -count=1 -timeout 25m ./...

fuzz-smoke:
	FUZZTIME=$(FUZZTIME) scripts/fuzz-smoke.sh

## bench: Go benchmarks (side-by-side peer benchmarks live in scripts/bench-peers.sh)
bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...

## bench-peers: side-by-side peer benchmarks (svwar vs sipvet enum on kamailio; not run in CI)
bench-peers:
	scripts/bench-enum.sh

demo:
	$(GO) run ./cmd/sipvet demo

clean:
	rm -rf bin sipvet-report.html sipvet-report.json
