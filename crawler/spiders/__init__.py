"""Spiders: thin classes that decide what to fetch; extraction lives in ``crawler.extract``."""
