#!/bin/sh
# Replays each target's seed corpus (and any crash files kept there) through the target.
set -e
for t in ctl_request:ctl config:config vrrp:vrrp hrp:hrp mirror:mirror snapshot:snapshot cfgsync:cfgsync; do
	bin=${t%%:*}; dir=${t#*:}
	./fuzz_$bin "$srcdir"/corpus/$dir/*
done
