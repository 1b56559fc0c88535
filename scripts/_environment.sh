# Sourced by scripts/demo and scripts/test (INSTALL_EXTRAS names extras): make .venv and
# install the project into it,
# again only when pyproject.toml has changed since the last install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
extras=${INSTALL_EXTRAS:-}
stamp=".venv/.installed${extras:+-$extras}"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "Installing quizapp${extras:+[$extras]} into .venv ..." >&2
  if ! { .venv/bin/python -m pip install --upgrade pip &&
         .venv/bin/python -m pip install -e ".${extras:+[$extras]}"; } > .venv/install.log 2>&1; then
    cat .venv/install.log >&2
    echo "Installing failed; the log above is also in .venv/install.log" >&2
    exit 1
  fi
  echo "$wanted" > "$stamp"
fi
