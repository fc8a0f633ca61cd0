#!/bin/sh
# Replays each target's seed corpus (and any crash files kept there) through the target.
set -e
for t in ctl_request:ctl config:config vrrp:vrrp hrp:hrp mirror:mirror snapshot:snapshot hrp_snapshot:hrp_snapshot cfgsync:cfgsync pair_facts:pair_facts vgmp_snapshot:vgmp_snapshot issu:issu issu_msg:issu_msg sess_exp:sess_exp sess_control:sess_control icmp_echo:icmp_echo; do
	bin=${t%%:*}; dir=${t#*:}
	./fuzz_$bin "$srcdir"/corpus/$dir/*
done
