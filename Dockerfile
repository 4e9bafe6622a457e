# syntax=docker/dockerfile:1
# Symposium image: the supervisor and the sandbox runner, with libc, the
# loader, libseccomp and the CA bundle, and nothing else (no shell, no
# package manager). `make test-image` builds this file unchanged with podman
# and runs it, privileged and not; Docker (BuildKit) builds it as well.

# Build stage. The golang image brings the toolchain; gcc, libc6-dev,
# libseccomp-dev and pkg-config are for the runner's cgo (libseccomp), the
# supervisor has no cgo.
FROM golang:1.26-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates gcc libc6-dev libseccomp-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Modules first, so source edits do not invalidate the download. The module
# and build caches are cache mounts: they outlive the layers, so a source
# edit recompiles only what changed.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# The two builds of `make build`, stripped (-s, which implies -w) and
# without local paths. The committed UI bundle is embedded as it is.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags=-s -o /out/usr/local/bin/symposium . \
 && CGO_ENABLED=1 go build -trimpath -ldflags=-s -o /out/usr/local/bin/sandbox-runner ./sandbox-runner
# The run stage's whole file system: the runner's shared libraries as ldd
# lists them (libseccomp, libc, the loader; at their paths, so any
# architecture works), the CA bundle for Google APIs over TLS, /tmp, and the
# data directory.
RUN for lib in $(ldd /out/usr/local/bin/sandbox-runner | grep -o '/[^ ]*'); do cp --parents -L "$lib" /out; done \
 && mkdir -p /out/etc/ssl/certs /out/tmp /out/data \
 && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ \
 && chmod 1777 /out/tmp \
 && chmod 0700 /out/data

FROM scratch
COPY --from=build /out/ /
# A published server asks every request for an API key: AUTH_MODE=local
# (no sign-in) only ever listens on loopback.
ENV PORT=8080 \
    HOST=0.0.0.0 \
    AUTH_MODE=keys \
    SANDBOX_RUNNER=/usr/local/bin/sandbox-runner \
    DATA_DIR=/data
# The embedded store (bbolt) and blob directory; a volume, so blocks and
# their data outlive the container.
VOLUME /data
EXPOSE 8080
# No USER line: the supervisor is the only process that runs as root,
# because it creates a cgroup and namespaces per isolate and sets their
# limits. Every isolate (a sandbox-runner process) is dropped to uid/gid
# 65534 (nobody), with no capabilities, before any untrusted code runs. Run
# privileged (docker/podman run --privileged; on Cloud Run
# --execution-environment gen2) for kernel-enforced limits; without it the
# supervisor serves in a degraded mode and says so in its log and health.
# The image has no curl: the supervisor asks itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["/usr/local/bin/symposium", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/symposium"]
