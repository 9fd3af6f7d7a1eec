#!/usr/bin/env bash
# Static analysis of contracts/ with slither, fully offline.
#
#   tools/slither.sh                 # analyse, print a table, fail on untriaged High/Medium
#   SLITHER_VERBOSE=1 tools/slither.sh   # also show slither's own text report
#   tools/slither.sh --triage-mode   # interactive: record justified findings in slither.db.json
#   tools/slither.sh <extra slither flags>   # passed through, e.g. --detect uninitialized-state
#
# Compilation: crytic-compile's solc standard-JSON platform ("solc_standard_json" in
# slither.config.json) runs tools/solc/solc-v0.8.28 (the npm-solc stand-in) with
# `--standard-json`; nothing is downloaded. Brownie's build/ artifacts are NOT used (they may be
# stale while contracts are being edited, and slither then rejects their source maps).
# Note: slither on a single .sol file uses `solc --combined-json`, which the stand-in does not
# implement, so always point slither at the contracts/ directory.
#
# Settings live in slither.config.json (read automatically from the project root):
#   include_paths  keep findings that touch a project contract (anything outside node_modules/);
#                  OpenZeppelin-only findings are dropped. (filter_paths is not used: it drops a
#                  finding as soon as ANY of its elements is in node_modules, which would hide
#                  project findings that merely reference OpenZeppelin code.)
#   fail_on        medium: High or Medium findings fail the run.
# Triage: a High/Medium finding must be fixed in the contract, or justified and recorded in
# slither.db.json (`tools/slither.sh --triage-mode`), or - only for a detector that is a false
# positive for this whole codebase - listed in "detectors_to_exclude" in slither.config.json.
#
# Exit status: 0 no untriaged High/Medium, 1 untriaged High/Medium findings, 2 tool/compile error.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

export SOLCX_BINARY_PATH="$root/tools/solc"
export PATH="$root/.venv/bin:$root/node_modules/@foundry-rs/anvil-linux-amd64/bin:$PATH"
slither="$root/.venv/bin/slither"
python="$root/.venv/bin/python"

for f in "$slither" "$python" tools/solc/solc-v0.8.28 slither.config.json; do
  [[ -e "$f" ]] || { echo "slither.sh: missing $f" >&2; exit 2; }
done

# crytic-compile only globs contracts/*.sol; nested files are analysed only when imported.
nested="$(find contracts -mindepth 2 -name '*.sol' 2>/dev/null || true)"
if [[ -n "$nested" ]]; then
  echo "slither.sh: warning: contracts in subdirectories are analysed only if imported by contracts/*.sol:" >&2
  echo "$nested" | sed 's/^/  /' >&2
fi

# Interactive triage: run slither's own triage mode and stop.
for arg in "$@"; do
  if [[ "$arg" == "--triage-mode" ]]; then
    exec "$slither" contracts/ --fail-none "$@"
  fi
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
json="$tmp/slither.json"
log="$tmp/slither.log"

echo "slither $("$slither" --version) over contracts/ (solc $(tools/solc/solc-v0.8.28 --version | sed -n 's/^Version: //p'))"
set +e
"$slither" contracts/ --json "$json" "$@" >"$log" 2>&1
slither_rc=$?
set -e
if [[ "${SLITHER_VERBOSE:-0}" != 0 ]]; then
  cat "$log"
fi

"$python" - "$json" "$log" "$slither_rc" <<'PY'
import json, os, sys

json_path, log_path, slither_rc = sys.argv[1], sys.argv[2], int(sys.argv[3])

def fail_tool(msg):
    print(f"slither.sh: {msg} (slither exit {slither_rc}); slither output:", file=sys.stderr)
    with open(log_path, encoding="utf8", errors="replace") as f:
        sys.stderr.write(f.read()[-20000:])
    sys.exit(2)

if not os.path.exists(json_path) or os.path.getsize(json_path) == 0:
    fail_tool("no JSON report (compilation or analysis crashed)")
with open(json_path, encoding="utf8") as f:
    report = json.load(f)
if not report.get("success", False):
    fail_tool(f"analysis failed: {report.get('error')}")

results = (report.get("results") or {}).get("detectors") or []
order = {"High": 0, "Medium": 1, "Low": 2, "Informational": 3, "Optimization": 4}
conf_order = {"High": 0, "Medium": 1, "Low": 2}

def location(r):
    elems = [e for e in r.get("elements", []) if e.get("source_mapping")]
    # Prefer an element from a project contract over a dependency.
    elems.sort(key=lambda e: "node_modules/" in e["source_mapping"].get("filename_relative", ""))
    if not elems:
        return "-"
    e = elems[0]
    sm = e["source_mapping"]
    lines = sm.get("lines") or []
    where = sm.get("filename_relative", "?")
    if lines:
        where += f"#{lines[0]}" + (f"-{lines[-1]}" if lines[-1] != lines[0] else "")
    name = e.get("name", "")
    parent = (e.get("type_specific_fields") or {}).get("parent") or {}
    if e.get("type") in ("function", "variable", "node") and parent:
        pname = parent.get("name", "")
        if parent.get("type") == "function":
            gp = (parent.get("type_specific_fields") or {}).get("parent") or {}
            pname = f"{gp.get('name', '')}.{pname}" if gp.get("name") else pname
        if e.get("type") == "node":
            name = pname
        else:
            name = f"{pname}.{name}" if pname else name
    return f"{where} {name}"

results.sort(key=lambda r: (order.get(r["impact"], 9), conf_order.get(r["confidence"], 9), r["check"], location(r)))
rows = [(r["check"], r["impact"], r["confidence"], location(r)) for r in results]
headers = ("detector", "impact", "confidence", "location")
if rows:
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers[:3])]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths) + "  {}"
    print(fmt.format(*headers))
    print(fmt.format(*("-" * w for w in widths), "-" * len(headers[3])))
    for row in rows:
        print(fmt.format(*row))
else:
    print("no findings")

blocking = [r for r in results if r["impact"] in ("High", "Medium")]
counts = {}
for r in results:
    counts[r["impact"]] = counts.get(r["impact"], 0) + 1
print("\n" + ", ".join(f"{k}: {counts.get(k, 0)}" for k in ("High", "Medium", "Low", "Informational", "Optimization")))

if blocking:
    print(f"\nFAIL: {len(blocking)} untriaged High/Medium finding(s):")
    for r in blocking:
        print(f"\n[{r['impact']}/{r['confidence']}] {r['check']}")
        print("  " + r["description"].rstrip().replace("\n", "\n  "))
    print("\nFix them, or justify and record them with `tools/slither.sh --triage-mode` (slither.db.json).")
    sys.exit(1)
print("OK: no untriaged High/Medium findings")
PY
