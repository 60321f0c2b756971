"""`python -m server ...`: the commands that run without the app, so without a secret key or a
database.

- `python -m server init-secret` writes a random secret key into the instance folder (the app
  refuses to start without one);
- `python -m server checklists validate|score|diff|publish` works on checklist files alone.
"""

import os
from pathlib import Path

import click

from server.cli.checklists import file_commands
from server.settings import PREFIX, PROJECT_ROOT, init_secret


@click.group()
def main() -> None:
    """达标 Dabiao: commands that need neither the app's secret key nor its database."""


@main.command("init-secret")
def init_secret_command() -> None:
    """Write a random secret key into the instance folder unless one is there."""
    instance = Path(os.environ.get(PREFIX + "INSTANCE_PATH") or PROJECT_ROOT / "instance")
    click.echo(f"secret key in {init_secret(instance)}")


main.add_command(file_commands)

if __name__ == "__main__":
    main(prog_name="python -m server")
