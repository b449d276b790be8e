# Time scale of the integration scripts (sourced, not run).
# ENDMT_TIME_SCALE (positive integer, default 1) multiplies every timeout,
# idle time, linger, settle sleep and poll bound the scripts give: a slow
# machine (vmtest/run.sh's qemu TCG guest, 5-20x slower than the host) gets
# proportionally more time, and what the tests assert stays the same.
ENDMT_TIME_SCALE=${ENDMT_TIME_SCALE:-1}
case $ENDMT_TIME_SCALE in
''|*[!0-9]*|0*) echo "ENDMT_TIME_SCALE=$ENDMT_TIME_SCALE: want a positive integer" >&2; return 1 ;;
esac
# tms MS: milliseconds (rcpeer's --idle-ms, --linger-ms, --timeout-ms), scaled
tms() { echo $(( $1 * ENDMT_TIME_SCALE )); }
# tn N: a poll loop's number of rounds, scaled
tn() { echo $(( $1 * ENDMT_TIME_SCALE )); }
# tsleep MS: sleep MS milliseconds, scaled (no subprocess for the arithmetic)
tsleep() { local ms=$(( $1 * ENDMT_TIME_SCALE )); sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"; }
