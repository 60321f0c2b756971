"""What the running app holds for the code below HTTP: its settings and its evidence store.

`create_app` installs both; services, the CLI and the API read them through `settings()` and
`evidence_store()` here, never through Flask's globals, so no service imports Flask
(`lint-imports` checks it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from flask import Flask, current_app

from server.settings import Settings
from server.storage import EvidenceStore

_SETTINGS = "DABIAO_SETTINGS"
_STORE = "evidence_store"
_FACTORY = "dabiao_factory"

AppFactory = Callable[[Settings], Flask]


def install(app: Flask, settings: Settings, store: EvidenceStore, factory: AppFactory) -> None:
    app.config[_SETTINGS] = settings
    app.extensions[_STORE] = store
    app.extensions[_FACTORY] = factory


def settings() -> Settings:
    """The settings of the app in whose context this runs."""
    return cast(Settings, current_app.config[_SETTINGS])


def evidence_store() -> EvidenceStore:
    """The evidence store of the app in whose context this runs."""
    return cast(EvidenceStore, current_app.extensions[_STORE])


def app_factory() -> AppFactory:
    """The function that made the running app: a job worker's child processes make theirs with it."""
    return cast(AppFactory, current_app.extensions[_FACTORY])
