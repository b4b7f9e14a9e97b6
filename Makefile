# wsconform: see README.md. Targets: test, deps, lint, bench, fuzz, gofuzz, build.
GO       ?= go
FUZZTIME ?= 10s
# go-fuzz target: one of the go-fuzz entry points in fuzz/gofuzz.go
GOFUZZ_TARGET ?= FuzzFrame
GOFUZZ_TIME   ?= 30s
GOFUZZ_PROCS  ?= 2
GOFUZZ_WORKDIR ?= fuzz/testdata/gofuzz/$(GOFUZZ_TARGET)
# seed directory (fuzz/testdata/<dir>) of each go-fuzz entry point
GOFUZZ_SEEDS_FuzzFrame             = frame
GOFUZZ_SEEDS_FuzzUTF8              = utf8
GOFUZZ_SEEDS_FuzzClosePayload      = close_payload
GOFUZZ_SEEDS_FuzzHandshakeRequest  = handshake_request
GOFUZZ_SEEDS_FuzzHandshakeResponse = handshake_response
GOFUZZ_SEEDS_FuzzExtensions        = extensions
BIN      ?= bin

.PHONY: test deps lint fmt staticcheck bench fuzz gofuzz build vet catalogue hostile loadcheck

VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

# One static binary: no cgo, so it runs on any Linux of the same architecture.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(BIN)/wsconform ./cmd/wsconform

vet:
	$(GO) vet ./...
	$(GO) vet -tags gofuzz ./fuzz/

# Node.js (peer servers) and Chromium (browser test) when missing; quiet when present.
deps:
	@bash .ci/deps

test: deps lint
	$(GO) test -race -timeout 15m ./...

lint: fmt vet staticcheck

# Fails on any file gofmt would change.
fmt:
	@files=$$(gofmt -l .); if [ -n "$$files" ]; then echo "gofmt -l: not formatted (run gofmt -w):"; echo "$$files"; exit 1; fi

# Pinned in go.mod (tool directive): honnef.co/go/tools v0.8.2.
staticcheck:
	$(GO) tool staticcheck ./...
	$(GO) tool staticcheck -tags gofuzz ./fuzz/

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./reference/... ./suite/...

# Native fuzzing: every Fuzz* target (./fuzz, and the codec's in ./reference/deflate) for FUZZTIME each.
fuzz:
	@for pkg in ./fuzz ./reference/deflate; do \
		for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$t ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

# go-fuzz (github.com/dvyukov/go-fuzz) on one target for GOFUZZ_TIME. The
# workdir is meant to be committed: TestReplayCorpus replays its corpus and
# crashers. go-fuzz-build is a go.mod tool (instrumented builds import
# go-fuzz-dep, so the module must require go-fuzz); the runner comes from the
# module proxy. The target's seeds are lent to the corpus for the run.
gofuzz:
	$(GO) install github.com/dvyukov/go-fuzz/go-fuzz@latest
	mkdir -p $(BIN) $(GOFUZZ_WORKDIR)/corpus
	cd fuzz && $(GO) tool go-fuzz-build -func $(GOFUZZ_TARGET) -o $(abspath $(BIN))/$(GOFUZZ_TARGET).zip .
	@set -e; w=$(GOFUZZ_WORKDIR); gobin=$$($(GO) env GOBIN); gobin=$${gobin:-$$($(GO) env GOPATH)/bin}; \
	trap 'rm -f "$$w"/corpus/seed-*' EXIT; \
	for f in fuzz/testdata/$(GOFUZZ_SEEDS_$(GOFUZZ_TARGET))/*; do cp "$$f" "$$w/corpus/seed-$${f##*/}"; done; \
	timeout -s INT $(GOFUZZ_TIME) "$$gobin/go-fuzz" -bin $(BIN)/$(GOFUZZ_TARGET).zip -workdir "$$w" -procs $(GOFUZZ_PROCS) \
		|| test $$? -eq 124

# Regenerate the reviewed catalogue golden file after a deliberate change.
catalogue:
	$(GO) test ./cases -run TestCatalogueGolden -update

# The whole catalogue against each hostile server (floods, an endless frame,
# garbage, 5000 close frames, a decompression bomb) with the built command:
# peak RSS and report sizes per run (make test runs a few cases of each).
hostile:
	$(GO) test -run TestHostileCLI -timeout 6h -v ./cmd/wsconform -hostile

# The whole catalogue against the embedded server beside two CPU burners,
# LOADCHECK_RUNS times: every verdict OK or INFORMATIONAL, none NOT RUN;
# logs each run's wall time. Minutes per run, so not part of `make test`.
LOADCHECK_RUNS ?= 1
loadcheck:
	$(GO) test -run '^TestLoadCheck$$' -count 1 -v -timeout 4h ./cmd/wsconform -loadcheck $(LOADCHECK_RUNS)
