"""HTML reader for government web pages.

trafilatura finds the article body and drops navigation, share bars and footers; what
it keeps goes through the same furniture filter as TXT as a second line of defence.
It is also slow (~0.5 s a MB), so it is the fallback: a page with a known CMS article
container, or one element that unambiguously holds the page's prose, is read directly
with lxml (tests check both routes give trafilatura's text on the same page).
Two things it drops that we need are recovered from the page itself: the title (<h1>,
else <title> without the site name) and the disclosure table (索引号, 文号, 发布机构,
生成日期), rendered as one "key value" line above the body.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from policytrack.ingest.document import Block
from policytrack.ingest.errors import IngestError

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_GB = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}
_DISCLOSURE_KEYS = ("索引号", "文号", "发文字号", "发布机构", "发文机关", "生成日期", "成文日期", "发布日期")


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def _parser():
    """A new parser per page: lxml parsers must not be shared between threads."""
    from lxml import etree

    return etree.HTMLParser(no_network=True)


def decode_html(data: bytes, path: Path) -> str:
    """Declared charset first (GB family decoded as GB18030, its superset), then UTF-8,
    then GB18030, then detection."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte-order mark
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise IngestError(path, "damaged UTF-16 HTML page") from None
    if b"\x00" in data[:4096]:
        raise IngestError(path, "binary content, not an HTML page")
    m = _META_CHARSET.search(data[:4096])
    tried = []
    if m:
        enc = m.group(1).decode("ascii").lower()
        enc = "gb18030" if enc in _GB else enc
        tried.append(enc)
    tried += ["utf-8", "gb18030"]
    for enc in tried:
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    from policytrack.ingest.txt import decode_by_line

    mixed = decode_by_line(data, b">")  # a GBK page with UTF-8 paragraphs pasted in, tag by tag
    if mixed is not None:
        return mixed
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise IngestError(path, "cannot detect the HTML encoding")
    return str(best)


_DISCLOSURE_START = re.compile("|".join(_DISCLOSURE_KEYS))


def _disclosure_line(strings: list[str]) -> str | None:
    """strings: the page's stripped, non-empty text runs in document order."""
    found: dict[str, str] = {}
    for i, s in enumerate(strings):
        m = _DISCLOSURE_START.match(s)
        if m is None:
            continue
        key = next(k for k in _DISCLOSURE_KEYS if s.startswith(k))
        if key in found:
            continue
        rest = s[len(key):].lstrip(" ：:").strip()
        if not rest and i + 1 < len(strings):
            rest = strings[i + 1]
        if rest and not _DISCLOSURE_START.match(rest) and len(rest) <= 60:
            found[key] = rest.split()[0]
    if not found:
        return None
    return " ".join(f"{k} {v}" for k, v in found.items())


def _title(tree) -> str | None:
    for xp in ("//h1", "//*[contains(@class,'title')]", "//title"):
        for el in tree.xpath(xp):
            text = " ".join("".join(el.itertext()).split())
            if xp == "//title":
                text = re.split(r"\s*[_|｜\-–—]\s*", text)[0]
            if 4 <= len(text) <= 100:
                return text
    return None


def _blocks_from_xml(xml: str) -> list[Block]:
    from lxml import etree

    root = etree.fromstring(xml.encode("utf-8"))
    main = root.find("main")
    blocks: list[Block] = []
    for el in (main if main is not None else root).iterchildren():
        if el.tag == "table":
            rows = [["".join(c.itertext()) for c in row.findall("cell")] for row in el.iter("row")]
            blocks.append(Block(rows=rows))
        elif el.tag == "list":
            for item in el.iter("item"):
                blocks.append(Block(text="".join(item.itertext())))
        else:
            blocks.append(Block(text="".join(el.itertext())))
    return blocks


_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "section", "article", "blockquote", "center", "pre", "dd", "dt"}
_SKIP_TAGS = {"script", "style", "noscript", "iframe", "form", "button", "select", "input", "img"}


_XPATH_LITERAL = re.compile(r"'([^']*)'|\"([^\"]*)\"")


@lru_cache(maxsize=1)
def _container_xpaths() -> list[tuple[tuple[str, ...], object]]:
    """Compiled container XPaths, each with the literals (id / class names) that must
    appear in the page source for it to match, so most pages skip the tree search."""
    from lxml import etree

    from policytrack.lexicons import load_yaml

    out = []
    for xp in load_yaml("furniture.yaml").get("content_containers", []):
        lits = tuple(x.strip() for pair in _XPATH_LITERAL.findall(xp) for x in pair if x.strip())
        out.append((lits, etree.XPath(xp)))
    return out


def _container(tree, source: str):
    """The single known CMS article container of the page, if there is exactly one."""
    for lits, xp in _container_xpaths():
        if lits and not any(lit in source for lit in lits):
            continue
        found = xp(tree)
        if len(found) == 1:
            return found[0]
        if found:
            return None  # ambiguous: let trafilatura decide
    return None


_INLINE_TAGS = {"span", "font", "strong", "b", "em", "i", "u", "a", "sup", "sub", "small", "big", "label", "code", "br"}
_CELL_LIKE = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dd", "dt", "pre", "blockquote", "center"}
MAIN_MIN_CHARS = 200      # below this a page is too small to judge: trafilatura decides
MAIN_TEXT_MIN_RUN = 20    # text runs shorter than this (menus, labels, dates) carry no vote
MAIN_SHARE = 0.85         # the chosen container must hold this share of the page's prose


def main_container(tree, texts: list | None = None):
    """The element holding the page's prose, found without trafilatura when the answer
    is unambiguous; None when trafilatura has to decide.

    trafilatura costs ~0.5 s per MB here, mostly pruning and scoring nodes the page's
    structure already rules out.  Government pages put the article in one element:
    every run of prose (a text run of 20+ characters outside links, scripts and forms)
    votes for the element that holds its paragraph (a <p>'s parent, or a <div>/<td>
    holding text directly).  When the element with the most votes (with its
    descendants) holds 85% or more of all prose on the page, the rest is navigation
    and footers and the element is read directly; anything less clear-cut (prose
    split over several containers, comment sections, link lists) goes to trafilatura.
    Tests check both paths give the same text on the same page.

    texts: the page body's text nodes (`.//text()`), when the caller already has them."""
    votes: dict = {}
    total = 0
    if texts is None:
        body = tree.find(".//body")
        texts = (body if body is not None else tree).xpath(".//text()")
    for text in texts:
        n = len(text.strip())
        if n < MAIN_TEXT_MIN_RUN:
            continue
        el = text.getparent()
        if el is None:
            continue
        if text.is_tail:  # a tail belongs to the parent's block ("<br>text" in a div)
            el = el.getparent()
        skip = False
        while el is not None and isinstance(el.tag, str) and el.tag in _INLINE_TAGS:
            if el.tag == "a":
                skip = True
            el = el.getparent()
        if skip or el is None or not isinstance(el.tag, str) or el.tag in _SKIP_TAGS:
            continue
        if el.tag in _CELL_LIKE:
            el = el.getparent()
            if el is None:
                continue
        votes[el] = votes.get(el, 0) + n
        total += n
    if total < MAIN_MIN_CHARS or not votes:
        return None
    best = max(votes, key=votes.get)
    # the best container's share, counting votes of its descendants too
    inside = 0
    for el, n in votes.items():
        e = el
        while e is not None and e is not best:
            e = e.getparent()
        if e is best:
            inside += n
    if best.tag in ("body", "html") or inside < MAIN_SHARE * total:
        return None
    for a in best.iterancestors():  # inside a form or a comment list: not an article
        if a.tag in _SKIP_TAGS:
            return None
    return best


LINK_LIST_SHARE = 0.6  # an element whose text is mostly 2+ links is a link list


def _is_link_list(e) -> bool:
    """相关链接 / 上一篇 下一篇 / share bars inside the article element: two or more links
    making up most of the element's text, as trafilatura drops them.  The attachment
    line (附件：<a>…</a> <a>…</a>) is content and stays."""
    links = e.findall(".//a")
    if len(links) < 2:
        return False
    text = "".join(e.itertext()).strip()
    if not text or text.startswith("附件"):
        return False
    linked = sum(len("".join(a.itertext()).strip()) for a in links)
    return linked >= LINK_LIST_SHARE * len(text.replace(" ", ""))


def _container_blocks(el) -> list[Block]:
    """Blocks of a known article container, in document order: each leaf block element
    (or loose text) becomes a paragraph, each table its rows."""
    for br in el.iter("br"):
        br.tail = "\n" + (br.tail or "")
    out: list[Block] = []

    def has_block_child(e) -> bool:
        if len(e) == 0:
            return False
        return any(isinstance(c.tag, str) and (c.tag in _BLOCK_TAGS or c.tag == "table") for c in e.iterdescendants())

    def walk(e) -> None:
        tag = e.tag if isinstance(e.tag, str) else ""
        if not tag or tag in _SKIP_TAGS:
            return
        if len(e) and e is not el and _is_link_list(e):  # (a childless element has no links)
            return
        if tag == "table":
            rows = []
            for tr in e.iter("tr"):
                rows.append(["".join(c.itertext()) for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")])
            out.append(Block(rows=rows))
            return
        if len(e) == 0:  # most paragraphs: no markup inside
            if e.text and e.text.strip():
                out.append(Block(text=e.text))
            return
        if not has_block_child(e):  # a leaf block, or inline markup holding text
            text = "".join(e.itertext())
            if text.strip():
                out.append(Block(text=text))
            return
        if e.text and e.text.strip():
            out.append(Block(text=e.text))
        for c in e:
            walk(c)
            if c.tail and c.tail.strip():
                out.append(Block(text=c.tail))

    walk(el)
    return out


def read_html(path: Path, *, engine: str = "auto") -> list[Block]:
    """engine: "auto" (known CMS container, else an unambiguous main container read
    directly, else trafilatura) or
    "trafilatura" (always; the reference the fast path is tested against)."""
    from lxml import etree

    html = _XML_DECL.sub("", decode_html(path.read_bytes(), path), count=1)
    # plain lxml elements, not lxml.html's: those look up a Python element class for
    # every node touched, a tenth of the reading time on pages of many short <p>
    try:
        tree = etree.fromstring(html, _parser())
    except (ValueError, etree.LxmlError) as exc:
        raise IngestError(path, f"not a readable HTML page ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
    if tree is None:
        raise IngestError(path, "no HTML content")
    title = _title(tree)
    body_el = tree.find(".//body")
    texts = (body_el if body_el is not None else tree).xpath(".//text()")
    strings = [t for t in (x.strip() for x in texts) if t]
    line = _disclosure_line(strings)
    box = None
    if engine == "auto":
        box = _container(tree, html)
        if box is None:
            box = main_container(tree, texts)
    if box is not None:
        body = _container_blocks(box)
        if body:
            return _with_head(body, title, line)
    import trafilatura

    fallback = [Block(text=t) for t in strings]
    # trafilatura parses the page itself (its own lxml.html tree, untouched by the above)
    xml = trafilatura.extract(html, output_format="xml", include_tables=True, include_comments=False, favor_recall=True, fast=True)
    body = _blocks_from_xml(xml) if xml else []
    if not body:  # tiny or unusual page: all text, the furniture filter does the rest
        body = fallback
    return _with_head(body, title, line)


def _with_head(body: list[Block], title: str | None, disclosure: str | None) -> list[Block]:
    head: list[Block] = []
    if title and not any(b.text.strip() == title for b in body[:5]):
        head.append(Block(text=title))
    if disclosure:
        head.append(Block(text=disclosure))
    return head + body
