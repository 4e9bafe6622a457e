#!/usr/bin/env bash
# make test-image: builds the real Dockerfile with podman (this machine has
# no Docker engine and reaches no container registry), then runs the image
# privileged and unprivileged and checks it end to end (image_linux_test.go).
#
# No registry: the build stage's base (the Dockerfile's `FROM golang:...`)
# is made here: a Debian bookworm root file system from debootstrap
# (--variant=minbase, plus ca-certificates) with the Makefile's Go toolchain
# copied in, imported and tagged with the name the FROM line uses, and the
# build runs with --pull=never. The run stage is FROM scratch.
#
# Caches: the root file system tarball in .cache/image/ and, machine-wide
# (so a fresh clone on the same machine starts warm), hard-linked in
# /var/cache/symposium-image/; podman's images and layers (the latest
# build's only: older ones are pruned) and the build's Go module and build
# cache mounts stay in podman's storage (/var/lib/containers, /var/tmp).
# Containers and their volumes are always removed. Measured on 2 shared
# cores: cold (nothing cached) about 7-8 minutes, of which debootstrap is
# 1-3 and the first compile 4-7; warm with unchanged sources about 25 s.
#
# Environment: GO (the toolchain), GO_VERSION (the Makefile's),
# SYMPOSIUM_IMAGE (the tag to build, default localhost/symposium:test),
# IMAGE_MACHINE_CACHE (default /var/cache/symposium-image), DEBIAN_MIRROR.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="$root/.cache/image"
machine_cache="${IMAGE_MACHINE_CACHE:-/var/cache/symposium-image}"
go="${GO:-go}"
go_version="${GO_VERSION:-$(sed -n 's/^GO_VERSION := //p' "$root/Makefile")}"
image="${SYMPOSIUM_IMAGE:-localhost/symposium:test}"
arch="$(dpkg --print-architecture)"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
began=$SECONDS

say() { printf '=== test-image [%3ds] %s\n' "$((SECONDS - began))" "$*"; }

if [ "$(id -u)" != 0 ]; then
	echo "test-image needs root (podman --privileged, cgroups); run it as root" >&2
	exit 1
fi

# 1. Tools. uidmap, fuse-overlayfs and slirp4netns are for rootless podman,
# which this (root) test does not use.
missing=""
for p in podman runc debootstrap; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
	say "installing:$missing"
	apt-get update -qq
	# shellcheck disable=SC2086 # a list of package names
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
fi

# 2. podman's configuration. runc, not crun: crun refuses this machine's
# hybrid cgroup layout. No default ulimits: podman raises nofile/nproc by
# default and this VM refuses setrlimit raises. cgroupfs: no systemd here.
mkdir -p "$cache"
conf="$cache/containers.conf"
cat >"$conf" <<'CONF'
[containers]
default_ulimits = []

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_CONF="$conf"
podman=(podman --runtime runc)

# 3. The bookworm root file system, from the caches or from debootstrap.
tarball="bookworm-minbase-ca-$arch.tar"
if [ ! -s "$cache/$tarball" ] && [ -s "$machine_cache/$tarball" ]; then
	say "root file system from $machine_cache"
	ln -f "$machine_cache/$tarball" "$cache/$tarball" 2>/dev/null || cp -p "$machine_cache/$tarball" "$cache/$tarball"
fi
if [ -s "$cache/$tarball" ] && [ ! -s "$machine_cache/$tarball" ] && mkdir -p "$machine_cache" 2>/dev/null; then
	ln -f "$cache/$tarball" "$machine_cache/$tarball" 2>/dev/null || cp -p "$cache/$tarball" "$machine_cache/$tarball"
fi
if [ ! -s "$cache/$tarball" ]; then
	say "debootstrap bookworm (minbase) from $mirror"
	tmp="$(mktemp -d)"
	trap 'rm -rf "$tmp"' EXIT
	debootstrap --variant=minbase --include=ca-certificates bookworm "$tmp/rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
		{ tail -20 "$cache/debootstrap.log" >&2; exit 1; }
	rm -rf "$tmp/rootfs/var/cache/apt/archives/"*.deb "$tmp/rootfs/var/lib/apt/lists/"*
	tar -C "$tmp/rootfs" --numeric-owner -cf "$cache/$tarball.part" .
	mv "$cache/$tarball.part" "$cache/$tarball"
	rm -rf "$tmp"
	trap - EXIT
	if mkdir -p "$machine_cache" 2>/dev/null; then
		ln -f "$cache/$tarball" "$machine_cache/$tarball" 2>/dev/null || cp -p "$cache/$tarball" "$machine_cache/$tarball"
	fi
fi

# 4. The build stage's base image, named as the Dockerfile's FROM line names
# it, with the Makefile's Go. Rebuilt when the tarball or Go changes.
from="$(sed -n 's/^FROM \([^ ]*\) AS build$/\1/p' "$root/Dockerfile")"
[ -n "$from" ] || { echo "no 'FROM <image> AS build' line in the Dockerfile" >&2; exit 1; }
goroot="$("$go" env GOROOT)"
if [ "$("$goroot/bin/go" env GOVERSION)" != "go$go_version" ]; then
	say "fetching Go $go_version (GOROOT $goroot has $("$goroot/bin/go" env GOVERSION))"
	mod="golang.org/toolchain@v0.0.1-go$go_version.linux-$arch"
	goroot="$(cd /tmp && GOTOOLCHAIN=local GO111MODULE=on "$go" mod download -json "$mod" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')"
	[ -n "$goroot" ] || { echo "cannot download $mod" >&2; exit 1; }
fi
# This machine reaches the Go proxy through a TLS-intercepting proxy whose CA
# is only in the host's bundle: the builder trusts that bundle through
# SSL_CERT_FILE, at a path of its own, so Debian's bundle, the one the image
# ships, stays as Debian made it.
host_ca="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
stamp="debootstrap-$(stat -c %Y-%s "$cache/$tarball")-go$go_version-ca$(stat -c %Y-%s "$host_ca")"
if [ "$("${podman[@]}" image inspect --format '{{index .Labels "symposium.base"}}' "$from" 2>/dev/null)" != "$stamp" ]; then
	say "making $from: bookworm minbase + Go $go_version from $goroot"
	"${podman[@]}" import --quiet "$cache/$tarball" localhost/symposium-bookworm:minbase >/dev/null
	"${podman[@]}" build --quiet --pull=never --network none --format docker -v "$host_ca:/host-ca.crt:ro" \
		-t "$from" -f - "$goroot" >/dev/null <<EOF
FROM localhost/symposium-bookworm:minbase
COPY . /usr/local/go
ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    GOPATH=/go GOTOOLCHAIN=local GOLANG_VERSION=$go_version SSL_CERT_FILE=/etc/ssl/host/ca-certificates.crt
RUN mkdir -p /go/bin /go/src /etc/ssl/host && chmod -R 1777 /go \
 && cp /host-ca.crt /etc/ssl/host/ca-certificates.crt && go version
WORKDIR /go
LABEL symposium.base=$stamp
EOF
else
	say "$from is current ($stamp)"
fi

# 5. The image, from the Dockerfile as it is. --network host: the build's
# apt-get and go mod download reach Debian and the Go proxy.
say "podman build $image"
t0=$SECONDS
"${podman[@]}" build --pull=never --network host --format docker -t "$image" -f "$root/Dockerfile" "$root" |
	tee "$cache/build.log"
say "built $image in $((SECONDS - t0))s"
# Earlier builds' layers go, this build's stay as the next one's cache: the
# build stage's last layer (the "--> id" before the run stage's first step)
# gets a tag, so its chain is not dangling when the prune runs.
stage="$(awk '/^\[2\/2\] STEP 1\//{print id; exit} /^--> [0-9a-f]+$/{id=$2}' "$cache/build.log")"
if [ -n "$stage" ] && "${podman[@]}" tag "$stage" "$image-build-stage"; then
	"${podman[@]}" image prune -f >/dev/null
fi

# 6. The checks (each one logged), then nothing of ours may be left running.
say "checks"
status=0
(cd "$root" && SYMPOSIUM_IMAGE="$image" "$go" test -count=1 -v -timeout 15m -run '^TestImage' ./provisioning/deploykit/) || status=$?
leftover="$("${podman[@]}" ps -a --filter name=symposium-imagetest --format '{{.Names}}')"
if [ -n "$leftover" ]; then
	echo "containers left behind: $leftover" >&2
	# shellcheck disable=SC2086 # a list of container names
	"${podman[@]}" rm -f $leftover >/dev/null
	status=1
fi
say "done (exit $status)"
exit "$status"
