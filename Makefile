# Patchbay's build. `make run` and `make test` install what is missing first.
GO      ?= go
BIN     := bin/patchbay
# Fyne logs a locale warning under LANG=C.
export LANG := en_US.UTF-8

.PHONY: run build test smoke deps deps-display package clean

## run: install what is missing, build, and open the designer on the default database
run: build
	./$(BIN)

## build: build bin/patchbay
build: deps
	$(GO) build -o $(BIN) ./cmd/patchbay

## test: install what is missing and run every test, the window's smoke test included
test: deps-display
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	$(MAKE) --no-print-directory smoke

## smoke: open the real window under Xvfb on a fresh database and check it stays up
smoke: build
	scripts/smoke.sh $(BIN)

## package: a desktop package (tar.xz with .desktop file and icon) via `fyne package`
package: deps
	command -v fyne >/dev/null || $(GO) install fyne.io/tools/cmd/fyne@v1.7.4
	PATH="$$PATH:$$($(GO) env GOPATH)/bin" fyne package -os linux --src ./cmd/patchbay --icon ../../assets/icon.png

deps:
	@scripts/install-deps.sh

deps-display:
	@scripts/install-deps.sh --display

clean:
	rm -rf bin dist
