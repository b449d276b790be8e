#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Every endmt command with --json, its stdout parsed by Python's json module
(run by test/integration/test_json.sh; root).

In a private network namespace with a private pin root, on veths whose names
need escaping in JSON (a quote and a backslash: 'q"\\x'; an octet that is
not UTF-8: b'u\\xff'), and with a tree file whose path and node name hold a
quote and a backslash, each command runs once (or more) with --json and:

- stdout must be UTF-8 and exactly one line holding one JSON object (`show`:
  one indented document), with the fields docs/CLI.md "--json output" lists
  for the command, and the names as given (the non-UTF-8 octet as U+FFFD);
- a failing command (exit non-zero) must print {"error": TEXT} on stdout,
  TEXT being its one stderr line without "endmt: ".

Plain Python (json, subprocess): none of endmt's C code.
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
O = os.environ.get("O", "build")
E = O if os.path.isabs(O) else os.path.join(ROOT, O)
E = os.path.join(E, "endmt")
NS = f"json-{os.getpid()}"
PIN = f"/sys/fs/bpf/endmt-test-{NS}"
QDEV = 'q"\\x'            # quote and backslash: both escaped in JSON
QPEER = 'p\\"'
UDEV = b"u\xff"           # not UTF-8: U+FFFD in JSON
fails = 0
passes = 0


def check(cond, what):
    global fails, passes
    if cond:
        passes += 1
        print(f"ok   {what}")
    else:
        fails += 1
        print(f"FAIL {what}")
    return cond


def endmt(*args, ok=True, doc=False, what=None):
    """Runs endmt --json ARGS in the namespace; returns the parsed object
    (None if stdout was not what it must be)."""
    argv = [b"nsenter", f"--net=/run/netns/{NS}".encode(), E.encode(), b"--pin-root",
            PIN.encode(), b"--json"] + [a if isinstance(a, bytes) else str(a).encode() for a in args]
    what = what or "endmt --json " + " ".join(
        a.decode("utf-8", "backslashreplace") if isinstance(a, bytes) else str(a) for a in args)
    p = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
    if (p.returncode == 0) != ok:
        check(False, f"{what}: exit {p.returncode}, expected {'0' if ok else 'non-zero'}: "
              f"{p.stderr.decode(errors='replace').strip()}")
        return None
    try:
        out = p.stdout.decode("utf-8")     # JSON text is UTF-8, strictly
    except UnicodeDecodeError as e:
        check(False, f"{what}: stdout is not UTF-8 ({e}): {p.stdout!r}")
        return None
    if not doc and out.count("\n") != 1 or not out.endswith("\n"):
        check(False, f"{what}: stdout is not one line: {out!r}")
        return None
    try:
        j = json.loads(out)
    except ValueError as e:
        check(False, f"{what}: stdout is not JSON ({e}): {out!r}")
        return None
    if not check(isinstance(j, dict), f"{what}: one JSON object"):
        return None
    if not ok:
        err = p.stderr.decode("utf-8", "replace").rstrip("\n")
        check(err.count("\n") == 0 and err.startswith("endmt: ")
              and j == {"error": err[len("endmt: "):]},
              f"{what}: error object {out.strip()!r} is the stderr line {err!r}")
    return j


def fields(j, want, what):
    """j has exactly the keys of want; where want gives a value, that value."""
    if j is None:
        return False
    keys = set(want)
    if not check(set(j) == keys, f"{what}: fields {sorted(keys)} (got {sorted(j)})"):
        return False
    bad = {k: (j[k], v) for k, v in want.items() if v is not None and j[k] != v}
    return check(not bad, f"{what}: values {bad or 'as expected'}")


def sh(*argv):
    subprocess.run(argv, check=True)


def main():
    tmp = tempfile.mkdtemp(prefix="endmt-json.")
    sh("ip", "netns", "add", NS)
    try:
        sh("ip", "-n", NS, "link", "set", "lo", "up")
        for a, b in ((QDEV, QPEER), (UDEV, b"uu"), ("ja", "jap"), ("jb", "jbp")):
            sh(b"ip" if isinstance(a, bytes) else "ip", "-n", NS, "link", "add", a, "type", "veth",
               "peer", "name", b)
            for d in (a, b):
                sh("ip", "-n", NS, "link", "set", d, "up")
        run(tmp)
    finally:
        subprocess.run(["ip", "netns", "del", NS])
        subprocess.run(["rm", "-rf", PIN, tmp])
    print(f"\ncli_json: {passes} checks passed, {fails} failed")
    return 1 if fails else 0


def run(tmp):
    fields(endmt("version"), {"version": None, "release": None, "git": None}, "version")

    # attach: the device's name, escaped; a name that is not UTF-8 with U+FFFD
    fields(endmt("attach", QDEV, "--role", "edge", "--mode", "skb"),
           {"dev": QDEV, "role": "edge", "mode": "skb", "tlv_type": 124}, "attach q\"\\x")
    fields(endmt("attach", UDEV, "--role", "transit", "--mode", "skb"),
           {"dev": "u\ufffd", "role": "transit", "mode": "skb", "tlv_type": 124},
           "attach u\\xff")
    endmt("attach", QDEV, "--role", "edge", ok=False, what="attach q\"\\x again (refused)")

    # configuration commands: {"changed": bool}
    g = ["--proxy", "fd00:ff::1", "--dqpn", "4660"]
    changed = {"changed": True}
    fields(endmt("group", "add", *g, "--resp-saddr", "fd00:1::1"), changed, "group add")
    fields(endmt("group", "add", *g, "--resp-saddr", "fd00:1::1"), {"changed": False},
           "group add again")
    fields(endmt("branch", "add", *g, "--addr", "fd00:11::2"), changed, "branch add")
    fields(endmt("receiver", "add", *g, "--addr", "fd00:12::2", "--qpn", "257",
                 "--psn-offset", "1000"), changed, "receiver add")
    fields(endmt("sid", "add", "ff3e::4d54", "--edge", "fd00:1::1", "--in-dev", QDEV), changed,
           "sid add --in-dev q\"\\x")
    h = ["--proxy", "fd00:ff::2", "--dqpn", "9"]
    fields(endmt("group", "add", *h, "--head", "--src", "fd00:10::2", "--src-qpn", "17",
                 "--resp-saddr", "fd00:6::1"), changed, "group add --head")
    fields(endmt("encap", "set", *h, "--src", "fd00:6::1", "--sid", "ff3e::4d54",
                 "--edge", "fd00:1::1=fd00:11::2/256"), {"changed": True, "len": None},
           "encap set")
    fields(endmt("repl", "add", "fd00:4::100", "--to", "fd00:1::4d54"), changed, "repl add")
    secret = os.path.join(tmp, "secret")
    with open(secret, "w") as f:
        f.write("a secret of the json test\n")
    fields(endmt("hmac", "set", "--key-id", "7", "--secret-file", secret), changed, "hmac set")
    j = endmt("hmac", "show")
    fields(j, {"hmac_keys": [{"key_id": 7, "algorithm": "hmac-sha256", "mode": "rfc8754"}]},
           "hmac show")
    fields(endmt("telemetry", "set", "--node-id", "5"), changed, "telemetry set")
    fields(endmt("telemetry", "group", *h, "--sample", "3"), changed, "telemetry group")
    fields(endmt("telemetry", "show"), {"node_id": 5, "namespace": 0, "export": True,
                                        "real_minus_tai_ns": None}, "telemetry show")

    # show: one document, the names escaped
    j = endmt("show", "--all", doc=True)
    if j is not None:
        devs = {d["dev"] for d in j["devices"]}
        check(devs == {QDEV, "u\ufffd"}, f"show: devices {devs}")
        sid = [s for s in j["sids"] if s["sid"] == "ff3e::4d54"]
        check(sid and sid[0]["in_dev"] == QDEV, f"show: the SID's in_dev {sid}")
        check(j["pin_root"] == PIN, "show: pin_root")

    # agent: its summary at exit
    fields(endmt("agent", "--once", "--liveness-ms", "0", "--no-fanout"),
           {k: None for k in ("windows", "cnps_sent", "cnps_withheld", "overruns", "late_avg_us",
                              "late_max_us", "stale_reports", "recoveries", "tick_errors",
                              "signal")}, "agent --once")
    # top has no JSON: an error object
    endmt("top", "--once", ok=False, what="top --once (refused with --json)")

    # apply: a tree file whose path and node name need escaping
    d = os.path.join(tmp, 'dir "quoted\\ and\\back')
    os.mkdir(d)
    tree = os.path.join(d, 'tree"\\.json')
    node = 'N"1\\'
    with open(tree, "w") as f:
        json.dump({"nodes": {
            "N6": {"addr": "fd00:6::1", "parent": None, "links": {"S1": "n6-s1", node: "n6-n1"}},
            node: {"addr": "fd00:1::1", "parent": "N6", "links": {"N6": "ja", "R1": "jb"}}},
            "groups": [{"name": "g1", "proxy": "fd00:ff::3", "dqpn": 4661, "sid": "ff3e::4d55",
                        "source": {"name": "S1", "addr": "fd00:10::2", "qpn": 17, "head": "N6"},
                        "receivers": [{"name": "R1", "addr": "fd00:21::2", "qpn": 256,
                                       "edge": node}]}]}, f)
    fields(endmt("apply", tree, "--node", node),
           {"file": tree, "node": node, "groups": 1, "sids": None, "receivers": None,
            "devices": 2, "attached": 2, "changed": None, "replication": 0}, "apply")
    fields(endmt("apply", tree, "--node", node),
           {"file": tree, "node": node, "groups": 1, "sids": None, "receivers": None,
            "devices": 2, "attached": 0, "changed": 0, "replication": 0}, "apply again")
    # errors that carry the path: missing, malformed, not UTF-8
    j = endmt("apply", tree + ".missing", "--node", node, ok=False, what="apply: no such file")
    check(j is not None and tree in j["error"], f"apply: the error names the path {tree!r}")
    bad = os.path.join(d, 'bad"\\.json')
    with open(bad, "w") as f:
        f.write('{ "nodes": {\n')
    j = endmt("apply", bad, "--node", node, ok=False, what="apply: malformed tree")
    check(j is not None and bad in j["error"], "apply: the syntax error names the path")
    j = endmt("apply", os.path.join(tmp, "x").encode() + b"\xfe.json", "--node", node, ok=False,
              what="apply: a path that is not UTF-8")
    check(j is not None and "\ufffd" in j["error"], "apply: its octet is U+FFFD in the error")
    endmt("group", "add", "--bogus", ok=False, what="group add --bogus (usage error)")
    endmt("nosuch", ok=False, what="unknown command")

    # the deletes
    for args in (["receiver", "del", "--addr", "fd00:12::2", "--qpn", "257"],
                 ["branch", "del", *g, "--addr", "fd00:11::2"],
                 ["sid", "del", "ff3e::4d54"], ["encap", "del", *h], ["repl", "del", "fd00:4::100"],
                 ["hmac", "del", "--key-id", "7"], ["group", "del", *g]):
        fields(endmt(*args), changed, " ".join(args[:2]))
    endmt("repl", "del", "fd00:4::100", ok=False, what="repl del again (no such SID)")

    # detach: one device, then --all
    fields(endmt("detach", QDEV), {"dev": QDEV, "detached": True}, "detach q\"\\x")
    endmt("detach", QDEV, ok=False, what="detach q\"\\x again (not attached)")
    j = endmt("detach", "--all")
    if fields(j, {"devs": None, "detached": True}, "detach --all"):
        check(sorted(j["devs"]) == sorted(["ja", "jb", "u\ufffd"]), f"detach --all: devs {j['devs']}")


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("cli_json: needs root (netns, bpffs)")
        sys.exit(1)
    sys.exit(main())
