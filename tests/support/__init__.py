"""Helpers shared by more than one test folder: the one moto world (`aws_world`) and the loopback SMTP lab
server (`smtp_lab`). Fixtures that hand them out live in tests/conftest.py."""

from __future__ import annotations

__all__: list[str] = []
