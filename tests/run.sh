#!/bin/bash
# The two entry points of the README, on a fresh Debian 12 machine, as root:
#   tests/run.sh demo   install the packages, build, run the two-firewall lab demo
#   tests/run.sh test   install the packages, build, run every test (what CI runs)
# Also: tests/run.sh deps | build
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# Build: toolchain and every library's -dev package. Lab: the real peers the scenarios run.
BUILD_PKGS="build-essential autoconf automake libtool pkg-config clang libclang-rt-14-dev
 libnl-3-dev libnl-route-3-dev libmnl-dev libnetfilter-conntrack-dev libnetfilter-queue-dev libnftables-dev libconfig-dev libcmocka-dev
 libsystemd-dev libjansson-dev libsodium-dev libedit-dev libmicrohttpd-dev"
LAB_PKGS="iproute2 nftables iptables conntrack conntrackd frr keepalived tshark socat iperf3 python3
 python3-yaml python3-prometheus-client iputils-ping procps psmisc tmux"

# Package: building the Debian package, checking it and the units (tests/package.sh).
PKG_PKGS="debhelper lintian systemd"

step() { printf '\n=== %s\n' "$*"; }

deps() {
	step "installing packages"
	if [ "$(id -u)" -ne 0 ]; then
		echo "run as root: the packages are installed with apt-get and the lab needs namespaces" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $BUILD_PKGS $LAB_PKGS $PKG_PKGS
}

configure_in() { # DIR CONFIGURE-ARGS...
	local dir=$1; shift
	mkdir -p "$dir"
	(cd "$dir" && "$top/configure" -q "$@")
}

build() {
	step "building (_build/release)"
	mkdir -p _build
	autoreconf -fi >_build/autoreconf.log 2>&1 || { cat _build/autoreconf.log; exit 1; }
	configure_in _build/release --enable-werror
	make -C _build/release -j"$(nproc)" >/dev/null
}

unit_sanitized() {
	step "unit tests under AddressSanitizer + UBSan (_build/asan)"
	configure_in _build/asan --enable-sanitizers --enable-werror
	make -C _build/asan -j"$(nproc)" >/dev/null
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0" \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		make -C _build/asan check || { cat _build/asan/tests/*/test-suite.log; exit 1; }
}

distcheck() {
	step "make distcheck (_build/release)"
	make -C _build/release distcheck >/dev/null 2>_build/distcheck.err || {
		tail -n 60 _build/distcheck.err; exit 1; }
	echo "distcheck: $(ls _build/release/hotstandby-*.tar.gz) builds, passes make check, installs cleanly"
	# Every benchmark file is in the tarball (EXTRA_DIST lists them one by one).
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		local tarball listed missing=""
		tarball=$(ls _build/release/hotstandby-*.tar.gz)
		listed=$(tar tzf "$tarball")
		for f in $(git -C "$top" ls-files bench | grep -v "/\\."); do
			grep -q "^hotstandby-[^/]*/$f\$" <<<"$listed" || missing="$missing $f"
		done
		if [ -n "$missing" ]; then
			echo "not in the tarball (add to EXTRA_DIST in Makefile.am):$missing" >&2
			exit 1
		fi
	fi
}

package() {
	step "Debian package: build from a clean copy, lintian, install, purge (tests/package.sh)"
	./tests/package.sh
}

fuzz() {
	step "fuzzing every decoder (libFuzzer, ${FUZZ_SECONDS:-20}s each)"
	make -C _build/release fuzz-smoke
}

lab() {
	step "namespace lab scenarios (make check-lab)"
	make -C _build/release check-lab
}

bench_smoke() {
	# Figures of a loaded CI machine mean little: this proves every benchmark still runs
	# beside its peer and prints its table (exit 1 when one could not run).
	step "benchmarks, smoke: bench/run --quick (every benchmark, fewer cases)"
	./bench/run --quick --builddir _build/release --out-dir _build/bench-results
}

case "${1:-}" in
deps) deps ;;
build) deps; build ;;
test)
	deps
	build
	unit_sanitized
	distcheck
	package
	fuzz
	lab
	bench_smoke
	step "all tests passed"
	;;
demo)
	deps
	build
	step "demo: the reference two-firewall lab"
	make -C _build/release demo
	;;
*)
	echo "usage: $0 demo|test|deps|build" >&2
	exit 2
	;;
esac
