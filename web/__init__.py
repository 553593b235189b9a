"""The web adapter: `create_app()` is the WSGI application factory."""

from web.app import create_app

__all__ = ["create_app"]
