#!/bin/sh
# libFuzzer on every target for FUZZ_SECONDS each (default 20), with ASan and UBSan.
# Usage: fuzz_smoke.sh TOP_SRCDIR TOP_BUILDDIR fuzz_NAME... (the Makefile passes its list);
# fuzz_NAME's seeds are in corpus/NAME/.
set -e
top=$1; build=$2; out=$build/tests/fuzz/libfuzzer; secs=${FUZZ_SECONDS:-20}
shift 2
[ $# -gt 0 ] || { echo "fuzz_smoke.sh: no targets given"; exit 1; }
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
mkdir -p "$out/lib"
cflags="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE -I$top/lib -I$build $(pkg-config --cflags jansson libconfig libsystemd libsodium)"
libs="$(pkg-config --libs jansson libconfig libsystemd libsodium)"

# The whole of lib/ once, instrumented, into one archive: each target links what it uses.
rm -f "$out/lib"/*.o "$out/libhs_fuzz.a"
for src in "$top"/lib/*.c; do
	obj=$out/lib/$(basename "$src" .c).o
	clang $cflags -DHS_DEFAULT_CONFIG='"/etc/hotstandby/hotstandby.conf"' -c -o "$obj" "$src"
done
ar rcs "$out/libhs_fuzz.a" "$out/lib"/*.o

for bin in "$@"; do
	name=${bin#fuzz_}; seeds=$top/tests/fuzz/corpus/$name
	clang $cflags -fsanitize=fuzzer -o "$out/$bin" "$top/tests/fuzz/$bin.c" "$out/libhs_fuzz.a" $libs
	mkdir -p "$out/corpus_$name"
	# Crash files land in $out; libFuzzer exits non-zero on any finding, which fails this script.
	if ! "$out/$bin" -max_total_time="$secs" -max_len=4200 -artifact_prefix="$out/" "$out/corpus_$name" "$seeds" > "$out/$bin.log" 2>&1; then
		tail -n 40 "$out/$bin.log"
		echo "$bin: FOUND A CRASH OR LEAK (artifact in $out)"
		exit 1
	fi
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$out/$bin.log")
	echo "$bin: $runs runs in ${secs}s, no crash, no leak"
done
