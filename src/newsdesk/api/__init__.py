"""The HTTP API and web UI: one FastAPI app over one Desk (``newsdesk serve``)."""

from .app import create_app

__all__ = ["create_app"]
