#!/usr/bin/env bash
# Set up everything the test suite needs and run it: the README's test command. Idempotent.
#   bash tests/run.sh [pytest args]
# Set TEST_DATABASE_URL=postgresql+psycopg://... to run the suite on PostgreSQL instead of SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages (Debian/Ubuntu): a Chinese TrueType font for letters, Chromium for browser tests.
need=()
[ -e /usr/share/fonts/truetype/arphic/uming.ttc ] || need+=(fonts-arphic-uming)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)  # the Word copy laid out as the PDF
python_bin=${PYTHON:-python3.11}
command -v "$python_bin" >/dev/null 2>&1 || python_bin=python3
"$python_bin" -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "安装系统软件包：${need[*]}"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

[ -x .venv/bin/pip ] || "$python_bin" -m venv .venv  # also repairs a half-made venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
exec .venv/bin/python -m pytest "$@"
