# Symposium image: the supervisor (bin/symposium) and the sandbox runner
# (bin/sandbox-runner) on Debian 12.

# Build stage. libseccomp-dev is needed because the runner links libseccomp
# through cgo; the supervisor is built with CGO_ENABLED=0 by `make build`.
FROM golang:1.26-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libseccomp-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Modules first, so source edits do not invalidate the download layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN make build

# Run stage. libseccomp2 is the runtime half of the runner's seccomp filter;
# ca-certificates lets the supervisor call Google APIs over TLS.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libseccomp2 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/bin/symposium /src/bin/sandbox-runner /usr/local/bin/
ENV PORT=8080 \
    SANDBOX_RUNNER=/usr/local/bin/sandbox-runner
EXPOSE 8080
# No USER line: the supervisor must start as root because it creates a
# cgroup and namespaces per isolate and sets their limits, which needs
# privileges. It gives them up where it matters: each isolate (a
# sandbox-runner process) is dropped to uid/gid 65534 (nobody) before any
# untrusted code runs, so content blocks never run as root. On Cloud Run
# deploy with --execution-environment gen2, which provides these kernel
# features.
ENTRYPOINT ["/usr/local/bin/symposium"]
