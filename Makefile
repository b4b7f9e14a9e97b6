# wsconform: see README.md. Targets: test, bench, fuzz, gofuzz, build.
GO       ?= go
FUZZTIME ?= 10s
# go-fuzz target: one of the go-fuzz entry points in fuzz/gofuzz.go
GOFUZZ_TARGET ?= FuzzFrame
GOFUZZ_TIME   ?= 30s
BIN      ?= bin

.PHONY: test bench fuzz gofuzz build vet catalogue

build:
	$(GO) build -o $(BIN)/wsconform ./cmd/wsconform

vet:
	$(GO) vet ./...
	$(GO) vet -tags gofuzz ./fuzz/

test: vet
	$(GO) test -race -timeout 15m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./reference/... ./suite/...

# Native fuzzing: every Fuzz* target in ./fuzz for FUZZTIME each.
fuzz:
	@for t in $$($(GO) test -list '^Fuzz' ./fuzz | grep '^Fuzz'); do \
		echo "== $$t ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) ./fuzz || exit 1; \
	done

# go-fuzz (github.com/dvyukov/go-fuzz) on one target, corpus in fuzz/workdir.
gofuzz:
	$(GO) install github.com/dvyukov/go-fuzz/go-fuzz@latest github.com/dvyukov/go-fuzz/go-fuzz-build@latest
	cd fuzz && PATH="$$($(GO) env GOPATH)/bin:$$PATH" go-fuzz-build -func $(GOFUZZ_TARGET) -o $(GOFUZZ_TARGET).zip .
	mkdir -p fuzz/workdir/$(GOFUZZ_TARGET)
	cd fuzz && PATH="$$($(GO) env GOPATH)/bin:$$PATH" timeout --preserve-status $(GOFUZZ_TIME) \
		go-fuzz -bin $(GOFUZZ_TARGET).zip -workdir workdir/$(GOFUZZ_TARGET) -procs 2 || test $$? -eq 143

# Regenerate the reviewed catalogue golden file after a deliberate change.
catalogue:
	$(GO) test ./cases -run TestCatalogueGolden -update
