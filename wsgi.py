"""The WSGI entry point (`flask --app wsgi`, `gunicorn wsgi:app`); settings come from the environment."""

from server import create_app
from server.settings import Settings

app = create_app(Settings.from_env())
