from __future__ import annotations

from typing import AsyncIterator

import pytest

from tests.integration.sender_harness import Harness, running_sender


@pytest.fixture
async def harness(engine) -> AsyncIterator[Harness]:
    async with running_sender(engine) as running:
        yield running
