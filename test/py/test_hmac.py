#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Independent oracle for HMAC-SHA256 (include/endmt/sha256.h) and the SRH
HMAC text (lib/srh_hmac.c).

Runs the C unit test (test_progs -t hmac) with ENDMT_HMAC_DUMP set: every
case is written as one line with its inputs, what the BPF program computed
(test/bpf/hmac.bpf.c under BPF_PROG_TEST_RUN) and what the same header
compiled natively computed.  Then recomputes, none of endmt's C code:
  - sha256 NAME MSG DIGEST: hashlib.sha256;
  - hmac NAME KEY TEXT BPF NATIVE (RFC 4231 cases, every padding length):
    hmac/hashlib over the text, both MACs equal to it;
  - srh NAME MODE SA SRH KEY TEXT BPF NATIVE (sample SRHs of 1, 2, 5, 16
    segments, RFC 8754 and extended mode): the text rebuilt from SA and
    SRH by endmt_oracle.srh_hmac_text equal to the C text, hmac/hashlib
    over it equal to both MACs and to the HMAC field the C code wrote into
    the SRH's HMAC TLV.
Hex fields, "-" for none.  Exit status 0 on success.

Env: O (build dir, default build), ENDMT_TEST_PROGS (binary, default
$O/test_progs).
"""
import hashlib
import os
import subprocess
import sys
import tempfile

from endmt_oracle import hmac_sha256, srh_hmac_field, srh_hmac_text  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
O = os.environ.get("O", "build")
PROGS = os.environ.get("ENDMT_TEST_PROGS", os.path.join(ROOT, O, "test_progs"))

RFC4231 = {"rfc4231_1", "rfc4231_2", "rfc4231_3", "rfc4231_4", "rfc4231_6", "rfc4231_7"}
SRH_CASES = {f"srh_{n}seg_{m}" for n in (1, 2, 5, 16) for m in ("rfc8754", "extended")}


def unhex(s):
    return b"" if s == "-" else bytes.fromhex(s)


def main() -> int:
    fails = []
    seen = {"sha256": set(), "hmac": set(), "srh": set()}

    def check(cond, what):
        if not cond:
            fails.append(what)
            print("FAIL:", what)

    with tempfile.TemporaryDirectory(prefix="hmac-") as d:
        dump = os.path.join(d, "hmac.txt")
        env = dict(os.environ, ENDMT_HMAC_DUMP=dump)
        r = subprocess.run([PROGS, "-t", "hmac"], cwd=ROOT, env=env,
                           capture_output=True, text=True)
        if not os.path.exists(dump):
            print(r.stdout[-3000:], r.stderr[-3000:])
            print("FAIL: test_progs -t hmac wrote no dump")
            return 1
        # what the C test dumped is checked even when it failed
        check(r.returncode == 0, "test_progs -t hmac: " + (r.stdout.strip().splitlines() or ["?"])[-1])
        lines = [ln.split() for ln in open(dump) if ln.strip()]
    for f in lines:
        kind, name = f[0], f[1]
        seen.setdefault(kind, set()).add(name)
        if kind == "sha256" and len(f) == 4:
            check(hashlib.sha256(unhex(f[2])).digest() == unhex(f[3]), f"{name}: SHA-256")
        elif kind == "hmac" and len(f) == 6:
            key, text, bpf, native = map(unhex, f[2:])
            want = hmac_sha256(key, text)
            check(bpf == want, f"{name}: BPF MAC {bpf.hex()} != {want.hex()}")
            check(native == want, f"{name}: native MAC {native.hex()} != {want.hex()}")
        elif kind == "srh" and len(f) == 9:
            mode = f[2]
            sa, srh, key, ctext, bpf, native = map(unhex, f[3:])
            text = srh_hmac_text(sa, srh, mode == "extended")
            check(text == ctext, f"{name}: text\n  C  {ctext.hex()}\n  py {text.hex()}")
            want = hmac_sha256(key, text)
            check(bpf == want, f"{name}: BPF MAC {bpf.hex()} != {want.hex()}")
            check(native == want, f"{name}: native MAC {native.hex()} != {want.hex()}")
            check(srh_hmac_field(srh) == want, f"{name}: HMAC TLV field")
            check(len(text) == 22 + 16 * (srh[4] + 1) or mode == "extended",
                  f"{name}: RFC 8754 text is 22 + 16 per segment")
        else:
            check(False, f"dump line not understood: {' '.join(f)[:80]}")
    check(len(seen["sha256"]) == 3, f"3 SHA-256 cases dumped, not {len(seen['sha256'])}")
    check(RFC4231 <= seen["hmac"], f"RFC 4231 cases dumped: {sorted(RFC4231 - seen['hmac'])} missing")
    check(len([n for n in seen["hmac"] if n.startswith("len_")]) >= 16, "padding lengths dumped")
    check(seen["srh"] == SRH_CASES, f"SRH cases dumped: {sorted(SRH_CASES ^ seen['srh'])} differ")
    n = sum(len(v) for v in seen.values())
    print(f"test_hmac: {n} cases,", "FAIL" if fails else "ok")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
