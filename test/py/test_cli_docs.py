#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""--help, the man page and docs/CLI.md agree, for every command.

The commands are the ones `endmt --help` lists (so a new command is checked
without touching this file).  For each: its --help text appears verbatim in
docs/CLI.md under a `### endmt CMD` heading, and every option of it (the
left column and the help text of its --help) appears in that command's
section of the man page as groff renders it (`man -l`, an independent
reader of the roff that `endmt --man` writes).  The global options of
`endmt --help` are in the man page's GLOBAL OPTIONS and in docs/CLI.md; the
page the build wrote ($O/man/endmt.8) is what the binary prints now.

    O=build python3 test/py/test_cli_docs.py
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
O = os.environ.get("O", "build")
ENDMT = os.path.join(ROOT, O, "endmt") if not os.path.isabs(O) else os.path.join(O, "endmt")
failures = []
passes = 0


def ok(msg):
    global passes
    passes += 1
    print("ok:", msg)


def bad(msg):
    failures.append(msg)
    print("FAIL:", msg)


def run(*args):
    return subprocess.run([ENDMT, *args], capture_output=True, text=True, check=True).stdout


def norm(s):
    return " ".join(s.split())


def commands(top):
    """The commands of `endmt --help`: the lines under Commands: up to the blank line."""
    lines = top.split("\n")
    i = lines.index("Commands:")
    out = []
    for ln in lines[i + 1:]:
        if not ln.strip():
            break
        m = re.match(r"  (\S+(?: [a-z]+)?)\s{2,}", ln + "  ")
        out.append(m.group(1))
    return out


def options(help_text):
    """(left, help) of each option line of a command's --help."""
    lines = help_text.split("\n")
    i = lines.index("Options:")
    out = []
    for ln in lines[i + 1:]:
        if not ln.startswith("  "):
            break
        left, _, rest = ln[2:].partition("  ")
        out.append((left.strip(), rest.strip()))
    return out


def man_sections(text):
    """Rendered man page -> {subsection title: text} for the COMMANDS section,
    and the text of GLOBAL OPTIONS."""
    subs, glob, cur, where = {}, [], None, None
    for ln in text.split("\n"):
        if re.match(r"^[A-Z][A-Z ]+$", ln):
            where = ln.strip()
            cur = None
            continue
        if where == "GLOBAL OPTIONS":
            glob.append(ln)
        elif where == "COMMANDS":
            m = re.match(r"^   (\S.*)$", ln)
            if m:
                cur = m.group(1).strip()
                subs[cur] = []
            elif cur:
                subs[cur].append(ln)
    return {k: norm("\n".join(v)) for k, v in subs.items()}, norm("\n".join(glob))


def main():
    os.chdir(ROOT)
    doc = open("docs/CLI.md").read()
    roff = run("--man")
    built = os.path.join(os.path.dirname(ENDMT), "man", "endmt.8")
    if os.path.exists(built) and open(built).read() == roff:
        ok(f"{built} is what `endmt --man` prints")
    else:
        bad(f"{built} missing or stale (make cli)")
    env = dict(os.environ, MANWIDTH="1000", MAN_KEEP_FORMATTING="")
    r = subprocess.run(["man", "--warnings", "--nh", "--nj", "-l", "-"], input=roff,
                       capture_output=True, text=True, env=env)
    if r.returncode or r.stderr.strip():
        bad(f"man -l: exit {r.returncode}: {r.stderr.strip()}")
    page = re.sub(r".\x08", "", r.stdout)
    subs, glob = man_sections(page)

    top = run("--help")
    cmds = commands(top)
    for c in cmds:
        before = len(failures)
        h = run(*c.split(), "--help")
        if f"### endmt {c}\n" not in doc:
            bad(f"docs/CLI.md has no '### endmt {c}'")
        elif h not in doc:
            bad(f"endmt {c} --help differs from docs/CLI.md")
        sec = subs.get(c)
        if sec is None:
            bad(f"man page has no section for {c}")
            continue
        if norm(h.split("\n")[0].replace("Usage: ", "")) not in sec:
            bad(f"man {c}: usage line '{h.splitlines()[0]}' missing")
        n = 0
        for left, text in options(h):
            if left == "-h, --help":
                continue
            n += 1
            if norm(left) not in sec or norm(text) not in sec:
                bad(f"man {c}: option '{left}' / '{text}' missing")
        if len(failures) == before:
            ok(f"endmt {c}: --help in docs/CLI.md, usage and {n} options in the man page")
    extra = set(subs) - set(cmds)
    if extra:
        bad(f"man page sections for no command: {sorted(extra)}")

    # global options: in endmt --help's usage, the man page and docs/CLI.md
    head = doc.split("## ")[0]
    for g in ("-v", "--verbose", "--json", "-j", "--pin-root", "--version"):
        where = [w for w, t in (("endmt --help", top), ("man page", glob), ("docs/CLI.md", head))
                 if not re.search(r"(?<![\w-])" + re.escape(g) + r"(?![\w-])", t)]
        if g in ("--verbose", "-j") and where == ["endmt --help"]:
            where = []	# the short usage line names only -v and --json
        if where:
            bad(f"global option {g} missing from {', '.join(where)}")
        else:
            ok(f"global option {g}: endmt --help, man page, docs/CLI.md")
    ver = run("--version").strip()
    rel = open("VERSION").read().strip()
    if not re.fullmatch(r"endmt " + re.escape(rel) + r"( \(\S+\))?", ver):
        bad(f"endmt --version: {ver!r}, want 'endmt {rel}' with or without '(git describe)'")
    else:
        ok(f"endmt --version: {ver} (release {rel} of VERSION)")
    print(f"{passes} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
