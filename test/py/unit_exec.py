#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""A systemd unit's command lines, as systemd would run them, for a machine
whose PID 1 is not systemd (test/integration/test_service.sh).

    python3 test/py/unit_exec.py UNIT INSTANCE KEY [N]

prints, NUL-terminated, the words of `env NAME=VALUE ... ARGV...` for the
Nth (default first) KEY line (ExecStartPre, ExecStart, ...) of UNIT for that
instance (bash: mapfile -d '' -t cmd < <(...)): %i and %I are the instance; Environment= then EnvironmentFile= (a
leading '-': may be missing) give the environment, later assignments
winning; in a command "${NAME}" is replaced by the value as one word and a
word "$NAME" by the value split at whitespace (systemd.service(5), "Command
lines").  Plain Python (shlex): none of systemd's code.
"""
import os
import re
import shlex
import sys


def specifiers(s, inst):
    return s.replace("%%", "\0").replace("%i", inst).replace("%I", inst).replace("\0", "%")


def expand(word, env):
    m = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", word)
    if m:
        return env.get(m.group(1), "").split()
    return [re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda g: env.get(g.group(1), ""), word)]


def main(unit, inst, key, idx="0"):
    env, files, cmds, section = {}, [], [], None
    for line in open(unit):
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line
            continue
        if section != "[Service]":
            continue
        k, _, v = line.partition("=")
        v = specifiers(v, inst)
        if k == "Environment":
            for a in shlex.split(v):
                n, _, val = a.partition("=")
                env[n] = val
        elif k == "EnvironmentFile":
            files.append(v)
        elif k == key:
            cmds.append(v)
    for f in files:
        opt = f.startswith("-")
        f = f.lstrip("-")
        if not os.path.exists(f):
            if opt:
                continue
            sys.exit(f"{unit}: EnvironmentFile {f} missing")
        for line in open(f):
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            n, _, val = line.partition("=")
            w = shlex.split(val)
            env[n.strip()] = " ".join(w) if w else ""
    if len(cmds) <= int(idx):
        sys.exit(f"{unit}: no {key}= number {idx}")
    argv = []
    for w in shlex.split(cmds[int(idx)]):
        argv += expand(w, env)
    out = ["env"] + [f"{k}={v}" for k, v in env.items()] + argv
    sys.stdout.write("".join(w + "\0" for w in out))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
