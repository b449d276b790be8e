#!/usr/bin/env bash
# HMAC-SHA256 of an SRH's HMAC text in BPF (include/endmt/sha256.h, through
# the test-only test/bpf/hmac.bpf.c; bench/hmac.c does the work):
# BPF_PROG_TEST_RUN with repeat, the kernel's ns per run, for the RFC 8754
# text of a 2-segment SRH and its extended text with End.MT TLVs for 1, 5
# and 32 receivers.  No namespaces, nothing pinned.
#   O=build bench/hmac.sh
# Env: REPEAT, ROUNDS (see bench/hmac.c).
# Output: "hmac MODE N TEXT_OCTETS BLOCKS NS_MEDIAN NS_LEAST" per case and
# "insns hmac endmt_test_hmac VERIFIED XLATED JITED".
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
B=$O/bench/hmac
[ -x "$B" ] || { echo "hmac: $B missing: make O=$O all" >&2; exit 1; }
exec "$B"
