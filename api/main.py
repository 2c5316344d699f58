"""The ASGI entry point for uvicorn: `uvicorn --factory api.main:app`."""

from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings


def app() -> Starlette:
    return create_app(Settings())
