#!/usr/bin/env bash
# Every command's --json output parsed by Python's json module, with names
# and paths that need escaping (test/py/cli_json.py; root, its own netns and
# pin root).
set -euo pipefail
cd "$(dirname "$0")/../.."
export O=${O:-build}
exec /usr/bin/python3 test/py/cli_json.py
