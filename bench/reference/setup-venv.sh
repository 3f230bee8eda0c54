#!/usr/bin/env bash
# Create (or reuse) the pinned Python reference environment at bench/reference/.venv.
#
#   bench/reference/setup-venv.sh            # idempotent: no-op when the venv matches the pins
#   FORCE=1 bench/reference/setup-venv.sh    # rebuild from scratch
#   PYTHON=python3.11 bench/reference/setup-venv.sh
#
# The venv stores a hash of requirements.txt + constraints.txt + the interpreter version in
# .venv/.cellkernels-reference.sha256; when it matches and the key imports work, nothing is
# reinstalled.
set -euo pipefail

start_s=$(date +%s)
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
req="$here/requirements.txt"
con="$here/constraints.txt"
stamp="$venv/.cellkernels-reference.sha256"
python="${PYTHON:-python3}"

if ! command -v "$python" >/dev/null 2>&1; then
  echo "setup-venv: interpreter '$python' not found" >&2
  exit 1
fi
py_version="$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
case "$py_version" in
  3.11.*|3.12.*|3.13.*) ;;
  *) echo "setup-venv: warning: pins were verified with Python 3.11, found $py_version" >&2 ;;
esac

want_hash="$( { cat "$req" "$con"; echo "python=$py_version"; } | sha256sum | cut -d' ' -f1)"

elapsed() { echo "setup-venv: $1 in $(( $(date +%s) - start_s )) s"; }

check_imports() {
  "$venv/bin/python" - <<'EOF' >/dev/null 2>&1
import anndata, fast_array_utils, h5py, numba, numpy, pandas, scanpy, scipy, skmisc.loess
EOF
}

if [[ "${FORCE:-0}" == "1" && -d "$venv" ]]; then
  echo "setup-venv: FORCE=1, removing $venv"
  rm -rf "$venv"
fi

if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want_hash" ]] && check_imports; then
  elapsed "venv up to date ($venv), nothing to do"
  exit 0
fi

if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  echo "setup-venv: creating $venv with $python ($py_version)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
else
  echo "setup-venv: venv exists but does not match the pins; updating it"
fi
rm -f "$stamp"

export PIP_DISABLE_PIP_VERSION_CHECK=1
"$venv/bin/python" -m pip install --quiet --requirement "$req" --constraint "$con"

if ! check_imports; then
  echo "setup-venv: installed, but the reference imports fail:" >&2
  "$venv/bin/python" -c 'import anndata, fast_array_utils, h5py, numba, numpy, pandas, scanpy, scipy, skmisc.loess' >&2
  exit 1
fi

# Record the versions actually installed (must equal the pins).
"$venv/bin/python" - "$req" <<'EOF'
import sys
from importlib.metadata import version
bad = []
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, pinned = line.split("==")
    got = version(name)
    print(f"  {name}=={got}")
    if got != pinned:
        bad.append(f"{name}: pinned {pinned}, installed {got}")
if bad:
    sys.exit("setup-venv: version mismatch:\n  " + "\n  ".join(bad))
EOF

echo "$want_hash" > "$stamp"
elapsed "venv ready ($venv)"
