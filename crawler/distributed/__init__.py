"""Crawling past one machine: scrapy-redis's shared queue and dupefilter, made safe for nightly runs.

``crawl --redis`` seeds a new run; ``worker`` processes on any machine take requests from it.
The spiders, pipelines and store are those of the single-machine crawl; only settings differ
(see ``redis_settings``).
"""

from crawler.distributed.keys import RunKeys, current_run, start_run
from crawler.distributed.settings import redis_settings

__all__ = ["RunKeys", "current_run", "redis_settings", "start_run"]
