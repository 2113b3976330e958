"""The start-up shortcut for a migrated database knows the newest migration."""
from __future__ import annotations

import subprocess
import sys

from alembic.script import ScriptDirectory

from core.storage.migrate import HEAD_REVISION, alembic_config


def test_head_revision_is_the_newest_migration() -> None:
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION


def test_the_bot_imports_no_alembic_until_a_migration_is_needed() -> None:
    probe = "import sys, bot.app; print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))"
    imported = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert imported.strip() == "[]"
