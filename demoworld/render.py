"""Each demo site's own templates: pages as real sites build them, boilerplate and all."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape

from demoworld.content import Article, ForumThread

PER_PAGE = 10


def _paras(article: Article) -> str:
    return "\n".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)


def _teasers(others: list[Article], limit: int = 5) -> list[Article]:
    return others[:limit]


# ----- Seller Ledger: WordPress-like ---------------------------------------------------------
def ledger_article(
    a: Article, prev: Article | None, nxt: Article | None, related: list[Article], offsite: str
) -> str:
    jsonld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.title,
        "datePublished": a.published.isoformat(),
        "dateModified": (a.updated or a.published).isoformat(),
        "author": {"@type": "Person", "name": a.author},
        "keywords": a.tags,
        "publisher": {"@type": "Organization", "name": "Seller Ledger"},
    }
    related_html = "".join(
        f'<li><a href="{r.path}">{escape(r.title)}</a><p class="excerpt">{escape(r.teaser)}</p></li>'
        for r in related
    )
    comments = "".join(
        f'<li class="comment"><div class="comment-author">{escape(c.get("author", ""))}</div>'
        f'<div class="comment-date">{escape(str(c.get("date", "")))}</div>'
        f'<div class="comment-content"><p>{escape(c.get("text", ""))}</p></div></li>'
        for c in a.comments
    )
    nav_prev = f'<a rel="prev" href="{prev.path}">&laquo; {escape(prev.title)}</a>' if prev else ""
    nav_next = f'<a rel="next" href="{nxt.path}">{escape(nxt.title)} &raquo;</a>' if nxt else ""
    tags = "".join(
        f'<a rel="tag" href="/tag/{escape(t.lower().replace(" ", "-"))}/">{escape(t)}</a>' for t in a.tags
    )
    updated = (
        (
            f' &middot; Updated <time class="updated" datetime="{a.updated.isoformat()}">'
            f"{a.updated:%B %d, %Y}</time>"
        )
        if a.updated
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en-US"><head><meta charset="utf-8">
<title>{escape(a.title)} | Seller Ledger</title>
<meta name="description" content="{escape(a.teaser)}">
<meta property="og:type" content="article"><meta property="og:title" content="{escape(a.title)}">
<link rel="canonical" href="{a.path}">
<script type="application/ld+json">{json.dumps(jsonld)}</script>
</head><body class="single single-post">
<div id="cookie-notice" class="cookie-banner">We use cookies to measure readership and keep you signed in. <button>Accept all</button> <button>Manage preferences</button></div>
<header class="site-header"><a class="logo" href="/">Seller Ledger</a>
<nav class="main-nav"><ul><li><a href="/">Home</a></li><li><a href="/category/amazon/">Amazon</a></li><li><a href="/category/ebay/">eBay</a></li><li><a href="/category/logistics/">Logistics</a></li><li><a href="/members/">Members</a></li><li><a href="/page/2/">Archive</a></li></ul></nav></header>
<main id="content"><article class="post type-post">
<header class="entry-header"><span class="cat-links"><a href="/category/{escape(a.section.lower())}/">{escape(a.section)}</a></span>
<h1 class="entry-title">{escape(a.title)}</h1>
<div class="entry-meta">By <span class="author-name"><a rel="author" href="/author/{escape(a.author.lower().replace(" ", "-"))}/">{escape(a.author)}</a></span> &middot;
<time class="entry-date published" datetime="{a.published.isoformat()}">{a.published:%B %d, %Y}</time>{updated}</div></header>
<div class="share-bar"><span>Share:</span> <a href="#">Facebook</a> <a href="#">X</a> <a href="#">LinkedIn</a> <a href="#">Email</a></div>
<div class="entry-content">
{_paras(a)}
</div>
<footer class="entry-footer"><div class="tags-links">Tagged: {tags}</div></footer>
</article>
<nav class="post-navigation"><div class="nav-previous">{nav_prev}</div><div class="nav-next">{nav_next}</div></nav>
<section class="related-posts"><h2>Related articles</h2><ul>{related_html}</ul></section>
<section id="comments" class="comments-area"><h2 class="comments-title">{len(a.comments)} comments</h2><ol class="comment-list">{comments}</ol>
<form class="comment-form"><textarea name="comment"></textarea><button>Post comment</button></form></section>
</main>
<aside class="sidebar"><div class="widget newsletter"><h3>Get the Ledger daily</h3><p>Seller news in your inbox every weekday morning.</p></div></aside>
<footer class="site-footer"><p>&copy; 2026 Seller Ledger. Partner site: <a href="{offsite}/">Market Beacon mirror</a></p></footer>
</body></html>"""


def ledger_listing(items: list[Article], page: int, pages: int) -> str:
    entries = "".join(
        f'<article class="post-summary"><h2 class="entry-title"><a href="{a.path}">{escape(a.title)}</a></h2>'
        f'<time datetime="{a.published.isoformat()}">{a.published:%B %d, %Y}</time>'
        f"<p>{escape(a.teaser)}</p></article>"
        for a in items
    )
    older = (
        f'<a class="next page-numbers" rel="next" href="/page/{page + 1}/">Older posts</a>'
        if page < pages
        else ""
    )
    newer = (
        ""
        if page == 1
        else f'<a class="prev page-numbers" href="{"/" if page == 2 else f"/page/{page - 1}/"}">Newer posts</a>'
    )
    return f"""<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8"><title>Seller Ledger – page {page}</title>
<link rel="alternate" type="application/rss+xml" href="/feed/"></head><body class="home blog">
<header><a href="/">Seller Ledger</a><nav><a href="/members/">Members lounge</a> <a href="/members/archive/">Members archive</a></nav></header>
<main>{entries}<nav class="pagination nav-links">{newer} {older}</nav></main></body></html>"""


def ledger_feed(items: list[Article], base: str) -> str:
    entries = "".join(
        f"<item><title>{escape(a.title)}</title><link>{base}{a.path}</link><guid>{base}{a.path}</guid>"
        f"<pubDate>{format_datetime(a.published)}</pubDate><description>{escape(a.teaser)}</description></item>"
        for a in items
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Seller Ledger</title>'
        f"<link>{base}/</link><description>Seller news</description>{entries}</channel></rss>"
    )


def urlset(entries: list[tuple[str, datetime, str | None]], news: bool = False) -> str:
    rows = []
    for loc, lastmod, title in entries:
        extra = ""
        if news and title:
            extra = (
                f"<news:news><news:publication><news:name>Market Beacon</news:name><news:language>en"
                f"</news:language></news:publication><news:publication_date>{lastmod.isoformat()}"
                f"</news:publication_date><news:title>{escape(title)}</news:title></news:news>"
            )
        rows.append(f"<url><loc>{escape(loc)}</loc><lastmod>{lastmod.isoformat()}</lastmod>{extra}</url>")
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>'
        + "".join(rows)
        + "</urlset>"
    )


def sitemap_index(locs: list[tuple[str, datetime]]) -> str:
    rows = "".join(
        f"<sitemap><loc>{escape(loc)}</loc><lastmod>{m.isoformat()}</lastmod></sitemap>" for loc, m in locs
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</sitemapindex>'


# ----- Market Beacon: a news portal ------------------------------------------------------------
def beacon_article(a: Article, recommended: list[Article], prev: Article | None, nxt: Article | None) -> str:
    recs = "".join(
        f'<div class="rec-card"><a href="{r.path}"><h4>{escape(r.title)}</h4></a><span>{escape(r.teaser)}</span></div>'
        for r in recommended
    )
    comments = "".join(
        f'<div class="discussion-item"><b>{escape(c.get("author", ""))}</b> <small>{escape(str(c.get("date", "")))}</small>'
        f"<div>{escape(c.get('text', ''))}</div></div>"
        for c in a.comments
    )
    tags = "".join(f'<meta property="article:tag" content="{escape(t)}">' for t in a.tags)
    modified = (
        f'<meta property="article:modified_time" content="{a.updated.isoformat()}">' if a.updated else ""
    )
    pager = "".join(
        [
            f'<a class="pager-prev" href="{prev.path}">Previous: {escape(prev.title)}</a>' if prev else "",
            f'<a class="pager-next" href="{nxt.path}">Next: {escape(nxt.title)}</a>' if nxt else "",
        ]
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<title>{escape(a.title)} - Market Beacon</title>
<meta property="og:title" content="{escape(a.title)}"><meta property="og:type" content="article">
<meta property="article:published_time" content="{a.published.isoformat()}">{modified}
<meta name="author" content="{escape(a.author)}">{tags}
<link rel="canonical" href="{a.path}"></head>
<body><div class="gdpr-consent"><p>Market Beacon and its partners store cookies on your device for analytics and personalised ads.</p><a href="#">I agree</a></div>
<div class="topbar"><a href="/">MARKET BEACON</a> | <a href="/news">Latest</a> | <a href="/news?page=2">More news</a> | <a href="/subscribe">Subscribe</a></div>
<div class="layout"><div class="story">
<div class="kicker">{escape(a.section)}</div><h1 class="headline">{escape(a.title)}</h1>
<p class="standfirst">{escape(a.teaser)}</p>
<div class="byline">by <span class="byline-name">{escape(a.author)}</span> &mdash; <time datetime="{a.published.isoformat()}">{a.published:%d %b %Y, %H:%M}</time></div>
<ul class="social-share"><li><a href="#">Share on LinkedIn</a></li><li><a href="#">Copy link</a></li></ul>
<div class="story-body">
{_paras(a)}
</div>
<div class="newsletter-box"><h3>Data-driven marketplace news, weekly.</h3><form><input type="email"><button>Sign up</button></form></div>
<div class="pager">{pager}</div>
<div class="discussion"><h3>Discussion</h3>{comments}</div>
</div>
<aside class="recommended"><h3>Recommended for you</h3>{recs}</aside></div>
<footer><p>Market Beacon Media Ltd. All rights reserved.</p><a href="/about">About</a> <a href="/privacy">Privacy</a></footer>
</body></html>"""


def beacon_listing(items: list[Article], page: int, pages: int) -> str:
    cards = "".join(
        f'<div class="card"><a class="card-link" href="{a.path}">{escape(a.title)}</a>'
        f'<span class="card-date">{a.published:%d %b %Y}</span><p>{escape(a.teaser)}</p></div>'
        for a in items
    )
    nxt = f'<a class="next" rel="next" href="/news?page={page + 1}">Next page</a>' if page < pages else ""
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><title>Latest news - Market Beacon</title>
<link rel="alternate" type="application/atom+xml" href="/atom.xml"></head>
<body><div class="topbar"><a href="/">MARKET BEACON</a></div><div class="cards">{cards}</div><div class="pagination">{nxt}</div></body></html>"""


def beacon_atom(items: list[Article], base: str) -> str:
    updated = max((a.lastmod for a in items), default=datetime.now(UTC))
    entries = "".join(
        f'<entry><title>{escape(a.title)}</title><link href="{base}{a.path}"/><id>{base}{a.path}</id>'
        f"<published>{a.published.isoformat()}</published><updated>{a.lastmod.isoformat()}</updated>"
        f"<summary>{escape(a.teaser)}</summary><author><name>{escape(a.author)}</name></author></entry>"
        for a in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Market Beacon</title><id>{base}/</id><updated>{updated.isoformat()}</updated>"
        f'<link href="{base}/"/>{entries}</feed>'
    )


# ----- Kuajing Daily: a GBK-encoded cross-border site -----------------------------------------
def kuajing_article(a: Article, prev: Article | None, nxt: Article | None, recommend: list[Article]) -> str:
    local = a.published
    recs = "".join(
        f'<li><a href="{r.path}">{escape(r.title)}</a><p>{escape(r.teaser[:40])}...</p></li>'
        for r in recommend
    )
    prev_html = f'<p class="pre">&lt;&lt;: <a href="{prev.path}">{escape(prev.title)}</a></p>' if prev else ""
    next_html = f'<p class="next">&gt;&gt;: <a href="{nxt.path}">{escape(nxt.title)}</a></p>' if nxt else ""
    return f"""<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>{escape(a.title)}_跨境头条</title>
<meta name="keywords" content="{escape(",".join(a.tags))}">
</head><body>
<div class="top"><a href="/">跨境头条首页</a> | <a href="/list_1.html">资讯</a> | <a href="/list_2.html">更多</a> | <a href="/about.html">关于我们</a></div>
<div class="weizhi">当前位置：<a href="/">首页</a> &gt; <a href="/list_1.html">{escape(a.section)}</a></div>
<div class="main"><div class="left">
<h1 class="title">{escape(a.title)}</h1>
<div class="info">发布时间：{local:%Y-%m-%d %H:%M} &nbsp; 作者：{escape(a.author)} &nbsp; 来源：跨境头条</div>
<div class="content" id="article">
{_paras(a)}
</div>
<div class="plat">{escape(a.section)} Platform</div>
{prev_html}{next_html}
<div class="recommend"><h3>Recommend</h3><ul>{recs}</ul></div>
</div><div class="right"><h3>热门标签</h3><p>亚马逊 Temu TikTok 物流 选品 支付</p></div></div>
<div class="foot">Copyright 跨境头条 版权所有 粤ICP备00000000号</div>
</body></html>"""


def kuajing_listing(items: list[Article], page: int, pages: int) -> str:
    rows = "".join(
        f'<li><a href="{a.path}">{escape(a.title)}</a><span>{a.published:%Y-%m-%d}</span></li>' for a in items
    )
    nxt = f'<a class="next" href="/list_{page + 1}.html">下一页</a>' if page < pages else ""
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"><title>资讯列表_跨境头条</title></head>
<body><div class="top"><a href="/">跨境头条首页</a></div><ul class="list">{rows}</ul><div class="pages">{nxt}</div></body></html>"""


def kuajing_rss(items: list[Article], base: str) -> str:
    entries = "".join(
        f"<item><title>{escape(a.title)}</title><link>{base}{a.path}</link>"
        f"<pubDate>{format_datetime(a.published)}</pubDate></item>"
        for a in items
    )
    return (
        f'<?xml version="1.0" encoding="gbk"?><rss version="2.0"><channel><title>跨境头条</title>'
        f"<link>{base}/</link><description>跨境电商资讯</description>{entries}</channel></rss>"
    )


# ----- Discourse -------------------------------------------------------------------------------
CATEGORY_IDS = {
    "Amazon": 5,
    "Etsy": 6,
    "eBay": 7,
    "Walmart": 8,
    "TikTok Shop": 9,
    "Temu": 10,
    "Shopee": 11,
    "General": 12,
}


def discourse_cooked(text: str, quote: dict | None, author_of: dict[int, str]) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n") if p.strip())
    if quote:
        number = int(quote.get("post_number") or 1)
        who = escape(author_of.get(number, "someone"))
        body = (
            f'<aside class="quote no-group" data-username="{who}" data-post="{number}">'
            f'<div class="title">{who}:</div><blockquote><p>{escape(quote.get("text", ""))}</p>'
            f"</blockquote></aside>" + body
        )
    return body


def discourse_post_json(thread: ForumThread, number: int, day: int) -> dict:
    post = thread.posts[number - 1]
    authors = {p.number: p.author for p in thread.posts}
    return {
        "id": thread.id * 1000 + number,
        "post_number": number,
        "username": post.author,
        "name": post.author,
        "created_at": post.created.isoformat().replace("+00:00", "Z"),
        "updated_at": post.created.isoformat().replace("+00:00", "Z"),
        "cooked": discourse_cooked(post.text, post.quote, authors),
        "reply_to_post_number": (post.quote or {}).get("post_number"),
        "topic_id": thread.id,
        "deleted_at": None,
        "user_deleted": False,
    }


def discourse_topic_summary(thread: ForumThread, day: int) -> dict:
    posts = thread.visible_posts(day)
    bumped = posts[-1].created.isoformat().replace("+00:00", "Z")
    return {
        "id": thread.id,
        "title": thread.title,
        "fancy_title": escape(thread.title),
        "slug": thread.slug,
        "posts_count": len(posts),
        "reply_count": len(posts) - 1,
        "created_at": posts[0].created.isoformat().replace("+00:00", "Z"),
        "last_posted_at": bumped,
        "bumped_at": bumped,
        "bumped": True,
        "views": thread.views,
        "category_id": CATEGORY_IDS.get(thread.category, 12),
        "visible": True,
        "closed": False,
    }


def discourse_topic_json(thread: ForumThread, day: int, near: int | None = None) -> dict:
    """``/t/{slug}/{id}.json``, or with ``near`` (``/t/{slug}/{id}/{n}.json``) the 20 posts from n."""
    posts = thread.visible_posts(day)
    summary = discourse_topic_summary(thread, day)
    start = max((near or 1) - 1, 0)
    return {
        **summary,
        "post_stream": {
            "posts": [discourse_post_json(thread, p.number, day) for p in posts[start : start + 20]],
            "stream": [thread.id * 1000 + p.number for p in posts],
        },
    }


# ----- phpBB -----------------------------------------------------------------------------------
PHPBB_FORUMS = {1: "Amazon Sellers", 2: "Other Marketplaces", 3: "Off Topic"}
PHPBB_POSTS_PER_PAGE = 10
PHPBB_TOPICS_PER_PAGE = 8


def phpbb_forum_id(thread: ForumThread) -> int:
    for fid, name in PHPBB_FORUMS.items():
        if name == thread.category:
            return fid
    return 3 if "off" in thread.category.lower() else (1 if thread.platform == "amazon" else 2)


def phpbb_date(when: datetime) -> str:
    return (
        when.astimezone(UTC)
        .strftime("%a %b %d, %Y %I:%M %p")
        .replace(" 0", " ")
        .lower()
        .replace(when.astimezone(UTC).strftime("%a %b").lower(), when.astimezone(UTC).strftime("%a %b"))
    )


def phpbb_viewforum(fid: int, threads: list[ForumThread], day: int, start: int) -> str:
    rows = []
    for thread in threads[start : start + PHPBB_TOPICS_PER_PAGE]:
        posts = thread.visible_posts(day)
        rows.append(
            f'<li class="row"><dl class="row-item topic_read"><dt><div class="list-inner">'
            f'<a href="./viewtopic.php?t={thread.id}" class="topictitle">{escape(thread.title)}</a><br>'
            f'by <a class="username">{escape(posts[0].author)}</a> &raquo; {phpbb_date(posts[0].created)}</div></dt>'
            f'<dd class="posts">{len(posts) - 1} <dfn>Replies</dfn></dd><dd class="views">{thread.views} <dfn>Views</dfn></dd>'
            f'<dd class="lastpost"><span>by {escape(posts[-1].author)} &raquo; {phpbb_date(posts[-1].created)}</span></dd></dl></li>'
        )
    nxt = start + PHPBB_TOPICS_PER_PAGE
    pagination = (
        f'<div class="pagination"><ul><li class="next"><a rel="next" href="./viewforum.php?f={fid}&amp;start={nxt}">Next</a></li></ul></div>'
        if nxt < len(threads)
        else '<div class="pagination"></div>'
    )
    return f"""<!DOCTYPE html><html dir="ltr" lang="en-gb"><head><meta charset="utf-8"><title>{escape(PHPBB_FORUMS[fid])} - Marketplace Sellers Board</title></head>
<body id="phpbb" class="section-viewforum"><div id="wrap"><div class="headerbar"><h1>Marketplace Sellers Board</h1></div>
<h2 class="forum-title"><a href="./viewforum.php?f={fid}">{escape(PHPBB_FORUMS[fid])}</a></h2>
<div class="forumbg"><ul class="topiclist topics">{"".join(rows)}</ul></div>{pagination}
<div class="copyright">Powered by phpBB&reg; Forum Software</div></div></body></html>"""


def phpbb_viewtopic(thread: ForumThread, day: int, start: int) -> str:
    posts = thread.visible_posts(day)
    authors = {p.number: p.author for p in posts}
    blocks = []
    for post in posts[start : start + PHPBB_POSTS_PER_PAGE]:
        quote = ""
        if post.quote:
            who = escape(authors.get(int(post.quote.get("post_number") or 1), "someone"))
            quote = f"<blockquote><div><cite>{who} wrote:</cite>{escape(post.quote.get('text', ''))}</div></blockquote>"
        paragraphs = "<br><br>".join(escape(p) for p in post.text.split("\n\n"))
        prefix = "" if post.number == 1 else "Re: "
        blocks.append(
            f'<div id="p{thread.id * 1000 + post.number}" class="post has-profile bg{1 + post.number % 2}"><div class="inner">'
            f'<dl class="postprofile"><dt><a class="username">{escape(post.author)}</a></dt><dd>Posts: {10 + post.number}</dd></dl>'
            f'<div class="postbody"><h3>{prefix}{escape(thread.title)}</h3>'
            f'<p class="author">by <strong><a class="username">{escape(post.author)}</a></strong> &raquo; {phpbb_date(post.created)}</p>'
            f'<div class="content">{quote}{paragraphs}</div>'
            f'<div class="signature">Selling since 2015 | all opinions my own</div></div></div></div>'
        )
    nxt = start + PHPBB_POSTS_PER_PAGE
    pagination = (
        f'<div class="pagination"><ul><li class="next"><a rel="next" href="./viewtopic.php?t={thread.id}&amp;start={nxt}">Next</a></li></ul></div>'
        if nxt < len(posts)
        else '<div class="pagination"></div>'
    )
    return f"""<!DOCTYPE html><html dir="ltr" lang="en-gb"><head><meta charset="utf-8"><title>{escape(thread.title)} - Marketplace Sellers Board</title></head>
<body id="phpbb" class="section-viewtopic"><div id="wrap"><div class="headerbar"><h1>Marketplace Sellers Board</h1></div>
<h2 class="topic-title"><a href="./viewtopic.php?t={thread.id}">{escape(thread.title)}</a></h2>
{pagination}{"".join(blocks)}{pagination}
<div class="copyright">Powered by phpBB&reg; Forum Software</div></div></body></html>"""
