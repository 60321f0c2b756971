"""`python -m server ...`: the commands that run without the app, so without a secret key or a
database.

- `python -m server init-secret` writes a random secret key into the instance folder (the app
  refuses to start without one);
- `python -m server checklists validate|score|diff|publish` works on checklist files alone;
- `python -m server export-rules [--check]` writes the rules the app reads (pwa/src/generated/);
- `python -m server export-openapi [--output PATH]` writes the API's OpenAPI document, from which
  openapi-typescript generates the app's wire types (`make generate`).
"""

import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from server.cli.checklists import file_commands
from server.domain import catalog, labels, rectification, workflow
from server.settings import PREFIX, PROJECT_ROOT, Settings, init_secret

GENERATED = PROJECT_ROOT / "pwa" / "src" / "generated"
EXPORTS: dict[str, Callable[[], Any]] = {
    "workflow.json": workflow.as_data,
    "errors.json": catalog.as_data,
    "labels.json": labels.as_data,
    "rectification.json": rectification.as_data,
}


def exported(make: Callable[[], Any]) -> str:
    return json.dumps(make(), ensure_ascii=False, indent=2) + "\n"


@click.group()
def main() -> None:
    """达标 Dabiao: commands that need neither the app's secret key nor its database."""


@main.command("init-secret")
def init_secret_command() -> None:
    """Write a random secret key into the instance folder unless one is there."""
    instance = Path(os.environ.get(PREFIX + "INSTANCE_PATH") or PROJECT_ROOT / "instance")
    click.echo(f"secret key in {init_secret(instance)}")


@main.command("export-rules")
@click.option("--check", is_flag=True, help="Only compare: fail when a file differs from the server's rules.")
def export_rules(check: bool) -> None:
    """Write the server's rules the app reads into pwa/src/generated/ (never edit those by hand)."""
    stale = []
    for name, make in EXPORTS.items():
        path, text = GENERATED / name, exported(make)
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        if check:
            stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            click.echo(f"已写入 {path}")
    if stale:
        click.echo(f"与服务器规则不一致，请运行 python -m server export-rules：{'、'.join(stale)}", err=True)
        sys.exit(1)


def openapi_document() -> Any:
    """The OpenAPI document exactly as the server serves it at /api/openapi.json, from an app built
    on throwaway settings: no secret key, database, evidence store or port of this machine goes in,
    so the document is the same wherever it is written."""
    from server import create_app

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.from_env(
            {PREFIX + "SECRET_KEY": "export-openapi", PREFIX + "DATABASE_URL": "sqlite://"},
            instance_path=Path(folder),
            evidence_dir=Path(folder) / "evidence",
        )
        response = create_app(settings).test_client().get("/api/openapi.json")
        if response.status_code != 200:
            raise click.ClickException(f"/api/openapi.json answered {response.status_code}")
        return response.get_json()


@main.command("export-openapi")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=GENERATED / "openapi.json",
    show_default="pwa/src/generated/openapi.json",
    help="Where to write it (make check writes to a temporary folder and compares).",
)
def export_openapi(output: Path) -> None:
    """Write the API's OpenAPI document (sorted keys) for the app's generated wire types."""
    text = json.dumps(openapi_document(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    output.write_text(text, encoding="utf-8")
    click.echo(f"已写入 {output}")


main.add_command(file_commands)

if __name__ == "__main__":
    main(prog_name="python -m server")
