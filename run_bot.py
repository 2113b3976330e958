#!/usr/bin/env python3
"""Start Kesu: settings -> storage -> dispatcher -> polling. See README for configuration.

Each start-up step is named in the log and has a time limit (bot/startup.py); one that
does not finish ends the process with exit code 3, so a supervisor starts it again.
"""
from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.startup import StartupWatchdog


def main() -> int:
    from bot.startup import EXIT_FAILED, StartupFailed, StartupWatchdog

    startup = StartupWatchdog()
    startup.watch()
    try:
        return start(startup)
    except StartupFailed:  # logged with the step's name
        return EXIT_FAILED


def start(startup: StartupWatchdog) -> int:
    with startup.step("settings"):
        from bot.settings import ConfigurationError, load_settings

        try:
            settings = load_settings()
        except ConfigurationError as error:
            print(error, file=sys.stderr)
            return 2
        startup.configure(settings.startup_timeout_seconds, settings.startup_step_timeouts)

    with startup.step("deployment-file"):
        from core.domain.deployment import DeploymentConfigError, load_config

        try:
            deployment = load_config(settings.config_file)
        except DeploymentConfigError as error:
            print(error, file=sys.stderr)
            return 2

    from bot.logging_setup import configure_logging

    configure_logging(settings.log_level, settings.bot_token.get_secret_value())
    startup.logging_ready()
    with startup.step("code"):
        from bot.app import run
    return asyncio.run(run(settings, deployment, startup))


if __name__ == "__main__":
    sys.exit(main())
