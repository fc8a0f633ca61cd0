#!/bin/sh
# libFuzzer on every target for FUZZ_SECONDS each (default 20), with ASan and UBSan.
# Usage: fuzz_smoke.sh TOP_SRCDIR TOP_BUILDDIR
set -e
top=$1; out=$2/tests/fuzz/libfuzzer; secs=${FUZZ_SECONDS:-20}
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
mkdir -p "$out"
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$top/lib -I$2 $(pkg-config --cflags jansson libconfig libsystemd)"
libs="$(pkg-config --libs jansson libconfig libsystemd libsodium)"
libsrc="$top/lib/ctl_proto.c $top/lib/hex.c $top/lib/config.c $top/lib/config_schema.c $top/lib/config_check.c $top/lib/config_print.c $top/lib/addr.c $top/lib/log.c $top/lib/vrrp_packet.c $top/lib/vrrp_fsm.c $top/lib/hrp_wire.c $top/lib/hrp_registry.c $top/lib/hrp_auth.c $top/lib/hrp_msg.c $top/lib/hrp_session.c $top/lib/sess_policy.c $top/lib/sess_mirror.c $top/lib/sess_exp.c $top/lib/sess_mirror_pkt.c $top/lib/vrrp_snapshot.c $top/lib/hrp_liveness.c $top/lib/hrp_stream.c $top/lib/hrp_snapshot.c $top/lib/hrp_snapshot_data.c $top/lib/cfgsync_rec.c $top/lib/cfgsync_text.c $top/lib/cfgsync_chunk.c $top/lib/cfgsync_route.c $top/lib/pair_facts.c $top/lib/pair_facts_cmp.c $top/lib/cfgsync_hot_codec.c $top/lib/vgmp_snapshot.c $top/lib/vgmp_fsm.c $top/lib/vgmp_handover.c $top/lib/vgmp_track.c $top/lib/vgmp_role.c $top/lib/vgmp_names.c $top/lib/hrp_test_version.c $top/lib/issu_stage.c $top/lib/issu_verdict.c $top/lib/issu_record.c $top/lib/issu_msg.c $top/lib/sess_digest.c $top/lib/sess_control.c $top/lib/vgmp_probe.c"
for t in ctl_request:ctl config:config vrrp:vrrp hrp:hrp mirror:mirror snapshot:snapshot hrp_snapshot:hrp_snapshot cfgsync:cfgsync pair_facts:pair_facts vgmp_snapshot:vgmp_snapshot issu:issu issu_msg:issu_msg sess_exp:sess_exp sess_control:sess_control icmp_echo:icmp_echo; do
	name=${t%%:*}; seeds=$top/tests/fuzz/corpus/${t#*:}
	clang $cflags -DHS_DEFAULT_RUNDIR='"/run/hotstandby"' -o "$out/fuzz_$name" "$top/tests/fuzz/fuzz_$name.c" $libsrc $libs
	mkdir -p "$out/corpus_$name"
	# Crash files land in $out; libFuzzer exits non-zero on any finding, which fails this script.
	if ! "$out/fuzz_$name" -max_total_time="$secs" -max_len=4200 -artifact_prefix="$out/" "$out/corpus_$name" "$seeds" > "$out/fuzz_$name.log" 2>&1; then
		tail -n 40 "$out/fuzz_$name.log"
		echo "fuzz_$name: FOUND A CRASH OR LEAK (artifact in $out)"
		exit 1
	fi
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$out/fuzz_$name.log")
	echo "fuzz_$name: $runs runs in ${secs}s, no crash, no leak"
done
