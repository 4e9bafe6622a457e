# Symposium. Two commands do everything on a fresh Debian machine, as root:
#   make run    install what is missing, build, serve on :8000 (embedded storage)
#   make test   the whole suite, including the cgroup v2 guest and browser tests
SHELL := /bin/bash
GO_VERSION := 1.26.8
GO    ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
BIN   := $(CURDIR)/bin
export SANDBOX_RUNNER := $(BIN)/sandbox-runner
export GOTOOLCHAIN ?= auto

APT_PKGS := gcc libc6-dev libseccomp-dev pkg-config
TEST_APT_PKGS := qemu-system-x86 cpio chromium shellcheck

.PHONY: all deps test-deps ui build run test test-go test-cgroup2 bench proto clean intl-data intl-golden

all: build

# deps installs only what is missing (dpkg -s), so repeated runs cost nothing.
# Without a Go toolchain it installs Debian's golang-go, which is too old to
# read this go.mod, and has it download the toolchain module that
# `GOTOOLCHAIN=auto` would fetch; that becomes /usr/local/go.
deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if ! [ -x "$(GO)" ] && ! command -v "$(GO)" >/dev/null 2>&1; then missing="$$missing golang-go ca-certificates"; fi; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi
	@if ! [ -x "$(GO)" ] && ! command -v "$(GO)" >/dev/null 2>&1; then \
	  echo "installing Go $(GO_VERSION) into /usr/local/go"; \
	  mod=golang.org/toolchain@v0.0.1-go$(GO_VERSION).linux-$$(dpkg --print-architecture); \
	  dir=$$(cd /tmp && GO111MODULE=on /usr/lib/go/bin/go mod download -json "$$mod" | sed -n 's/.*"Dir": "\(.*\)",/\1/p'); \
	  [ -n "$$dir" ] && rm -rf /usr/local/go && cp -r "$$dir" /usr/local/go && chmod -R u+w /usr/local/go && \
	  chmod +x /usr/local/go/bin/* /usr/local/go/pkg/tool/*/* && /usr/local/go/bin/go version; fi

test-deps: deps
	@missing=""; for p in $(TEST_APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

# The page's editor bundle (CodeMirror, npm packages pinned in
# web/ui/frontend/package-lock.json, built with esbuild's Go API). It is
# committed: this does nothing, and needs no network, unless its sources or
# the lock file changed.
ui: deps
	$(GO) run ./web/ui/bundle

# The supervisor has no cgo; the runner is the only cgo binary (libseccomp).
build: deps ui
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -o $(BIN)/symposium .
	CGO_ENABLED=1 $(GO) build -o $(BIN)/sandbox-runner ./sandbox-runner

run: build
	$(BIN)/symposium

test: test-deps build test-go test-cgroup2 test-image

# One package at a time: the kernel-limit tests measure CPU shares, which
# another package's load on the same two cores would distort.
test-go:
	$(GO) vet ./...
	$(GO) test -p 1 -count=1 -timeout 30m ./...

# The real Dockerfile built with podman (no Docker engine, no registry here:
# the build stage's base is made with debootstrap and this Go) and run
# privileged and unprivileged, with end-to-end checks over its port; see
# provisioning/deploykit/test-image.sh.
.PHONY: test-image
test-image:
	GO=$(GO) GO_VERSION=$(GO_VERSION) bash provisioning/deploykit/test-image.sh

# cgroup v2 exists here only inside a QEMU guest (software emulation). The
# guest has no libraries, so it gets a static runner; the supervisor is
# static already. Inside, a simulated container runs the cgroup package's
# tests, the isolate manager's (OOM, CPU quota, selftest, cleanup), the HTTP
# API's and the binary's end-to-end tests, all on real cgroup v2.
GUEST_PKGS := ./supervisor/cgroup ./supervisor/isolate ./web .
test-cgroup2: build
	CGO_ENABLED=1 $(GO) build -tags netgo,osusergo -ldflags '-s -w -linkmode external -extldflags -static' \
	  -o $(BIN)/sandbox-runner-static ./sandbox-runner
	CGO_ENABLED=0 $(GO) build -ldflags '-s -w' -o $(BIN)/symposium-stripped .
	GUEST_TEST_PKGS="$(GUEST_PKGS)" GUEST_TEST_ARGS="$(GUEST_TEST_ARGS)" SYMPOSIUM_BIN=$(BIN)/symposium-stripped SANDBOX_RUNNER=$(BIN)/sandbox-runner-static \
	  GUEST_MEM=1024 GUEST_TIMEOUT=400 bash supervisor/cgroup/guesttest/run.sh

# The in-process floor (goja + DOM), the supervisor's warm path without HTTP,
# the storage backends, then the end-to-end HTTP benchmarks against bin/.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./sandbox-runner/engine/
	$(GO) test -run '^$$' -bench . -benchtime 300x ./sandbox-runner/intl/
	$(GO) test -run '^$$' -bench . -benchtime 200x ./supervisor/isolate/
	$(GO) test -run '^$$' -bench . -benchtime 200x ./storage/backends/
	SYMPOSIUM_BIN=$(BIN)/symposium $(GO) test -run '^$$' -bench '^BenchmarkWarm$$|Throughput' -benchtime 3000x ./web/bench/
	SYMPOSIUM_BIN=$(BIN)/symposium $(GO) test -run '^$$' -bench 'WarmAfterPause|NewBlock' -benchtime 300x ./web/bench/
	@echo "--- the same with the embedded store on tmpfs: a new block without the cost of its two disk syncs"
	BENCH_DATA_DIR=/dev/shm SYMPOSIUM_BIN=$(BIN)/symposium $(GO) test -run '^$$' -bench 'NewBlock/pool' -benchtime 300x ./web/bench/
	SYMPOSIUM_BIN=$(BIN)/symposium $(GO) test -run '^$$' -bench 'Idle|Startup' -benchtime 20x ./web/bench/
	@echo "--- live sessions: a counter click, event -> new page, over HTTP and through the manager; memory per session"
	SYMPOSIUM_BIN=$(BIN)/symposium $(GO) test -run '^$$' -bench 'SessionEvent' -benchtime 2000x ./web/bench/
	SYMPOSIUM_BIN=$(BIN)/symposium $(GO) test -run '^$$' -bench 'SessionMemory' -benchtime 1x ./web/bench/
	@echo "--- live preview in Chromium: a click in the frame until the patched text is in its DOM"
	$(GO) test -run '^$$' -bench 'LivePreviewClick' -benchtime 200x ./web/ui/
	@echo "--- soak: mixed load and hostile blocks for SOAK_DURATION (default 10m); supervisor RSS, fds, threads at start, warm and end"
	SYMPOSIUM_BIN=$(BIN)/symposium $(GO) test -run '^$$' -bench 'Soak' -benchtime 1x -timeout 30m ./web/bench/
	@echo "--- idle isolate memory on cgroup v2 (QEMU guest; the runner is born in its cgroup, so every page counts)"
	$(MAKE) --no-print-directory test-cgroup2 GUEST_PKGS=./supervisor/isolate \
	  GUEST_TEST_ARGS="-test.run=NoTests -test.bench=IdleIsolateMemory|ManagerExecuteWarm|SessionMemory -test.benchtime=10x" | grep -E '^(Benchmark|=== GUEST)'

# Intl's locale data: CLDR's own JSON (npm cldr-*, pinned to the CLDR release
# of Node 20's ICU) trimmed into sandbox-runner/intl/data, which is committed.
intl-data:
	cd sandbox-runner/intl/gen && npm ci --no-audit --no-fund && node gen.mjs

# Intl's conformance goldens: sandbox-runner/intl/testdata/cases.js evaluated
# by Node's full ICU into golden.json (committed; it names the Node, ICU,
# CLDR and tz versions). engine/intl_test.go replays them in `make test`.
intl-golden:
	cd sandbox-runner/intl/testdata && TZ=UTC node record.js

proto:
	@command -v protoc >/dev/null || (apt-get update -qq && apt-get install -y -qq protobuf-compiler)
	$(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
	$(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.0
	PATH="$$PATH:$$($(GO) env GOPATH)/bin" protoc -I ipc/sandboxpb \
	  --go_out=paths=source_relative:ipc/sandboxpb --go-grpc_out=paths=source_relative:ipc/sandboxpb \
	  ipc/sandboxpb/sandbox.proto

clean:
	rm -rf $(BIN)
