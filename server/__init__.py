"""Dabiao server: the app factory, which reads as the table of contents of the application."""

from __future__ import annotations

from flask import Flask

from server.settings import PROJECT_ROOT, Settings


def create_app(settings: Settings) -> Flask:
    app = Flask(__name__, instance_path=str(settings.instance_path), static_folder=None)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        MAX_CONTENT_LENGTH=settings.max_content_length,
        CHECKLISTS_DIR=str(settings.checklists_dir),
        PWA_DIST=str(settings.pwa_dist),
        TESTING=settings.testing,
        JSON_SORT_KEYS=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    from server.api.converters import CONVERTERS

    app.url_map.converters.update(CONVERTERS)
    settings.instance_path.mkdir(parents=True, exist_ok=True)

    _init_extensions(app, settings)
    _register_blueprints(app)
    _register_commands(app)
    if settings.trusted_proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind that many proxies the client's address comes from X-Forwarded-For; otherwise
        # the header is anyone's to forge and is ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies)  # type: ignore[method-assign]
    return app


def _init_extensions(app: Flask, settings: Settings) -> None:
    import server.db.models  # noqa: F401  (registers the tables for migrations)
    from server import registry
    from server.db.engine import configure_engine
    from server.extensions import db, migrate
    from server.storage.factory import make_store

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    with app.app_context():
        configure_engine(db.engine)
    registry.install(app, settings, make_store(settings), create_app)


def _register_blueprints(app: Flask) -> None:
    from server.api import (
        dashboard,
        exports,
        health,
        imports,
        jobs,
        payouts,
        plans,
        publications,
        pwa,
        rectifications,
        schemas,
        users,
        v1,
        verify,
    )
    from server.api.base import Api
    from server.api.docs import ErrorResponsesPlugin
    from server.api.errors import register_error_handlers
    from server.domain import catalog

    app.config.update(
        API_TITLE="达标 Dabiao API",
        API_VERSION="1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
            # every error code with its status, Chinese message and whether to send again
            "x-error-catalog": catalog.as_data(),
        },
    )
    register_error_handlers(app)
    # Api replaces the HTTPException handler with its own, which keeps our error shape
    api = Api(app, spec_kwargs={"extra_plugins": [ErrorResponsesPlugin(app)]})
    for schema in schemas.REFERENCED:
        api.spec.components.schema(schema.__name__, schema=schema)
    for blueprint in (
        *v1.BLUEPRINTS,
        payouts.bp,
        jobs.bp,
        users.bp,
        imports.bp,
        plans.bp,
        dashboard.bp,
        rectifications.bp,
        publications.bp,
        exports.bp,
        health.bp,
    ):
        api.register_blueprint(blueprint)
    app.register_blueprint(verify.bp)
    app.register_blueprint(publications.public_bp)
    app.register_blueprint(pwa.bp)  # last: its catch-all route serves the app shell


def _register_commands(app: Flask) -> None:
    from server.cli import checklists, imports, jobs, payouts, reports, storage, users

    app.cli.add_command(checklists.group)
    app.cli.add_command(storage.group)
    app.cli.add_command(reports.group)
    app.cli.add_command(payouts.group)
    app.cli.add_command(users.group)
    app.cli.add_command(jobs.group)
    for group in imports.GROUPS:
        app.cli.add_command(group)
