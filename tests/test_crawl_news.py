"""Real news spiders against the demo world and the trouble site, served over HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import unicodedata
from dataclasses import asdict
from pathlib import Path

import pytest

from crawler.pipelines.neardup import NearDuplicateIndex, minhash
from crawler.sources import load_sources
from demoworld import DemoWorld
from demoworld.content import articles
from demoworld.trouble import TroubleSite
from store import Store
from tests.conftest import FAST_CRAWL
from tests.crawling import crawl_toml, stored_state

NEWS = ["sellerledger", "marketbeacon", "kuajing"]
# Strings that only the sites' templates print: navigation, banners, share bars, related lists.
BOILERPLATE = [
    "Accept all",
    "Manage preferences",
    "Related articles",
    "Post comment",
    "Get the Ledger daily",
    "Recommended for you",
    "I agree",
    "Share on LinkedIn",
    "Discussion",
    "热门标签",
    "版权所有",
    "<<:",
    ">>:",
    "Previous:",
    "Next:",
    "Members lounge",
    "Platform\n",
    "Tagged:",
]


def by_path(db_url: str) -> dict[str, dict]:
    store = Store.open(db_url)
    docs = {}
    for doc in store.iter_documents():
        path = "/" + doc["url"].split("/", 3)[-1]
        docs[(doc["source"], path)] = doc
    return docs


def test_every_article_found_once_with_title_date_and_clean_text(world: DemoWorld, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'news.sqlite'}"
    results = crawl_toml(world.sources_toml(), tmp_path, db, names=NEWS)
    assert [r.status for r in results] == ["finished"] * 3
    docs = by_path(db)
    expected = [a for site in NEWS for a in articles()[site] if a.demo_day == 1]
    assert len(docs) == len(expected)
    for article in expected:
        doc = docs[(article.site, article.path)]
        assert doc["title"] == article.title, article.path
        assert doc["published"] == article.published, article.path
        for paragraph in article.paragraphs:
            assert paragraph[:60] in doc["text"], (article.path, paragraph[:60])
        for comment in article.comments:
            assert comment["text"][:40] not in doc["text"], article.path
        own_words = "\n".join(article.paragraphs)
        for furniture in BOILERPLATE:
            assert furniture in own_words or furniture not in doc["text"], (article.path, furniture)
        for other in articles()[article.site]:  # teasers of related articles stay out
            if other is not article and other.teaser and other.teaser not in own_words:
                assert other.teaser not in doc["text"], (article.path, other.teaser)


def test_syndicated_copies_are_kept_and_linked(world: DemoWorld, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'dupes.sqlite'}"
    crawl_toml(world.sources_toml(), tmp_path, db, names=["sellerledger", "marketbeacon"])
    docs = by_path(db)
    copies = [a for a in articles()["marketbeacon"] if a.syndicated_from and a.demo_day == 1]
    assert copies, "the demo world syndicates some stories"
    for copy in copies:
        site, slug = copy.syndicated_from.split(":")
        original = next(a for a in articles()[site] if a.slug == slug)
        linked = (
            docs[("marketbeacon", copy.path)]["near_duplicate_of"]
            or docs[(site, original.path)]["near_duplicate_of"]
        )
        pair = {docs[("marketbeacon", copy.path)]["id"], docs[(site, original.path)]["id"]}
        assert linked in pair, copy.path


def test_gbk_site_gives_the_right_chinese_characters(world: DemoWorld, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'gbk.sqlite'}"
    crawl_toml(world.sources_toml(), tmp_path, db, names=["kuajing"])
    docs = by_path(db)
    chinese = [
        a
        for a in articles()["kuajing"]
        if a.demo_day == 1 and any("\u4e00" <= c <= "\u9fff" for c in a.title)
    ]
    assert chinese, "the demo world has Chinese articles"
    for article in chinese:
        doc = docs[("kuajing", article.path)]
        assert doc["title"] == article.title
        assert article.paragraphs[0][:30] in doc["text"]


def test_robots_and_other_hosts_are_never_requested(world: DemoWorld, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'robots.sqlite'}"
    crawl_toml(world.sources_toml(), tmp_path, db, names=["sellerledger"])
    requested = world.requests("sellerledger")
    assert "/robots.txt" in requested
    assert not [path for path in requested if path.startswith("/members")]
    # The footer links to the other site under another host name; nothing reached it.
    assert world.requests("marketbeacon") == []


def test_recrawl_fetches_only_what_changed(world: DemoWorld, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'again.sqlite'}"
    crawl_toml(world.sources_toml(), tmp_path, db, names=NEWS)
    first = stored_state(db)
    world.clear_log()
    results = crawl_toml(world.sources_toml(), tmp_path, db, names=NEWS)
    assert sum(r.new + r.changed for r in results) == 0
    assert stored_state(db) == first
    article_fetches = [p for p in world.requests("sellerledger") if p.startswith("/2026/")]
    assert article_fetches == [], "no known, old article is downloaded again"

    # Day 2: one article is edited (its sitemap lastmod moves) and new ones are published.
    edited = articles()["sellerledger"][5]
    world.edit(edited, "An editor's note now opens this story, with a correction.")
    world.day = 2
    world.clear_log()
    results = {r.source: r for r in crawl_toml(world.sources_toml(), tmp_path, db, names=NEWS)}
    new_day2 = {site: sum(1 for a in articles()[site] if a.demo_day == 2) for site in NEWS}
    assert {site: results[site].new for site in NEWS} == new_day2
    assert results["sellerledger"].changed == 1
    doc = by_path(db)[("sellerledger", edited.path)]
    assert doc["text"].startswith("An editor's note")
    assert len(Store.open(db).content_history(doc["id"])) == 2


def test_every_failure_is_recorded_with_its_reason(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'trouble.sqlite'}"
    with TroubleSite(slow_seconds=4) as site:
        results = crawl_toml(
            site.sources_toml(),
            tmp_path,
            db,
            settings={"DOWNLOAD_TIMEOUT": 1, "DOWNLOAD_MAXSIZE": 200_000, "RETRY_TIMES": 0},
        )
        requested = list(site.requests)
    (result,) = results
    assert result.status == "finished"
    assert result.new == 1  # the one good page
    store = Store.open(db)
    (run,) = store.runs()
    reasons = {(f["url"].rsplit("/", 1)[-1], f["reason"]) for f in store.failures(run["id"])}
    expected = {
        ("missing.html", "http_404"),
        ("error.html", "http_500"),
        ("slow.html", "timeout"),
        ("loop1.html", "redirect_loop"),
        ("away.html", "offsite_redirect"),
        ("file.pdf", "not_html"),
        ("huge.html", "oversized"),
        ("garbage.html", "undecodable"),
        ("bomb.xml", "xml_entity_bomb"),
        ("broken.xml", "malformed_feed"),
        ("broken-sitemap.xml", "malformed_sitemap"),
    }
    assert expected <= reasons, expected - reasons
    assert run["counts"]["failures/http_404"] == 1
    assert "/private/secret.html" not in requested
    assert "/elsewhere.html" not in requested


def test_sigkill_mid_crawl_then_restart_loses_nothing(world: DemoWorld, tmp_path: Path) -> None:
    toml = tmp_path / "sources.toml"
    toml.write_text(world.sources_toml(), encoding="utf-8")
    sources = [asdict(s) for s in load_sources(toml) if s.name in NEWS]
    slow = {**FAST_CRAWL, "CONCURRENT_REQUESTS_PER_DOMAIN": 1, "DOWNLOAD_DELAY": 0.03}
    killed_db = f"sqlite:///{tmp_path / 'killed.sqlite'}"
    spec = tmp_path / "spec.json"
    spec.write_text(
        json.dumps(
            {
                "sources": sources,
                "db_url": killed_db,
                "settings": slow,
                "log_level": "ERROR",
                "result": str(tmp_path / "r.json"),
            }
        )
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "crawler.run", str(spec)], cwd=Path(__file__).parent.parent
    )
    store_file = tmp_path / "killed.sqlite"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.3)
        if store_file.exists() and 20 <= len(stored_state(killed_db)) < 120:
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    interrupted = stored_state(killed_db)
    assert 0 < len(interrupted) < 155, "the crawl was killed mid-way"
    crawl_toml(world.sources_toml(), tmp_path, killed_db, names=NEWS)
    clean_db = f"sqlite:///{tmp_path / 'clean.sqlite'}"
    crawl_toml(world.sources_toml(), tmp_path, clean_db, names=NEWS)
    assert stored_state(killed_db) == stored_state(clean_db)


@pytest.mark.parametrize("site", ["sellerledger", "marketbeacon"])
def test_conditional_requests_get_304_for_unchanged_feeds(
    world: DemoWorld, tmp_path: Path, site: str
) -> None:
    db = f"sqlite:///{tmp_path / 'cond.sqlite'}"
    crawl_toml(world.sources_toml(), tmp_path, db, names=[site])
    store = Store.open(db)
    feeds = [url for url, state in store.page_states(site).items() if state["etag"]]
    assert feeds, "feeds and sitemaps record their ETag"


def test_a_copy_is_linked_to_an_original_another_process_stored(tmp_path: Path) -> None:
    """The signature the extraction worker computes on raw text matches the stored, normalised
    text of the original, whatever its Unicode form and layout."""
    db = f"sqlite:///{tmp_path / 'neardup.sqlite'}"
    store = Store.open(db)
    story = [  # French sellers' news: accents in many words
        "Les vendeurs français d'Amazon signalent une vague de suppressions de marques mardi soir.",
        "Plusieurs boutiques ont vu leurs dossiers Brand Registry fermés sans réponse détaillée.",
        "Le support vendeur évoque une vérification automatisée déclenchée trop tôt cette semaine.",
        "La plupart des fiches sont revenues jeudi, mais des évaluations ont été perdues en route.",
    ]
    original = "\n\n".join(story)
    original_id, _ = store.upsert_document(
        {"url": "http://127.0.0.1/a", "source": "one", "kind": "news", "title": "T", "text": original}
    )
    store.upsert_document(  # another story in the index, which the copy must not be linked to
        {"url": "http://127.0.0.1/b", "source": "one", "kind": "news", "title": "U", "text": "x y " * 200}
    )
    # As another site's page comes out of extraction: decomposed accents, other line breaks.
    copy = unicodedata.normalize("NFD", "\r\n".join(f"  {p}\u00a0" for p in story))
    index = NearDuplicateIndex(Store.open(db))
    assert index.original_of("copy", copy, minhash(copy)) == original_id
    assert index.original_of("fresh", "y z " * 200, minhash("y z " * 200)) is None


def test_copies_stored_at_once_by_two_processes_are_linked(tmp_path: Path) -> None:
    """Two workers store copies of one story within a catch-up interval, each before seeing the
    other's: the later-stored copy ends up linked to the earlier, whichever catches up first."""
    story = " ".join(f"Sellers in region {i} report that listings were removed overnight." for i in range(12))

    def stored(db: str, worker: NearDuplicateIndex, url: str, text: str) -> str:
        doc_id, _ = Store.open(db).upsert_document(
            {"url": url, "source": url.split("/")[2], "kind": "news", "title": "T", "text": text}
        )
        assert worker.original_of(doc_id, text, minhash(text)) is None  # nothing seen to link to
        return doc_id

    for first_to_catch_up in ("a", "b"):
        db = f"sqlite:///{tmp_path / f'race-{first_to_catch_up}.sqlite'}"
        # An hour between catch-ups: however slow this machine, both stores fall in one interval.
        worker_a, worker_b = (NearDuplicateIndex(Store.open(db), catch_up_seconds=3600) for _ in "ab")
        stored(db, worker_b, "http://b.example/unrelated", "Another story altogether. " * 20)
        original = stored(db, worker_a, "http://a.example/story", story)
        copy = stored(db, worker_b, "http://b.example/copy", story + " Reprinted with permission.")
        assert Store.open(db).get_document(copy)["near_duplicate_of"] is None

        workers = {"a": worker_a, "b": worker_b}
        workers[first_to_catch_up].catch_up()
        workers["b" if first_to_catch_up == "a" else "a"].catch_up()
        assert Store.open(db).get_document(copy)["near_duplicate_of"] == original
        assert Store.open(db).get_document(original)["near_duplicate_of"] is None
        assert worker_a.reconciled + worker_b.reconciled >= 1
