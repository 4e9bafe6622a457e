#!/usr/bin/env bash
# Runs Go tests inside a QEMU guest booted on Debian's cloud kernel, where
# cgroup v2 is the only hierarchy (this host's is hybrid v1). The guest's
# /init (this directory's Go program) simulates a container: the tests run
# at the root of a private cgroup namespace next to another process.
#
# Environment (all optional):
#   GUEST_TEST_PKGS  Go packages to test (patterns ok), default ./supervisor/cgroup
#   GUEST_TEST_ARGS  extra test flags, e.g. "-test.run=TestCPU -test.bench=."
#   SYMPOSIUM_BIN    static binary copied to /bin/symposium; the tests see SYMPOSIUM_BIN=/bin/symposium
#   SANDBOX_RUNNER   static binary copied to /bin/sandbox-runner; the tests see SANDBOX_RUNNER=/bin/sandbox-runner
#   GUEST_KERNEL     a vmlinuz to boot instead of the cached Debian cloud kernel
#   GUEST_TIMEOUT    seconds before the guest counts as hung (default 300)
#   GUEST_MEM        guest memory in MiB (default 512)
#   GUEST_CMDLINE    kernel command line (default "console=ttyS0 quiet panic=-1 tsc_early_khz=2600000"; drop quiet to debug a boot)
# Exit status: 0 only when the guest reports that every test binary passed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
cache=$repo/.cache/cgroup2-guest
pkgs=${GUEST_TEST_PKGS:-./supervisor/cgroup}
mkdir -p "$cache"
[ -f "$repo/.cache/.gitignore" ] || printf '*\n' >"$repo/.cache/.gitignore"

missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
command -v cpio >/dev/null || missing+=(cpio)
if ((${#missing[@]})); then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The kernel: Debian's cloud flavour has the 8250 console, cgroup v2
# controllers, PSI and namespaces built in, so no modules are needed.
vmlinuz=${GUEST_KERNEL:-}
if [ -z "$vmlinuz" ]; then
	vmlinuz=$(ls "$cache"/kernel/boot/vmlinuz-* 2>/dev/null | head -n1 || true)
fi
if [ -z "$vmlinuz" ]; then
	pkg() { apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}'; }
	kpkg=$(pkg)
	if [ -z "$kpkg" ]; then
		apt-get update -qq
		kpkg=$(pkg)
	fi
	[ -n "$kpkg" ] || { echo "run.sh: no linux-image-*-cloud-amd64 package found" >&2; exit 1; }
	(cd "$cache" && apt-get download -q -o APT::Sandbox::User=root "$kpkg")
	rm -rf "$cache/kernel"
	dpkg-deb -x "$cache/${kpkg}"_*.deb "$cache/kernel"
	vmlinuz=$(ls "$cache"/kernel/boot/vmlinuz-* | head -n1)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/tests" "$root/bin"

cd "$repo"
CGO_ENABLED=0 go build -o "$root/init" ./supervisor/cgroup/guesttest
for p in $(go list $pkgs); do
	name=${p#github.com/symposium/symposium/}
	name=${name//\//_}
	# Stripped: the initramfs is unpacked into guest RAM under emulation.
	CGO_ENABLED=0 go test -c -ldflags="-s -w" -o "$root/tests/$name.test" "$p"
	[ -f "$root/tests/$name.test" ] || continue # no test files
	dir=$(go list -f '{{.Dir}}' "$p")
	mkdir -p "$root/tests/$name"
	[ -d "$dir/testdata" ] && cp -r "$dir/testdata" "$root/tests/$name/"
done

: >"$root/guest.env"
add_bin() { # VAR guest-name: copy the binary named by $VAR into /bin
	local src=${!1:-}
	[ -n "$src" ] || return 0
	"$root/init" check-static "$src"
	cp "$src" "$root/bin/$2"
	echo "$1=/bin/$2" >>"$root/guest.env"
}
add_bin SYMPOSIUM_BIN symposium
add_bin SANDBOX_RUNNER sandbox-runner
echo "GUEST_TEST_ARGS=${GUEST_TEST_ARGS:-}" >>"$root/guest.env"

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) >"$work/initrd.cpio"

# KVM cannot boot a stock kernel here, so TCG; microvm boots in seconds.
# Under TCG the kernel's TSC calibration against the PIT fails now and then,
# leaving it without a clock source (a silent hang): tsc_early_khz skips it.
log=$work/console.log
set +e
timeout "${GUEST_TIMEOUT:-300}" qemu-system-x86_64 -M microvm -accel tcg -m "${GUEST_MEM:-512}" \
	-nodefaults -no-user-config -nographic -serial stdio \
	-kernel "$vmlinuz" -initrd "$work/initrd.cpio" \
	-append "${GUEST_CMDLINE:-console=ttyS0 quiet panic=-1 tsc_early_khz=2600000}" -no-reboot </dev/null | tee "$log"
rc=${PIPESTATUS[0]}
set -e

if grep -q '^=== GUEST DONE: PASS' "$log"; then
	exit 0
fi
if ((rc == 124)); then
	echo "run.sh: guest hung: no result within ${GUEST_TIMEOUT:-300}s" >&2
elif ! grep -q '^=== GUEST DONE' "$log"; then
	echo "run.sh: guest printed no result (qemu exit $rc)" >&2
else
	echo "run.sh: guest tests failed" >&2
fi
exit 1
