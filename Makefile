# Patchbay's build. `make run` and `make test` install what is missing first.
GO      ?= go
BIN     := bin/patchbay
# Fyne logs a locale warning under LANG=C.
export LANG := en_US.UTF-8

.PHONY: run build test smoke fuzz-short screenshots bench deps deps-display package clean

## run: install what is missing, build, and open the designer on the default database
run: build
	./$(BIN)

## build: build bin/patchbay
build: deps
	$(GO) build -o $(BIN) ./cmd/patchbay

## test: install what is missing and run every test: unit and UI tests, the
## engine's shared state under the race detector, a short run of every fuzzer,
## and the real window's smoke test
test: deps-display
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -race -run 'Concurrent|Memo' ./engine/
	$(MAKE) --no-print-directory fuzz-short
	$(MAKE) --no-print-directory smoke

## smoke: open the real window under Xvfb on a fresh database and check it stays up
smoke: build
	scripts/smoke.sh $(BIN)

## screenshots: the README's pictures, taken from the real window under Xvfb
screenshots: build deps-display
	scripts/screenshots.sh $(BIN) docs/screenshots

## package: a desktop package (tar.xz with .desktop file and icon) via `fyne package`
package: deps
	command -v fyne >/dev/null || $(GO) install fyne.io/tools/cmd/fyne@v1.7.4
	PATH="$$PATH:$$($(GO) env GOPATH)/bin" fyne package -os linux --src ./cmd/patchbay --icon ../../assets/icon.png

## bench: run the benchmarks (docs/PERFORMANCE.md) five times each into bench.txt,
## which benchstat reads; prints a benchstat summary too if benchstat is installed
bench:
	$(GO) test -run XXX -bench . -benchmem -count 5 ./model/ ./model/store/ ./engine/script/ ./engine/ 2>&1 | tee bench.txt
	@! grep -q '^FAIL' bench.txt
	@PATH="$$PATH:$$($(GO) env GOPATH)/bin"; if command -v benchstat >/dev/null; then benchstat bench.txt; \
	else echo "bench.txt written; for medians and spread: go install golang.org/x/perf/cmd/benchstat@latest && benchstat bench.txt"; fi

# A count, not a duration: go1.26's fuzzing coordinator can fail a run that
# hits a -fuzztime deadline while a worker is mid-input ("context deadline
# exceeded", golang/go#75804), which would fail make test for nothing.
FUZZTIME ?= 5000x
## fuzz-short: run each fuzzer over its committed corpus, then on FUZZTIME new
## inputs (5000x) (docs/RELIABILITY.md); go test -fuzz takes one package and one
## fuzzer per call
fuzz-short:
	$(GO) test ./model/ -run '^$$' -fuzz '^FuzzParseMergefields$$' -fuzztime $(FUZZTIME)
	$(GO) test ./model/ -run '^$$' -fuzz '^FuzzParseFieldPath$$' -fuzztime $(FUZZTIME)
	$(GO) test ./model/ -run '^$$' -fuzz '^FuzzImport$$' -fuzztime $(FUZZTIME)
	$(GO) test ./engine/ -run '^$$' -fuzz '^FuzzGJSONPath$$' -fuzztime $(FUZZTIME)
	$(GO) test ./engine/ -run '^$$' -fuzz '^FuzzRender$$' -fuzztime $(FUZZTIME)
	$(GO) test ./engine/ -run '^$$' -fuzz '^FuzzReceiver$$' -fuzztime $(FUZZTIME)
	$(GO) test ./engine/ -run '^$$' -fuzz '^FuzzMask$$' -fuzztime $(FUZZTIME)
	$(GO) test ./engine/ -run '^$$' -fuzz '^FuzzMaskWrapped$$' -fuzztime $(FUZZTIME)
	$(GO) test ./engine/ -run '^$$' -fuzz '^FuzzMaskPercent$$' -fuzztime $(FUZZTIME)
	$(GO) test ./engine/ -run '^$$' -fuzz '^FuzzHistory$$' -fuzztime $(FUZZTIME)
	$(GO) test ./engine/ -run '^$$' -fuzz '^FuzzLastWins$$' -fuzztime $(FUZZTIME)
	$(GO) test ./engine/script/ -run '^$$' -fuzz '^FuzzCheck$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/jsonstr/ -run '^$$' -fuzz '^FuzzAppend$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/xmljson/ -run '^$$' -fuzz '^FuzzToJSON$$' -fuzztime $(FUZZTIME)

deps:
	@scripts/install-deps.sh

deps-display:
	@scripts/install-deps.sh --display

clean:
	rm -rf bin dist
