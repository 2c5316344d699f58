"""The ASGI entry point for uvicorn: `uvicorn --factory api.main:app`."""

import multiprocessing

from starlette.applications import Starlette

from api.app import create_app
from api.children import die_with_parent
from api.settings import Settings


def app() -> Starlette:
    parent = multiprocessing.parent_process()
    if parent is not None and parent.pid is not None:
        # A worker of `market serve --workers N`: if that parent is killed outright, its
        # workers would keep the port and serve on, unsupervised. The kernel stops them too.
        die_with_parent(parent.pid)
    return create_app(Settings())
