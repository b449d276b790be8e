#!/usr/bin/env bash
# `make bench`: every endmt benchmark, then one table (docs/BENCHMARKS.md says
# what each number means).  A few minutes on a 2-core VM.
#   percopy.sh  End.MT per packet / per copy (incremental vs full ICRC),
#               XDP half under BPF_PROG_TEST_RUN, ACK aggregation per branch count
#   rate.sh     copies/s on veth: plain IPv6 forwarding, kernel End.DT6, kernel
#               multicast (ip6mr), XDP redirect floor, End.MT over N egress veths
#   fanout.sh   N receivers: endmt tree vs N unicast RC streams, shaped source link
#   profile.sh  perf cpu-clock profile of the edge at N = 32 (top symbols)
#   hmac.sh     HMAC-SHA256 of an SRH's HMAC text in BPF (test run), N = 1, 5, 32
#   scale.sh    the edge with 1, 1024, 65536 groups configured, N = 1 and 88:
#               XDP + TC per packet, and the maps' memory
# Env: O (build dir), PARTS (default "percopy rate fanout profile hmac scale"), and each script's
# own knobs (COUNT, REPEAT, SECS, RATE, BYTES).  Raw lines: $O/bench/raw.txt.
# Speed targets are reported here, never asserted: exit status is non-zero only
# when a benchmark could not run or a transfer/ICRC check failed.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
export O
PARTS=${PARTS:-percopy rate fanout profile hmac scale}
mkdir -p "$O/bench"
RAW=$O/bench/raw.txt
: > "$RAW"
rc=0

{
	echo "machine $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1), kernel $(uname -r)"
	echo "date $(date -u +%Y-%m-%dT%H:%MZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
} >> "$RAW"

for p in $PARTS; do
	echo "== $p" >&2
	case $p in
	percopy) bench/percopy.sh >> "$RAW" || rc=1 ;;
	rate)    bench/rate.sh >> "$RAW" || rc=1 ;;
	fanout)  bench/fanout.sh >> "$RAW" || rc=1 ;;
	profile) bench/profile.sh 32 >> "$RAW" || rc=1 ;;
	hmac)    bench/hmac.sh >> "$RAW" || rc=1 ;;
	scale)   bench/scale.sh >> "$RAW" || rc=1 ;;
	*) echo "bench: unknown part $p" >&2; rc=1 ;;
	esac
done

/usr/bin/python3 - "$RAW" > "$O/bench/table.txt" <<'EOF' || rc=1
import sys, collections
raw = [l.split() for l in open(sys.argv[1]) if l.strip()]
head = [" ".join(l[1:]) for l in raw if l[0] in ("machine", "date")]
rows = []   # (section, config, value, unit, note)
bad = False
def add(*r): rows.append(r)

edge = {(l[1], int(l[2]), int(l[3])): l for l in raw if l[0] == "edge" and len(l) >= 9}
for (lab, n, p), l in sorted(edge.items(), key=lambda kv: (kv[0][0] != "incr", kv[0][2], kv[0][1])):
    xdp, tc, pc, chk, nbad = map(float, l[4:9])
    if nbad and lab != "none": bad = True
    add("edge per copy", f"{lab} N={n:<2} {p:>4} B", f"{pc:.0f}", "ns/copy",
        f"XDP {xdp:.0f} + TC {tc:.0f} ns/pkt; " + (f"ICRC ok {int(chk - nbad)}/{int(chk)}"
        if lab != "none" else "no ICRC update (invalid copies, bench only)"))
def slope(lab, p):
    pts = [(n, float(edge[(lab, n, p)][5])) for n in (1, 5, 11, 32) if (lab, n, p) in edge]
    if len(pts) < 2: return None
    mx = sum(x for x, _ in pts) / len(pts); my = sum(y for _, y in pts) / len(pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)
for lab in ("incr", "full", "none"):
    for p in (256, 1024, 4096):
        m = slope(lab, p)
        if m is not None:
            add("edge marginal copy", f"{lab} {p:>4} B", f"{m:.0f}", "ns/copy",
                "slope of TC ns/pkt over N = 1, 5, 11, 32")
    a, b = slope(lab, 256), slope(lab, 4096)
    if a and b and lab != "none":
        add("edge 4 KiB / 256 B", f"{lab} marginal", f"{b / a:.2f}", "x",
            "target <= 1.25" if lab == "incr" else "full recompute, for contrast")
for p in (256, 1024, 4096):
    a, b = slope("incr", p), slope("none", p)
    if a is not None and b is not None:
        add("incremental ICRC cost", f"{p:>4} B", f"{a - b:.0f}", "ns/copy",
            "marginal copy incr minus no-ICRC variant")
for lab in ("incr", "full"):
    for n in (1, 5, 11, 32):
        a, b = edge.get((lab, n, 256)), edge.get((lab, n, 4096))
        if a and b:
            r = float(b[6]) / float(a[6])
            note = "target <= 1.25 (incremental ICRC)" if lab == "incr" else "full recompute, for contrast"
            add("edge 4 KiB / 256 B", f"{lab} N={n}", f"{r:.2f}", "x", note)
for n in (1, 5, 11, 32):
    for p in (256, 1024, 4096):
        a, b = edge.get(("incr", n, p)), edge.get(("full", n, p))
        if a and b:
            add("full / incremental", f"N={n:<2} {p:>4} B", f"{float(b[6]) / float(a[6]):.2f}", "x",
                "per-copy cost ratio")
for l in raw:
    if l[0] == "xdp":
        add("XDP half (test run)", f"N={l[1]:<2} {l[2]:>4} B", l[3] if len(l) == 4 else "n/a",
            "ns/pkt", "" if len(l) == 4 else " ".join(l[4:]).strip("()"))
    elif l[0] == "acks":
        add("ACK aggregation", f"{l[1]} branches", l[2], "ns/ACK", f"{l[3]} forwarded, {l[4]} absorbed")
    elif l[0] == "insns":
        add("program size", f"{l[1]} {l[2]}", l[3], "insns", f"verifier processed; {l[4]} BPF insns, {l[5]} B JITed")
    elif l[0] == "hmac" and len(l) == 7:
        add("HMAC-SHA256 (test run)", f"{l[1]} N={l[2]:<2} {l[3]:>4} B", l[5], "ns/HMAC",
            f"{l[4]} blocks; least of the rounds {l[6]} ns")
    elif l[0] == "icrc" and len(l) == 4:
        add("ICRC update (test run)", f"{l[1]}", l[2], "ns/copy",
            f"per packet {l[3]} ns; " + ("whole window, bitwise product (the edge before)"
            if l[1] == "dense" else "DA + QPN walked, zero steps, table product (the edge now)"))
    elif l[0] == "acks-floor":
        add("ACK aggregation", "not a response", l[2], "ns/pkt", "floor: test-run call + parse + pass")
for l in raw:
    if l[0] == "scale" and len(l) >= 9:
        g, n, p, xdp, tc, pc, chk, nbad = l[1], int(l[2]), l[3], *map(float, l[4:9])
        if nbad: bad = True
        add("edge at scale", f"{g:>5} groups N={n:<2} {p:>4} B", f"{xdp + tc:.0f}", "ns/pkt",
            f"XDP {xdp:.0f} + TC {tc:.0f} ns/pkt, {pc:.0f} ns/copy; ICRC ok {int(chk - nbad)}/{int(chk)}")
    elif l[0] == "scale-mem" and l[2] == "total":
        big = sorted(((int(m[4]), m[2]) for m in raw
                      if m[0] == "scale-mem" and m[1] == l[1] and m[2] != "total"), reverse=True)[:3]
        add("edge map memory", f"{l[1]:>5} groups", f"{int(l[4]) / 2**20:.1f}", "MiB",
            "bytes_memlock of every map (preallocated: max_entries, not use); largest "
            + ", ".join(f"{nm} {b / 2**20:.1f}" for b, nm in big))
rate = {(l[1], int(l[2])): l for l in raw if l[0] == "rate" and len(l) >= 8}
for (k, n), l in rate.items():
    note = f"{float(l[6]):.0f} pkt/s, CPU {l[5]} ns/copy"
    if k.startswith("endmt") or k == "floor": note += f", BPF {l[7]} ns/pkt"
    if len(l) >= 9 and float(l[8]) < 0.9:
        note += f"; UNEVEN: the least-served receiver got {l[8]} of its share"
    add("copies/s (veth)", f"{k} N={n} {l[3]} B", l[4], "copies/s", note)
for l in raw:
    if l[0] == "rate-na":
        add("copies/s (veth)", f"{l[1]} N={l[2]} {l[3]} B", "n/a", "", " ".join(l[4:]))
# Ratios within this run, for every End.MT variant present (endmt, endmt-tc, ...).
endmts = [k for k in dict.fromkeys(k for k, _ in rate) if k == "endmt" or k.startswith("endmt-")]
cps = lambda k, n: float(rate[(k, n)][4])
cpu = lambda k, n: float(rate[(k, n)][5])
def cpu_row(sec, cfg, a, b):
    if cpu(*b) > 0:
        add(sec, cfg, f"{cpu(*a) / cpu(*b):.2f}", "x",
            f"{cpu(*a):.0f} vs {cpu(*b):.0f} ns/copy (lower is better)")
base = rate.get(("dt6", 1))
for (k, n), l in rate.items():
    if base and k in endmts:
        add("copies/s vs End.DT6", f"{k} N={n}", f"{float(l[4]) / float(base[4]):.2f}", "x",
            "same run, same sender" + ("; target >= 1.0" if n == 1 else ""))
for k in endmts:
    if base and (k, 1) in rate:
        cpu_row("CPU/copy vs End.DT6", f"{k} N=1", (k, 1), ("dt6", 1))
for k in endmts:
    for n in sorted(n for kk, n in rate if kk == k):
        # ip6mr stops at 31 egress devices (MAXMIFS): N = 32 against its 31
        m = n if ("mcast", n) in rate else 31 if n > 31 and ("mcast", 31) in rate else None
        if m is None: continue
        cfg = f"{k} N={n}" + (f" / mcast N={m}" if m != n else "")
        add("copies/s vs ip6mr", cfg, f"{cps(k, n) / cps('mcast', m):.2f}", "x",
            "kernel multicast forwarding, same run; target >= 2" +
            (f" (ip6mr reaches {m} egress devices at most: MAXMIFS)" if m != n else ""))
        cpu_row("CPU/copy vs ip6mr", cfg, (k, n), ("mcast", m))
for k in endmts:
    for n in sorted(n for kk, n in rate if kk == k):
        if ("floor", n) in rate and cps(k, n) > 0:
            add("floor / End.MT", f"floor/{k} N={n}", f"{cps('floor', n) / cps(k, n):.2f}", "x",
                "copies/s of one XDP redirect per copy, no rewrite, over End.MT's")
            cpu_row("CPU/copy vs floor", f"{k} N={n}", (k, n), ("floor", n))
for l in raw:
    if l[0] == "profile" and len([r for r in rows if r[0].startswith("profile")]) < 12:
        add(f"profile (N={l[1]})", " ".join(l[3:])[:40], l[2].rstrip("%"), "% CPU",
            "samples in trafgen/ksoftirqd context (veth rx softirq); full list: $O/bench/profile.txt")
    if l[0] == "edge" and len(l) < 9:
        add("TODO", "edge", "-", "", " ".join(l[1:])); bad = True
    elif l[0] in ("rate-todo", "edge-todo", "fanout-todo", "profile-todo", "icrc-todo", "scale-todo"):
        add("TODO", l[0], "-", "", " ".join(l[1:])); bad = True
    elif l[0] == "fanout":
        n = int(l[1]); ok = l[7] == "ok"
        if not ok: bad = True
        add("fan-out", f"N={n}", l[4], "x", f"unicast {l[3]} s / endmt {l[2]} s (target >= {0.8 * n:.1f}); "
            f"source link {int(l[5]) / 1e6:.2f} MB vs {int(l[6]) / 1e6:.2f} MB" + ("" if ok else "; TRANSFER FAILED"))

for h in head: print(h)
w = [max(len(str(r[i])) for r in rows + [("section", "config", "value", "unit", "notes")]) for i in range(4)]
fmt = f"| {{:{w[0]}}} | {{:{w[1]}}} | {{:>{w[2]}}} | {{:{w[3]}}} | {{}}"
print(fmt.format("section", "config", "value", "unit", "notes"))
print("|" + "|".join("-" * (x + 2) for x in w) + "|---")
for r in rows: print(fmt.format(*r))
sys.exit(1 if bad else 0)
EOF
cat "$O/bench/table.txt"

# UPDATE_DOC=1: the table and the machine go into docs/BENCHMARKS.md.
if [ "${UPDATE_DOC:-0}" = 1 ]; then
	/usr/bin/python3 - "$O/bench/table.txt" docs/BENCHMARKS.md "${BENCH_CONDITIONS:-}" <<'EOF' || rc=1
import re, sys
table, doc, cond = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(table).read().splitlines()
head = [l for l in lines if not l.startswith("|")]
rows = [l for l in lines if l.startswith("|")]
machine = "\n".join(f"- {h}" for h in head)
machine += "\n- command: `make O=build bench` (= `O=build bench/run.sh`), defaults of every knob"
if cond:
    machine += f"\n- conditions: {cond}"
s = open(doc).read()
def put(s, name, body):
    pat = re.compile(r"(<!-- bench:%s:begin[^>]*-->\n).*?(\n<!-- bench:%s:end -->)" % (name, name), re.S)
    if not pat.search(s):
        sys.exit(f"{doc}: no bench:{name} markers")
    return pat.sub(lambda m: m.group(1) + body + m.group(2), s)
s = put(s, "table", "\n".join(rows))
s = put(s, "machine", machine)
open(doc, "w").write(s)
print(f"bench: table written to {doc}", file=sys.stderr)
EOF
fi
exit $rc
