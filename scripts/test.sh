#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what is missing (Chromium for the
# browser tests; npm packages and NuGet packages are restored by the build), then `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  echo "[test] installing Debian's chromium for the browser tests" >&2
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null
  fi
fi

dotnet --info >/dev/null
echo "[test] building (restores NuGet packages and the runtime's npm packages)" >&2
dotnet build WebDnn.slnx -c Release -nologo -v q
echo "[test] checking formatting" >&2
dotnet format WebDnn.slnx --verify-no-changes --no-restore -v q
echo "[test] running tests" >&2
rm -f artifacts/test-summary.txt
status=0
dotnet test WebDnn.slnx -c Release --no-build -nologo --logger "console;verbosity=minimal" "$@" || status=$?
if [ -f artifacts/test-summary.txt ]; then
  echo "[test] summary:" >&2
  cat artifacts/test-summary.txt
fi
exit $status
