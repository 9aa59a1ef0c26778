"""Fixtures for the boto3 tests: moto only, and a guarantee that nothing reaches real AWS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.httpsession import URLLib3Session

from iamlab.aws import LabSession, lab_session


@pytest.fixture(autouse=True)
def no_real_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every test runs offline: no opt-in, no profile, no credentials file, no HTTP."""
    for name in ("IAMLAB_REAL_AWS", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))

    def refuse(self: object, request: object) -> None:
        raise AssertionError(f"a test tried to send a request to real AWS: {request}")

    # moto answers before botocore's HTTP layer; anything that gets this far would go out.
    monkeypatch.setattr(URLLib3Session, "send", refuse)


@pytest.fixture
def embedded_aws() -> Iterator[LabSession]:
    """A lab session on the embedded AWS (moto), cleaned up and stopped afterwards."""
    with lab_session() as aws:
        yield aws
