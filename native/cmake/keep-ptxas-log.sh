#!/bin/sh
# CUDA compiler launcher: keep-ptxas-log.sh LOG nvcc ARGS...
# Runs nvcc and appends what it prints (ptxas -v's report per kernel) to LOG
# for the ptxas gate, and to the build's output; the exit status is nvcc's.
log="$1"
shift
tmp="$log.$$"
"$@" >"$tmp" 2>&1
status=$?
cat "$tmp"
if [ $status -eq 0 ]; then
    # One compile per log: a rebuild replaces the report instead of appending to it.
    mv "$tmp" "$log"
else
    rm -f "$tmp"
fi
exit $status
