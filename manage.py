#!/usr/bin/env python3
"""Set-up entry point that needs nothing but python3.

    python3 manage.py start   install what is missing, compile catalogs, start the bot
    python3 manage.py test    install what is missing, compile catalogs, run all tests

Extra arguments after `test` go to pytest. The virtual environment lives in .venv and is
reinstalled only when pyproject.toml changes.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
STAMP = VENV / ".kesu-installed"


def _run(*args: str | os.PathLike) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_environment(extras: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit("Kesu needs Python 3.11 or newer; this is " + sys.version.split()[0])
    if not PY.exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text() in (wanted, _dev_stamp()):
        return
    print(f"Installing Kesu and its dependencies ({extras or 'runtime'}) ...", flush=True)
    _run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(PY, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]" if extras else ".")
    STAMP.write_text(wanted)


def _dev_stamp() -> str:
    # A dev install also satisfies a runtime start.
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + b"dev").hexdigest()


def compile_catalogs() -> None:
    _run(PY, "-m", "babel.messages.frontend", "compile", "-d", ROOT / "locales", "-D", "messages", "--statistics")


def main(argv: list[str]) -> None:
    command = argv[0] if argv else "help"
    if command == "start":
        ensure_environment("")
        compile_catalogs()
        os.execv(PY, [str(PY), str(ROOT / "run_bot.py"), *argv[1:]])
    elif command == "test":
        ensure_environment("dev")
        compile_catalogs()
        os.execv(PY, [str(PY), "-m", "pytest", *argv[1:]])
    else:
        print(__doc__)
        sys.exit(0 if command in ("help", "-h", "--help") else 2)


if __name__ == "__main__":
    main(sys.argv[1:])
