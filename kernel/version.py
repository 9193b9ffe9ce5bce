"""The installed version of Cairn, for `cairn --version`, the API and build info."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def cairn_version() -> str:
    try:
        return version("cairn-kb")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"
