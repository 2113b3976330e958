#!/usr/bin/env python3
"""Set-up entry point that needs nothing but python3.

    python3 manage.py demo      install from the lock, compile catalogs, start the bot against
                                the fake Bot API with a page showing both sides (no token needed)
    python3 manage.py start     install from the lock, compile catalogs, start the bot
    python3 manage.py test      install from the lock (with the test tools), compile
                                catalogs, run all tests; extra arguments go to pytest
    python3 manage.py upgrade   refresh the lock within pyproject.toml's ranges, reinstall
                                from it and run all tests; `upgrade NAME...` moves only
                                those packages

Installs come only from requirements/runtime.txt and requirements/dev.txt: every package
pinned with its hashes, installed by pip with --require-hashes. The virtual environment in
.venv is built again from scratch whenever those files change, so it never carries a
package the lock no longer names.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
LOCK_DIR = ROOT / "requirements"
LOCKS = {"runtime": LOCK_DIR / "runtime.txt", "dev": LOCK_DIR / "dev.txt"}
TOOLS_LOCK = LOCK_DIR / "tools.txt"
VENV = ROOT / ".venv"
TOOLS_VENV = ROOT / ".venv-tools"
STAMP_NAME = ".kesu-installed"


def _python(env_dir: Path) -> Path:
    return env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


PY = _python(VENV)


def _run(*args: str | os.PathLike) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT)
    if result.returncode != 0:
        sys.exit(result.returncode)


def _lock_digest() -> str:
    digest = hashlib.sha256(sys.version.split()[0].encode())
    for path in (*LOCKS.values(), Path(__file__)):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _build_venv(env_dir: Path, lock: Path) -> None:
    """A new environment holding exactly what the lock names, checked against its hashes."""
    if env_dir.exists():
        shutil.rmtree(env_dir)
    venv.EnvBuilder(with_pip=True).create(env_dir)
    _run(
        _python(env_dir), "-m", "pip", "install", "--quiet", "--no-deps", "--require-hashes",
        "--only-binary", ":all:", "-r", lock,
    )


def _site_packages(env_dir: Path) -> Path:
    out = subprocess.run(
        [str(_python(env_dir)), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    )
    return Path(out.stdout.strip())


def ensure_environment(profile: str) -> None:
    """profile: "runtime" to run the bot, "dev" for the tests too (a dev install serves both)."""
    if sys.version_info < (3, 11):
        sys.exit("Kesu needs Python 3.11 or newer; this is " + sys.version.split()[0])
    stamp, digest = VENV / STAMP_NAME, _lock_digest()
    installed = stamp.read_text().split(":", 1) if stamp.exists() else None
    if PY.exists() and installed and installed[1] == digest and (installed[0] == "dev" or profile == "runtime"):
        return
    print(f"Installing Kesu's dependencies from {LOCKS[profile].relative_to(ROOT)} into .venv ...", flush=True)
    _build_venv(VENV, LOCKS[profile])
    # The project runs from this checkout: a path file instead of a build, so nothing
    # outside the lock is downloaded to install it.
    (_site_packages(VENV) / "kesu-checkout.pth").write_text(str(ROOT) + "\n")
    stamp.write_text(f"{profile}:{digest}")


def compile_catalogs() -> None:
    _run(PY, "-m", "babel.messages.frontend", "compile", "-d", ROOT / "locales", "-D", "messages", "--statistics")


def _uv() -> Path:
    """uv makes the lock; it comes pinned and hashed from requirements/tools.txt."""
    uv = TOOLS_VENV / ("Scripts/uv.exe" if os.name == "nt" else "bin/uv")
    stamp = TOOLS_VENV / STAMP_NAME
    digest = hashlib.sha256(TOOLS_LOCK.read_bytes()).hexdigest()
    if not (uv.exists() and stamp.exists() and stamp.read_text() == digest):
        print("Installing the locking tool into .venv-tools ...", flush=True)
        _build_venv(TOOLS_VENV, TOOLS_LOCK)
        stamp.write_text(digest)
    return uv


def write_lock(uv: Path, upgrade: list[str] | None) -> None:
    """uv.lock resolves runtime and dev together; the requirements files are its export."""
    args: list[str | os.PathLike] = [uv, "lock"]
    if upgrade == []:
        args.append("--upgrade")
    for name in upgrade or ():
        args += ["--upgrade-package", name]
    _run(*args)
    common = ["export", "--frozen", "--no-emit-project", "--no-dev", "--format", "requirements-txt", "--quiet"]
    # Relative paths: uv writes the command into the file's header, which must not vary.
    _run(uv, *common, "-o", LOCKS["runtime"].relative_to(ROOT))
    _run(uv, *common, "--extra", "dev", "-o", LOCKS["dev"].relative_to(ROOT))


def _has_token() -> bool:
    """Whether run_bot.py will find BOT_TOKEN (the environment, or .env where it starts)."""
    if os.environ.get("BOT_TOKEN"):
        return True
    env_file = Path.cwd() / ".env"
    if not env_file.exists():
        return False
    lines = env_file.read_text(encoding="utf-8", errors="replace").splitlines()
    return any(line.strip().removeprefix("export ").split("=", 1)[0].strip() == "BOT_TOKEN"
               and line.split("=", 1)[-1].strip() for line in lines if "=" in line)


def main(argv: list[str]) -> None:
    command = argv[0] if argv else "help"
    if command == "start":
        ensure_environment("runtime")
        compile_catalogs()
        if not _has_token():
            print("No BOT_TOKEN yet? Try Kesu first without one: python3 manage.py demo "
                  "(a customer's chat and the staff group in your browser, offline).", flush=True)
        os.execv(PY, [str(PY), str(ROOT / "run_bot.py"), *argv[1:]])
    elif command == "demo":
        ensure_environment("runtime")
        compile_catalogs()
        os.execv(PY, [str(PY), "-m", "demo", *argv[1:]])
    elif command == "test":
        ensure_environment("dev")
        compile_catalogs()
        os.execv(PY, [str(PY), "-m", "pytest", *argv[1:]])
    elif command == "lock":
        # Re-export after editing pyproject.toml, keeping every version that still fits.
        write_lock(_uv(), None)
    elif command == "upgrade":
        write_lock(_uv(), argv[1:])
        _run("git", "--no-pager", "diff", "--stat", "--", "uv.lock", LOCK_DIR)
        ensure_environment("dev")
        compile_catalogs()
        os.execv(PY, [str(PY), "-m", "pytest"])
    else:
        print(__doc__)
        sys.exit(0 if command in ("help", "-h", "--help") else 2)


if __name__ == "__main__":
    main(sys.argv[1:])
