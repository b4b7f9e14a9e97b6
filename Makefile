# wsconform: see README.md. Targets: test, deps, lint, bench, fuzz, gofuzz, build.
GO       ?= go
FUZZTIME ?= 10s
# go-fuzz target: one of the go-fuzz entry points in fuzz/gofuzz.go
GOFUZZ_TARGET ?= FuzzFrame
GOFUZZ_TIME   ?= 30s
GOFUZZ_PROCS  ?= 2
# seed directory of each go-fuzz entry point
GOFUZZ_SEEDS_FuzzFrame             = fuzz/testdata/frame
GOFUZZ_SEEDS_FuzzUTF8              = fuzz/testdata/utf8
GOFUZZ_SEEDS_FuzzClosePayload      = fuzz/testdata/close_payload
GOFUZZ_SEEDS_FuzzHandshakeRequest  = fuzz/testdata/handshake_request
GOFUZZ_SEEDS_FuzzHandshakeResponse = fuzz/testdata/handshake_response
GOFUZZ_SEEDS_FuzzExtensions        = fuzz/testdata/extensions
# Server targets (in-process harness, fuzz/serverfuzz): the package that
# holds the entry point (fuzz/adapters is a nested module, for the
# third-party libraries) and their common seeds: serverfuzz.Seeds() and
# the catalogue's traffic (TestCatalogueSeeds -update writes both dirs).
SERVERFUZZ_SEEDS = fuzz/serverfuzz/testdata/seeds fuzz/serverfuzz/testdata/catalogue
SERVERFUZZ_TARGETS = FuzzRawReference FuzzRawPlantedClose FuzzRawPlantedClean FuzzRawGorilla FuzzRawCoder FuzzRawGobwas
$(foreach t,FuzzRawReference FuzzRawPlantedClose FuzzRawPlantedClean,$(eval GOFUZZ_PKG_$(t) = fuzz/serverfuzz))
$(foreach t,FuzzRawGorilla FuzzRawCoder FuzzRawGobwas,$(eval GOFUZZ_PKG_$(t) = fuzz/adapters))
$(foreach t,$(SERVERFUZZ_TARGETS),$(eval GOFUZZ_SEEDS_$(t) = $(SERVERFUZZ_SEEDS)))
# The catalogue holds the planted bug's trigger (a one-octet close body):
# that target is to show the engine find it.
GOFUZZ_SEEDS_FuzzRawPlantedClose = fuzz/serverfuzz/testdata/seeds
# net/http pulls in crypto, whose directives go-fuzz-build's rewriting
# misplaces; gobwas/ws has assembly stubs with directives (purego avoids them).
$(foreach t,$(SERVERFUZZ_TARGETS),$(eval GOFUZZ_BUILDFLAGS_$(t) = -tags purego -preserve crypto/internal/fips140/bigmod))
GOFUZZ_PKG       = $(or $(GOFUZZ_PKG_$(GOFUZZ_TARGET)),fuzz)
GOFUZZ_WORKDIR  ?= $(GOFUZZ_PKG)/testdata/gofuzz/$(GOFUZZ_TARGET)
GOFUZZ_ZIP       = $(abspath $(BIN))/$(GOFUZZ_TARGET).zip
BIN      ?= bin

.PHONY: test deps lint fmt staticcheck bench fuzz gofuzz gofuzz-build gofuzz-cluster fuzz-servers fuzz-planted build vet catalogue hostile loadcheck intermediaries

VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

# One static binary: no cgo, so it runs on any Linux of the same architecture.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(BIN)/wsconform ./cmd/wsconform

# fuzz/adapters is a nested module (third-party servers for the in-process
# fuzzing harness): ./... does not reach it, so each target names it.
ADAPTERS = cd fuzz/adapters &&

vet:
	$(GO) vet ./...
	$(GO) vet -tags gofuzz ./fuzz/ ./fuzz/serverfuzz/
	$(ADAPTERS) $(GO) vet ./... && $(GO) vet -tags gofuzz ./...

# Node.js (peer servers) and Chromium (browser test) when missing; quiet when present.
deps:
	@bash .ci/deps

test: deps lint
	$(GO) test -race -timeout 15m ./...
	$(ADAPTERS) $(GO) test -race -timeout 5m ./...

lint: fmt vet staticcheck

# Fails on any file gofmt would change.
fmt:
	@files=$$(gofmt -l .); if [ -n "$$files" ]; then echo "gofmt -l: not formatted (run gofmt -w):"; echo "$$files"; exit 1; fi

# Pinned in go.mod (tool directive): honnef.co/go/tools v0.8.2.
staticcheck:
	$(GO) tool staticcheck ./...
	$(GO) tool staticcheck -tags gofuzz ./fuzz/ ./fuzz/serverfuzz/
	$(ADAPTERS) $(GO) tool staticcheck ./... && $(GO) tool staticcheck -tags gofuzz ./...

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
gofuzz: gofuzz-build
	@set -e; w=$(GOFUZZ_WORKDIR); gobin=$$($(GO) env GOBIN); gobin=$${gobin:-$$($(GO) env GOPATH)/bin}; \
	mkdir -p "$$w/corpus"; trap 'rm -f "$$w"/corpus/seed-*' EXIT; \
	for d in $(GOFUZZ_SEEDS_$(GOFUZZ_TARGET)); do for f in "$$d"/*; do cp "$$f" "$$w/corpus/seed-$${f##*/}"; done; done; \
	timeout -s INT $(GOFUZZ_TIME) "$$gobin/go-fuzz" -bin $(GOFUZZ_ZIP) -workdir "$$w" -procs $(GOFUZZ_PROCS) \
		|| test $$? -eq 124

# The instrumented zip of GOFUZZ_TARGET (minutes for the server targets).
gofuzz-build:
	$(GO) install github.com/dvyukov/go-fuzz/go-fuzz@latest
	mkdir -p $(BIN)
	cd $(GOFUZZ_PKG) && $(GO) tool go-fuzz-build $(GOFUZZ_BUILDFLAGS_$(GOFUZZ_TARGET)) -func $(GOFUZZ_TARGET) -o $(GOFUZZ_ZIP) .

# go-fuzz's distributed mode on loopback: one coordinator (owning the
# workdir) and two worker processes of GOFUZZ_PROCS each, for GOFUZZ_TIME.
# On several machines, see README ("Fuzz your own server").
gofuzz-cluster: gofuzz-build
	GO=$(GO) bash fuzz/serverfuzz/gofuzz-cluster.sh $(GOFUZZ_ZIP) $(GOFUZZ_WORKDIR) "$(GOFUZZ_SEEDS_$(GOFUZZ_TARGET))" $(GOFUZZ_TIME) $(GOFUZZ_PROCS)

# Native fuzzing of the server targets (fuzz/serverfuzz and the nested
# module fuzz/adapters), FUZZTIME each, every one even after a failure;
# exit 1 if any found something. A finding is left where go test writes it
# (testdata/fuzz/<target>/), so plain go test replays it from then on:
# delete it if it is a third-party bug you do not mean to keep (coder's
# panic on a close frame inside a compressed message is found within
# seconds). The planted-bug target is left to fuzz-planted.
fuzz-servers:
	@failed=; \
	for t in FuzzReference FuzzPlantedClean; do echo "== fuzz/serverfuzz $$t ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) ./fuzz/serverfuzz || failed="$$failed $$t"; done; \
	for t in FuzzGorilla FuzzCoder FuzzGobwas; do echo "== fuzz/adapters $$t ($(FUZZTIME))"; \
		(cd fuzz/adapters && $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) .) || failed="$$failed $$t"; done; \
	if [ -n "$$failed" ]; then echo "fuzz-servers: findings in:$$failed"; exit 1; fi

# The proof that the harness finds a planted bug: native fuzzing of an echo
# server that panics on a 1-octet close body must fail within FUZZ_PLANTED_TIME
# with that panic; the crasher is moved out of testdata (it would fail go test).
FUZZ_PLANTED_TIME ?= 120s
fuzz-planted:
	@set -e; out=$$(mktemp); \
	if $(GO) test -run '^$$' -fuzz '^FuzzPlantedClose$$' -fuzztime $(FUZZ_PLANTED_TIME) ./fuzz/serverfuzz >$$out 2>&1; then \
		cat $$out; echo "fuzz-planted: the planted panic was NOT found in $(FUZZ_PLANTED_TIME)"; exit 1; fi; \
	grep -E '^fuzz: elapsed|index out of range' $$out | head -20; \
	grep -q 'index out of range \[1\] with length 1' $$out || { cat $$out; exit 1; }; \
	d=$$(mktemp -d); mv fuzz/serverfuzz/testdata/fuzz/FuzzPlantedClose/* $$d/; rmdir -p fuzz/serverfuzz/testdata/fuzz/FuzzPlantedClose 2>/dev/null || true; \
	echo "fuzz-planted: found; reproducer moved to $$d"

# Regenerate the reviewed catalogue golden file after a deliberate change.
catalogue:
	$(GO) test ./cases -run TestCatalogueGolden -update

# The whole catalogue against each hostile server (floods, an endless frame,
# garbage, 5000 close frames, a decompression bomb) with the built command:
# peak RSS and report sizes per run (make test runs a few cases of each).
hostile:
	$(GO) test -run TestHostileCLI -timeout 6h -v ./cmd/wsconform -hostile

# The whole catalogue, section 19 included, through nginx and through
# haproxy (from Debian, .ci/deps) in front of the reference server, with
# production-like timeouts: each proxy's verdict counts and every result
# that is not OK are logged. About 7 minutes per proxy; make test runs
# section 19 and a focused selection through each.
intermediaries: deps
	$(GO) test -run '^TestIntermediariesFullCatalogue$$' -count 1 -v -timeout 1h ./cmd/wsconform -intermediaries

# The whole catalogue against the embedded server beside two CPU burners,
# LOADCHECK_RUNS times: every verdict OK or INFORMATIONAL, none NOT RUN;
# logs each run's wall time. Minutes per run, so not part of `make test`.
LOADCHECK_RUNS ?= 1
loadcheck:
	$(GO) test -run '^TestLoadCheck$$' -count 1 -v -timeout 4h ./cmd/wsconform -loadcheck $(LOADCHECK_RUNS)
