"""The offline demo world: seller-news sites and forums served on 127.0.0.1 from ``data/demo``."""

from demoworld.server import DemoWorld

__all__ = ["DemoWorld"]
