#!/bin/sh
# Replays each target's seed corpus (and any crash files kept there) through the target.
# The targets come from the Makefile ($fuzz_targets); fuzz_NAME's seeds are in corpus/NAME/.
set -e
[ -n "$fuzz_targets" ] || { echo "replay_corpus.sh: no targets (run it through make check)"; exit 1; }
for bin in $fuzz_targets; do
	./"$bin" "$srcdir"/corpus/"${bin#fuzz_}"/*
done
