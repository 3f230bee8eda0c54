#!/usr/bin/env bash
# Installs what the build needs on a fresh Debian 12 machine; idempotent (skips what is there).
#   emscripten (3.1.6) + node-acorn (its optimiser's parser), libhwy-dev (Highway), cmake.
#   chromium and firefox-esr (browser tests).
# Node.js ≥ 20 and npm must already be on PATH (the README says so).
set -euo pipefail

need=()
command -v emcc >/dev/null 2>&1 || need+=(emscripten)
[ -d /usr/share/nodejs/acorn ] || need+=(node-acorn)
[ -f /usr/include/hwy/highway.h ] || need+=(libhwy-dev)
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v make >/dev/null 2>&1 || need+=(make)
# g++: the emulated CUDA addon (scripts/build-cuda.sh; its Node-API headers come from npm).
command -v g++ >/dev/null 2>&1 || need+=(g++)
# Debian's Chromium for the browser tests (driven by playwright-core; never a downloaded browser).
[ -x /usr/bin/chromium ] || need+=(chromium)
# Debian's Firefox ESR for the same tests (driven by puppeteer-core over WebDriver BiDi).
[ -x /usr/bin/firefox-esr ] || need+=(firefox-esr)

if [ ${#need[@]} -gt 0 ]; then
  echo "setup-toolchain: installing ${need[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "setup-toolchain: Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
echo "setup-toolchain: $(emcc --version 2>/dev/null | head -1 | cut -c1-40), node $(node --version), highway $(dpkg-query -W -f='${Version}' libhwy-dev 2>/dev/null || echo '?')"
