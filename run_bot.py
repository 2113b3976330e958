#!/usr/bin/env python3
"""Start Kesu: settings -> storage -> dispatcher -> polling. See README for configuration."""
from __future__ import annotations

import asyncio
import sys


def main() -> int:
    from bot.settings import ConfigurationError, load_settings

    try:
        settings = load_settings()
    except ConfigurationError as error:
        print(error, file=sys.stderr)
        return 2

    from core.domain.deployment import DeploymentConfigError, load_config

    try:
        deployment = load_config(settings.config_file)
    except DeploymentConfigError as error:
        print(error, file=sys.stderr)
        return 2

    from bot.app import run
    from bot.logging_setup import configure_logging

    configure_logging(settings.log_level, settings.bot_token.get_secret_value())
    return asyncio.run(run(settings, deployment))


if __name__ == "__main__":
    sys.exit(main())
