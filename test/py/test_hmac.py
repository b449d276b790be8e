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
  - edge NAME MODE POLICY KEY FRAME VERDICT (test_progs -t edge_hmac: the
    edge XDP program's verdict on whole frames, kernel_seg6 on the kernel's
    SRHs too): every frame it accepted after verifying carries
    hmac/hashlib over its text, every drop_hmac_mismatch does not.
Hex fields, "-" for none.
And against the Linux kernel's own HMAC (net/ipv6/seg6_hmac.c): in two
network namespaces, `ip sr hmac set` a key and routes with
`encap seg6 mode encap segs ... hmac KEYID` of 1, 2, 5 and 14 segments (the
kernel's limit), ping through them and capture the outer packets on the
veth.  Then the HMAC field the kernel wrote must equal hmac/hashlib over
srh_hmac_text (RFC 8754 mode), and the same captures go to the C test
(ENDMT_HMAC_KERNEL=FILE, subtest kernel_seg6, dump lines "kernel NSEGS BPF
NATIVE"): lib/srh_hmac.c natively and the BPF program over its text must
compute the kernel's field too.  The other way: the endmt head's template
(test/unit/edge_hmac.c head_template_rfc8754: endmt_encap_template() and
endmt_encap_hmac(), what apply writes) is sent to a Linux seg6 endpoint in a
netns (its SID on lo, seg6_enabled, seg6_require_hmac 1, `ip sr hmac set`
with the same secret), which must forward it to its segment 0, and drop it
with one bit of a segment flipped.  A kernel without
CONFIG_IPV6_SEG6_HMAC fails this (it is the only outside implementation of
the RFC 8754 text at hand), unless ENDMT_HMAC_NO_KERNEL=1 says the kernel
parts run elsewhere: test/run.sh sets it on such a host, and the vmtest
guest, whose kernel has it, then runs this whole (docs/VMTEST.md).
Exit status 0 on success.

Env: O (build dir, default build), ENDMT_TEST_PROGS (binary, default
$O/test_progs), ENDMT_HMAC_NO_KERNEL (1: hashlib only, the kernel's seg6
HMAC neither captured nor asked).
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

# The kernel captures: key, and the segment lists of the routes (the
# kernel's ring buffer takes texts under 256 octets: 14 segments at most).
KERNEL_KEY = "endmt-kernel-hmac-key-0123456789"
KERNEL_KEYID = 7
KERNEL_SEGS = (1, 2, 5, 14)
CAPTURE = r"""
import select, socket, sys, time
want = int(sys.argv[1])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x86dd))
s.bind(("b0", 0))
print("ready", flush=True)
out, end = {}, time.time() + 5
while time.time() < end and len(out) < want:
    if not select.select([s], [], [], 0.2)[0]:
        continue
    ip6 = s.recv(65535)[14:]
    if len(ip6) < 48 or ip6[6] != 43 or ip6[42] != 4:
        continue
    srh = ip6[40:40 + (ip6[41] + 1) * 8]
    out[srh[4]] = ip6[8:24].hex() + " " + srh.hex()
for v in out.values():
    print(v)
"""


def ip(*args, **kw):
    return subprocess.run(["ip"] + list(args), capture_output=True, text=True, **kw)


def veth_pair(a, b):
    """Namespaces a and b joined by veth a0 (fd00:a::1) - b0 (fd00:a::2)."""
    ip("netns", "add", a, check=True)
    ip("netns", "add", b, check=True)
    ip("-n", a, "link", "add", "a0", "type", "veth", "peer", "name", "b0", "netns", b,
       check=True)
    for ns, dev, addr in ((a, "a0", "fd00:a::1/64"), (b, "b0", "fd00:a::2/64")):
        ip("-n", ns, "link", "set", "lo", "up", check=True)
        ip("-n", ns, "link", "set", dev, "up", check=True)
        ip("-n", ns, "-6", "addr", "add", addr, "dev", dev, "nodad", check=True)


def kernel_srhs(check):
    """(SA, SRH) of the outer packets the kernel's seg6 encapsulation with
    HMAC sent, one per entry of KERNEL_SEGS."""
    a, b = f"hmac{os.getpid()}a", f"hmac{os.getpid()}b"


    try:
        veth_pair(a, b)
        r = ip("-n", a, "sr", "hmac", "set", str(KERNEL_KEYID), "sha256",
               input=KERNEL_KEY + "\n")
        if r.returncode:
            check(False, f"kernel: ip sr hmac set: {r.stderr.strip()}")
            return []
        ip("-n", a, "-6", "route", "add", "fd00:5::/64", "via", "fd00:a::2", check=True)
        for i, n in enumerate(KERNEL_SEGS):
            segs = ",".join(f"fd00:5::{i + 1}:{j + 1}" for j in range(n))
            r = ip("-n", a, "-6", "route", "add", f"fd00:9:{i + 1}::/64", "encap", "seg6",
                   "mode", "encap", "segs", segs, "hmac", str(KERNEL_KEYID), "dev", "a0")
            check(r.returncode == 0, f"kernel: seg6 route of {n} segments: {r.stderr.strip()}")
        cap = subprocess.Popen(["ip", "netns", "exec", b, sys.executable, "-c", CAPTURE,
                                str(len(KERNEL_SEGS))], stdout=subprocess.PIPE, text=True)
        cap.stdout.readline()
        for i in range(len(KERNEL_SEGS)):
            subprocess.run(["ip", "netns", "exec", a, "ping", "-6", "-c", "1", "-W", "0.2",
                            f"fd00:9:{i + 1}::1"], capture_output=True)
        out = cap.communicate(timeout=10)[0]
        return [tuple(bytes.fromhex(x) for x in ln.split()) for ln in out.splitlines() if ln]
    finally:
        ip("netns", "del", a)
        ip("netns", "del", b)


SEND_AND_CAPTURE = r"""
import select, socket, sys, time
# argv: frames (hex, IPv6 onward) to send on a0 to b0's MAC, one at a time;
# prints per frame whether it came back from b0 with Segments Left 0 and the
# DA its segment 0 (the kernel's seg6 endpoint processed and forwarded it)
dmac = bytes.fromhex(sys.argv[1].replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x86dd))
s.bind(("a0", 0))
smac = s.getsockname()[4]
for f in sys.argv[2:]:
    ip6 = bytes.fromhex(f)
    seg0 = ip6[48:64]
    back = False
    for _ in range(3):  # the veth pair may still be coming up: try again
        s.send(dmac + smac + b"\x86\xdd" + ip6)
        end = time.time() + 1
        while time.time() < end and not back:
            if not select.select([s], [], [], 0.1)[0]:
                continue
            r, a = s.recvfrom(65535)
            if a[2] == socket.PACKET_OUTGOING:
                continue
            r = r[14:]
            back = len(r) > 48 and r[6] == 43 and r[24:40] == seg0 and r[43] == 0
        if back:
            break
    print("forwarded" if back else "dropped", flush=True)
"""


def kernel_endpoint(frames, sid, key, keyid, check):
    """Sends each IPv6 packet of frames (an SRH at SL 1 to sid) to a Linux
    seg6 endpoint (netns, sid on lo, seg6_enabled, seg6_require_hmac = 1,
    `ip sr hmac set keyid sha256` = key) and returns per frame whether the
    kernel forwarded it to its segment 0 (back on the same link)."""
    a, b = f"hmke{os.getpid()}a", f"hmke{os.getpid()}b"


    def sysctl(ns, k, v):
        ip("netns", "exec", ns, "sysctl", "-qw", f"{k}={v}", check=True)

    try:
        veth_pair(a, b)
        ip("-n", b, "-6", "addr", "add", f"{sid}/128", "dev", "lo", check=True)
        ip("-n", b, "-6", "route", "add", "fd00:ff::/64", "via", "fd00:a::1", check=True)
        sysctl(b, "net.ipv6.conf.all.forwarding", 1)
        for dev in ("all", "b0"):
            sysctl(b, f"net.ipv6.conf.{dev}.seg6_enabled", 1)
            sysctl(b, f"net.ipv6.conf.{dev}.seg6_require_hmac", 1)
        r = ip("-n", b, "sr", "hmac", "set", str(keyid), "sha256", input=key.decode() + "\n")
        if r.returncode:
            check(False, f"kernel endpoint: ip sr hmac set: {r.stderr.strip()}")
            return []
        mac = ip("-n", b, "-j", "link", "show", "b0").stdout.split('"address":"')[1][:17]
        out = subprocess.run(["ip", "netns", "exec", a, sys.executable, "-c", SEND_AND_CAPTURE,
                              mac] + [f.hex() for f in frames],
                             capture_output=True, text=True, timeout=30)
        return out.stdout.split()
    finally:
        ip("netns", "del", a)
        ip("netns", "del", b)


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

    use_kernel = os.environ.get("ENDMT_HMAC_NO_KERNEL", "0") != "1"
    if use_kernel:
        kernel = kernel_srhs(check)
        check(sorted(srh[4] + 1 for _, srh in kernel) == list(KERNEL_SEGS),
              f"kernel: captured {len(kernel)} of {len(KERNEL_SEGS)} SRHs with HMAC")
    else:
        kernel = []
        print("kernel: not here (ENDMT_HMAC_NO_KERNEL=1): the kernel's seg6 HMAC is "
              "neither captured nor asked; hashlib checks every case")
    key = KERNEL_KEY.encode()
    kmacs = {srh[4] + 1: srh_hmac_field(srh) for _, srh in kernel}
    for sa, srh in kernel:
        n = srh[4] + 1
        check(srh[5] & 0x08, f"kernel {n} segments: Flags has the H bit the kernel needs")
        want = hmac_sha256(key, srh_hmac_text(sa, srh, False))
        check(srh_hmac_field(srh) == want,
              f"kernel {n} segments: kernel HMAC {srh_hmac_field(srh).hex()} != {want.hex()}")
    with tempfile.TemporaryDirectory(prefix="hmac-") as d:
        dump = os.path.join(d, "hmac.txt")
        kfile = os.path.join(d, "kernel.txt")
        with open(kfile, "w") as f:
            for sa, srh in kernel:
                f.write(f"{sa.hex()} {srh.hex()} {key.hex()}\n")
        env = dict(os.environ, ENDMT_HMAC_DUMP=dump)
        if use_kernel:
            env["ENDMT_HMAC_KERNEL"] = kfile
        r = subprocess.run([PROGS, "-t", "hmac"], cwd=ROOT, env=env,
                           capture_output=True, text=True)
        if not os.path.exists(dump):
            print(r.stdout[-3000:], r.stderr[-3000:])
            print("FAIL: test_progs -t hmac wrote no dump")
            return 1
        # what the C test dumped is checked even when it failed
        check(r.returncode == 0, "test_progs -t hmac: " + (r.stdout.strip().splitlines() or ["?"])[-1])
        r = subprocess.run([PROGS, "-t", "edge_hmac"], cwd=ROOT, env=env,
                           capture_output=True, text=True)
        check(r.returncode == 0,
              "test_progs -t edge_hmac: " + (r.stdout.strip().splitlines() or ["?"])[-1])
        lines = [ln.split() for ln in open(dump) if ln.strip()]
    # the endmt head's template (test/unit/edge_hmac.c head_template, what
    # apply writes) at a Linux seg6 endpoint that requires HMAC: forwarded;
    # with one bit of a segment flipped: dropped
    tmpl = [f for f in lines if f[0] == "edge" and f[1] == "head_template_rfc8754"]
    check(len(tmpl) == 1, "head_template_rfc8754 dumped")
    if tmpl and use_kernel:
        ip6 = unhex(tmpl[0][5])[14:]
        bad = bytearray(ip6)
        bad[40 + 8 + 5] ^= 1
        sid = ":".join(ip6[24:40].hex()[i:i + 4] for i in range(0, 32, 4))
        got = kernel_endpoint([ip6, bytes(bad)], sid, unhex(tmpl[0][4]), 0x01020304, check)
        check(got == ["forwarded", "dropped"],
              f"kernel seg6 endpoint (seg6_require_hmac 1) on the endmt head's template: {got}, "
              "want forwarded, then dropped with a flipped bit")
        seen.setdefault("kernel_endpoint", set()).add("head_template")
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
        elif kind == "kernel" and len(f) == 4:
            bpf, native = map(unhex, f[2:])
            want = kmacs.get(int(name))
            check(bpf == want, f"kernel {name} segments: C BPF MAC {bpf.hex()} != kernel's")
            check(native == want, f"kernel {name} segments: C native MAC {native.hex()} != kernel's")
        elif kind == "edge" and len(f) == 7:
            # the edge's verdict on a whole frame against hmac/hashlib: a
            # frame it accepted after verifying carries the HMAC of its
            # text, a mismatch does not
            mode, policy, key, frame, verdict = f[2], f[3], unhex(f[4]), unhex(f[5]), f[6]
            sa, srh = frame[22:38], frame[54:54 + (frame[55] + 1) * 8]
            verified = verdict == "endmt_rx" or name.startswith("kernel_")
            if policy != "ignore" and (verified or verdict == "drop_hmac_mismatch") and \
                    not name.startswith("none_"):
                want = hmac_sha256(key, srh_hmac_text(sa, srh, mode == "extended"))
                got = srh_hmac_field(srh)
                if verdict == "drop_hmac_mismatch":
                    check(got != want, f"edge {name}: dropped as mismatch, but the HMAC is right")
                else:
                    check(got == want, f"edge {name}: accepted, HMAC {got.hex()} != {want.hex()}")
        else:
            check(False, f"dump line not understood: {' '.join(f)[:80]}")
    check(len(seen["sha256"]) == 3, f"3 SHA-256 cases dumped, not {len(seen['sha256'])}")
    check(RFC4231 <= seen["hmac"], f"RFC 4231 cases dumped: {sorted(RFC4231 - seen['hmac'])} missing")
    check(len([n for n in seen["hmac"] if n.startswith("len_")]) >= 16, "padding lengths dumped")
    check(seen["srh"] == SRH_CASES, f"SRH cases dumped: {sorted(SRH_CASES ^ seen['srh'])} differ")
    check(len(seen.get("kernel", ())) == len(kernel),
          f"C kernel_seg6 cases dumped: {len(seen.get('kernel', ()))} of {len(kernel)}")
    check(len(seen.get("edge", ())) >= 44 + 2 * max(len(kernel) - 1, 0),
          f"edge cases dumped: {len(seen.get('edge', ()))}")
    n = sum(len(v) for v in seen.values()) + len(kernel)
    print(f"test_hmac: {n} cases{'' if use_kernel else ' (no kernel parts)'},",
          "FAIL" if fails else "ok")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
