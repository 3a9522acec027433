#!/bin/sh
# Replays every fuzz target's corpus through its plain (non-libFuzzer) driver.
dir="$1"; corpus="$2"; shift 2
fail=0
for bin in "$@"; do
	name=$(basename "$bin")
	if [ -d "$corpus/$name" ]; then
		"$bin" "$corpus/$name" || fail=1
	else
		echo "replay: $name has no corpus in $corpus/$name" >&2
		fail=1
	fi
done
exit $fail
