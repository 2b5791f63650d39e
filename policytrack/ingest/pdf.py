"""PDF reader: text in reading order, tables as rows, page furniture removed.

Speed: pdfplumber costs ~50 ms a page, mostly in pdfminer's layout analysis, while
pdfium (pypdfium2, which pdfplumber already depends on) reads a page's text in about a
millisecond.  Tables, however, need pdfplumber's ruling-line analysis.  So each page is
first inspected with pdfium: a page with no drawn rectangles and fewer than four path
objects cannot contain a ruled table, and its lines are taken from pdfium; any other
page goes through pdfplumber (tables + the text outside them).  Both give the same
`_Line` records (text and box), and everything after that — header/footer removal,
re-joining wrapped lines and sentences broken by a page break — is shared, so the
output does not depend on which engine read a page (tests check this).  For that the
pdfium lines are built from advance-width character boxes, not glyph ink, and pdfium
is kept from loading system fonts (see `_pdfium_lines`, `_no_system_fonts`): both
made the result and the speed depend on the fonts installed on the machine.

Large files are read page by page, each page closed after use, so memory stays flat.
"""

from __future__ import annotations

import os
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from policytrack.ingest.document import Block
from policytrack.ingest.errors import IngestError

_PAGE_NO = re.compile(
    r"^(?:[-—–－~～·•\s]*\d{1,4}[-—–－~～·•\s]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}|[Pp]age\s*\d+(?:\s*of\s*\d+)?)$"
)
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_SPACE_CJK = re.compile(rf"(?<=[{_CJK}])[ ]+(?=[{_CJK}0-9])|(?<=[0-9%])[ ]+(?=[{_CJK}])")
_END_PUNCT = tuple("。！？；：!?;:”」』）)")
_HEADING_START = re.compile(r"^(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]|[（(]\d{1,2}[）)]|\d{1,2}[.．、](?!\d)|[①-⑳]|第[一二三四五六七八九十]+[章节条部分])")
MARGIN_BAND = 0.09  # top/bottom fraction of the page where running heads and folios live
MIN_PATHS_FOR_TABLE = 4
COLUMN_GAP_EM = 1.5  # a horizontal gap this many line heights wide separates columns (word spaces are ~0.25)
PARALLEL_WORKERS = 2
PARALLEL_MIN_PAGES = 8  # below this, handing pages to the worker pool costs more than it saves
MAX_PAGES = 5000  # a page tree claiming more is a PDF bomb (10M pages = hours of CPU), not a plan


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    gaps: int = 0  # column gaps (wider than COLUMN_GAP_EM): a row of a table without rules


@dataclass
class _Page:
    number: int
    width: float
    height: float
    lines: list[_Line]
    tables: list[tuple[float, list[list[str]]]]  # (top, rows)


def _fix_spaces(s: str) -> str:
    """Layout gaps around CJK become spaces in both engines; Chinese never has them."""
    return _SPACE_CJK.sub("", s.strip())


# ------------------------------------------------------------------ opening / checks


def _check_file(path: Path) -> None:
    with open(path, "rb") as f:
        head = f.read(1024)
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - 2048))
        tail = f.read()
    if b"%PDF-" not in head:
        raise IngestError(path, "not a PDF file (no %PDF header; damaged or wrong extension?)")
    if b"%%EOF" not in tail:
        raise IngestError(path, "truncated or damaged PDF (no end-of-file marker)")


MAX_INFLATED_STREAM = 128 * 2**20  # a page's text operators are KBs; 128 MB inflated is a decompression bomb
_STREAM_START = re.compile(rb"stream\r?\n")


def _check_inflation(path: Path) -> None:
    """Refuse a PDF with a Flate stream (other than an image) inflating past the limit:
    pdfium and pdfminer inflate a content stream whole, so a 1 MB file can cost GBs.
    Inflates incrementally with a bounded buffer, so the check itself stays small."""
    import mmap
    import zlib

    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        for m in _STREAM_START.finditer(data):
            if data[max(0, m.start() - 3):m.start()] == b"end":
                continue
            head = data[max(0, m.start() - 4096):m.start()]
            head = head[head.rfind(b"obj"):]  # this object's dictionary, nested dictionaries included
            if b"/FlateDecode" not in head or b"/Image" in head:
                continue
            inflater, out, pos = zlib.decompressobj(), 0, m.end()
            try:
                while not inflater.eof and pos < len(data):
                    out += len(inflater.decompress(data[pos:pos + 65536], 1 << 20))
                    while inflater.unconsumed_tail and out <= MAX_INFLATED_STREAM:
                        out += len(inflater.decompress(inflater.unconsumed_tail, 1 << 20))
                    if out > MAX_INFLATED_STREAM:
                        raise IngestError(path, f"a PDF stream inflates past {MAX_INFLATED_STREAM // 2**20} MB; "
                                                "refusing a likely decompression bomb")
                    pos += 65536
            except zlib.error:
                continue


def _open_pdfium(path: Path):
    import pypdfium2 as pdfium

    _no_system_fonts()
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg:
            raise IngestError(path, "encrypted PDF (password required)") from None
        raise IngestError(path, f"damaged PDF ({str(exc).splitlines()[0]})") from None


# ------------------------------------------------------------------ engines


def _needs_tables(page) -> bool:
    """True when the page draws anything that could be a ruled table."""
    import pypdfium2.raw as raw

    paths = 0
    for obj in page.get_objects(filter=(raw.FPDF_PAGEOBJ_PATH,), max_depth=4):
        paths += 1
        l, b, r, t = obj.get_bounds()
        if r - l > 3 and t - b > 3 or paths >= MIN_PATHS_FOR_TABLE:
            return True
    return False


def _pdfium_lines(page) -> list[_Line]:
    """Text runs built from the page's characters with their advance-width ("loose")
    boxes, the geometry pdfplumber reports.

    Not pdfium's run rectangles: those are glyph-ink boxes, which for a font that is not
    embedded (the usual case for STSong-Light and many government PDFs) depend on the
    substitute font found on the machine; a line ending in "前" or "。" looked a few
    points short and its paragraph was cut there once a CJK font was installed.  Loose
    boxes come from the PDF's own width table, and the characters from its CMap, so
    neither needs a system font (see `_no_system_fonts`)."""
    import pypdfium2.raw as raw

    height = page.get_height()
    tp = page.get_textpage()
    box = raw.FS_RECTF()
    try:
        n = tp.count_chars()
        text = tp.get_text_range(0, n) if n else ""
        if len(text) != n:  # characters outside the BMP: read them one by one
            text = "".join(chr(raw.FPDFText_GetUnicode(tp, i)) for i in range(n))
        runs: list[_Line] = []
        cur: _Line | None = None
        space = False
        for i, ch in enumerate(text):
            if ch in "\r\n\x02\ufffe":
                cur, space = None, False
                continue
            if ch.isspace():
                space = True
                continue
            if not raw.FPDFText_GetLooseCharBox(tp, i, box):
                continue
            l, r, top, bottom = box.left, box.right, height - box.top, height - box.bottom
            if cur is not None and abs(top - cur.top) < 0.5 * (cur.bottom - cur.top) and cur.x1 - 1 <= l <= cur.x1 + 3:
                cur.text += (" " + ch) if space else ch
                cur.x1 = max(cur.x1, r)
                cur.bottom = max(cur.bottom, bottom)
            else:
                cur = _Line(ch, l, r, top, bottom)
                runs.append(cur)
            space = False
    finally:
        tp.close()
    return _group_lines(runs)


_FONTINFO = None


def _no_system_fonts() -> None:
    """Stop pdfium from loading system fonts as substitutes for fonts a PDF does not embed.

    Text extraction never needs glyph outlines (characters come from the CMap, widths
    from the PDF), but with a CJK font installed pdfium opened it for every page of a
    STSong-Light PDF: ~30 ms a page, six times the cost of reading the text.  An empty
    font provider makes pdfium fall back to its built-in fonts.  It is process-wide,
    which is fine here: nothing in policytrack renders PDF pages."""
    global _FONTINFO
    if _FONTINFO is not None:
        return
    import ctypes

    import pypdfium2.raw as raw

    f = dict(raw.FPDF_SYSFONTINFO._fields_)
    info = raw.FPDF_SYSFONTINFO()
    info.version = 1
    info.Release = f["Release"](lambda this: None)
    info.EnumFonts = f["EnumFonts"](lambda this, mapper: None)
    info.MapFont = f["MapFont"](lambda *a: None)
    info.GetFont = f["GetFont"](lambda *a: None)
    info.GetFontData = f["GetFontData"](lambda *a: 0)
    info.GetFaceName = f["GetFaceName"](lambda *a: 0)
    info.GetFontCharset = f["GetFontCharset"](lambda *a: 1)  # DEFAULT_CHARSET
    info.DeleteFont = f["DeleteFont"](lambda *a: None)
    raw.FPDF_SetSystemFontInfo(ctypes.byref(info))
    _FONTINFO = info  # the callbacks must outlive every document


def _group_lines(segs: list[_Line]) -> list[_Line]:
    """Text runs on one baseline band become one line (runs sorted left to right)."""
    segs.sort(key=lambda s: (s.top, s.x0))
    lines: list[list[_Line]] = []
    for s in segs:
        if lines:
            cur = lines[-1]
            top = min(c.top for c in cur)
            bottom = max(c.bottom for c in cur)
            overlap = min(bottom, s.bottom) - max(top, s.top)
            if overlap > 0.5 * min(bottom - top, s.bottom - s.top):
                cur.append(s)
                continue
        lines.append([s])
    out = []
    for cur in lines:
        cur.sort(key=lambda c: c.x0)
        text = cur[0].text
        top, bottom = min(c.top for c in cur), max(c.bottom for c in cur)
        gaps = 0
        for a, b in zip(cur, cur[1:]):
            if b.x0 - a.x1 > COLUMN_GAP_EM * (bottom - top):
                text += "\t" + b.text  # cells of a row, as tables are rendered
                gaps += 1
            else:
                text += (" " if b.x0 - a.x1 > 3 else "") + b.text
        out.append(_Line(text, cur[0].x0, max(c.x1 for c in cur), top, bottom, gaps))
    return out


def _plumber_line(line: dict) -> _Line:
    """A pdfplumber text line; one with column gaps is re-spelt from its characters with
    TABs between the cells, as `_group_lines` does for pdfium runs."""
    height = line["bottom"] - line["top"]
    chars = sorted((c for c in line["chars"] if c["text"].strip()), key=lambda c: c["x0"])
    gaps = sum(b["x0"] - a["x1"] > COLUMN_GAP_EM * height for a, b in zip(chars, chars[1:]))
    text = line["text"]
    if gaps:
        text = chars[0]["text"]
        for a, b in zip(chars, chars[1:]):
            gap = b["x0"] - a["x1"]
            text += ("\t" if gap > COLUMN_GAP_EM * height else " " if gap > 0.2 * height else "") + b["text"]
    return _Line(text, line["x0"], line["x1"], line["top"], line["bottom"], gaps)


def _plumber_page(ppage) -> tuple[list[_Line], list[tuple[float, list[list[str]]]]]:
    tables = ppage.find_tables()
    boxes = [t.bbox for t in tables]

    def outside(obj) -> bool:
        cx = (obj["x0"] + obj["x1"]) / 2
        cy = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    view = ppage.filter(outside) if boxes else ppage
    lines = [
        _plumber_line(l) for l in view.extract_text_lines(return_chars=True) if l["text"].strip()
    ]
    return lines, [(t.bbox[1], t.extract()) for t in tables]


def _outside(ln: _Line, boxes: list[tuple[float, float, float, float]]) -> bool:
    cx, cy = (ln.x0 + ln.x1) / 2, (ln.top + ln.bottom) / 2
    return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def _read_range(path: str, start: int, stop: int) -> list[_Page]:
    """Pages [start, stop): pdfium lines, then pdfplumber tables on the candidate pages
    (their lines inside a table box dropped, the cells come from the table).  Runs in
    a worker process for big files."""
    p = Path(path)
    pdf = _open_pdfium(p)
    pages: list[_Page] = []
    candidates: list[_Page] = []
    try:
        for i in range(start, stop):
            page = pdf[i]
            try:
                w, h = page.get_size()
                pg = _Page(i + 1, w, h, _pdfium_lines(page), [])
                if _needs_tables(page):
                    candidates.append(pg)
            finally:
                page.close()
            pages.append(pg)
    finally:
        pdf.close()
    if candidates:
        plumber = _open_plumber(p)
        try:
            for pg in candidates:
                ppage = plumber.pages[pg.number - 1]
                try:
                    found = ppage.find_tables()
                    boxes = [t.bbox for t in found]
                    if boxes:
                        pg.lines = [ln for ln in pg.lines if _outside(ln, boxes)]
                        pg.tables = [(t.bbox[1], t.extract()) for t in found]
                finally:
                    ppage.close()
        finally:
            plumber.close()
    return pages


_POOL = None


def _pool():
    """One worker pool per process, reused across files (forking per file would cost
    more than it saves on a 30-page plan)."""
    global _POOL
    if _POOL is None:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        import pdfplumber  # noqa: F401  (import once, inherited by forked workers)
        import pypdfium2  # noqa: F401

        ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        _POOL = ProcessPoolExecutor(max_workers=PARALLEL_WORKERS, mp_context=ctx,
                                    initializer=_exit_with_parent, initargs=(os.getpid(),))
        import atexit

        atexit.register(_shutdown_pool)
    return _POOL


def _exit_with_parent(parent_pid: int) -> None:
    """A killed reader (kill -9, CPU limit) must not leave its page workers waiting forever."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _shutdown_pool() -> None:
    global _POOL
    if _POOL is not None:
        _POOL.shutdown(wait=True, cancel_futures=True)
        _POOL = None


def _in_worker() -> bool:
    """Inside a batch worker process the files are already parallel: no nested pool."""
    import multiprocessing as mp

    return mp.parent_process() is not None


def _read_pages(path: Path, engine: str) -> list[_Page]:
    pdf = _open_pdfium(path)
    try:
        n = len(pdf)
    finally:
        pdf.close()
    if n == 0:
        raise IngestError(path, "PDF has no pages")
    if n > MAX_PAGES:
        raise IngestError(path, f"PDF claims {n} pages (limit {MAX_PAGES}); refusing a likely PDF bomb")
    if engine == "pdfplumber":
        pages = [_Page(i + 1, 0.0, 0.0, [], []) for i in range(n)]
        _read_all_with_plumber(path, pages)
    elif n >= PARALLEL_MIN_PAGES and PARALLEL_WORKERS > 1 and (os.cpu_count() or 1) > 1 and not _in_worker():
        parts = PARALLEL_WORKERS * 2
        bounds = [n * k // parts for k in range(parts + 1)]
        ranges = [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
        try:
            chunks = list(_pool().map(_read_range, [str(path)] * len(ranges), [a for a, _ in ranges], [b for _, b in ranges]))
        except IngestError:
            raise
        except Exception:  # a broken pool (worker killed, no fork): read in this process
            global _POOL
            _POOL = None
            chunks = [_read_range(str(path), 0, n)]
        pages = [pg for chunk in chunks for pg in chunk]
    else:
        pages = _read_range(str(path), 0, n)
    for p in pages:
        for ln in p.lines:
            ln.text = _fix_spaces(ln.text)
        p.lines = [ln for ln in p.lines if ln.text]
    return pages


def _read_all_with_plumber(path: Path, pages: list[_Page]) -> None:
    """Reference path: every page's text and tables from pdfplumber alone."""
    plumber = _open_plumber(path)
    try:
        for p in pages:
            ppage = plumber.pages[p.number - 1]
            try:
                p.width, p.height = float(ppage.width), float(ppage.height)
                p.lines, p.tables = _plumber_page(ppage)
            finally:
                ppage.close()
    finally:
        plumber.close()


def _open_plumber(path: Path):
    import pdfplumber

    try:
        return pdfplumber.open(str(path))
    except Exception as exc:  # pdfminer raises many types for broken files
        name = type(exc).__name__
        if "Password" in name or "Encrypt" in name:
            raise IngestError(path, "encrypted PDF (password required)") from None
        raise IngestError(path, f"damaged PDF ({name})") from None


# ------------------------------------------------------------------ shared layout logic


def _norm_running(s: str) -> str:
    return re.sub(r"\d+", "#", s.replace(" ", ""))


def _in_band(ln: _Line, p: _Page) -> bool:
    return ln.bottom <= p.height * MARGIN_BAND or ln.top >= p.height * (1 - MARGIN_BAND)


def strip_page_furniture(pages: list[_Page]) -> None:
    """Remove page numbers and running heads/foots from the top and bottom bands:
    a line repeated at the same height on most pages (digits ignored, so "第3页 共9页"
    and "— 3 —" match across pages), or a band line repeating a line of an earlier page
    (the document title used as running head).  The first occurrence of a title in the
    page body is kept."""
    occurrences: dict[str, list[tuple[int, int, bool]]] = defaultdict(list)
    for p in pages:
        for ln in p.lines:
            occurrences[_norm_running(ln.text)].append((p.number, round(ln.top), _in_band(ln, p)))
    n = len(pages)
    same_height: dict[str, set[int]] = {}
    for key, hits in occurrences.items():
        band = [(pg, y) for pg, y, inb in hits if inb]
        if len({pg for pg, _ in band}) >= max(2, (n + 1) // 2):
            modal = Counter(y for _, y in band).most_common(1)[0][0]
            same_height[key] = {y for _, y in band if abs(y - modal) <= 3}
    for p in pages:
        keep = []
        for ln in p.lines:
            if _in_band(ln, p):
                if _PAGE_NO.match(ln.text):
                    continue
                key = _norm_running(ln.text)
                if round(ln.top) in same_height.get(key, ()):
                    continue
                if any(pg < p.number for pg, _, _ in occurrences[key]):
                    continue
            keep.append(ln)
        p.lines = keep


def _metrics(pages: list[_Page]) -> tuple[float, float, float]:
    """Left text edge, right text edge and typical character width of the body text."""
    lines = [ln for p in pages for ln in p.lines if len(ln.text) >= 4]
    if not lines:
        return 0.0, 0.0, 10.0
    left = Counter(round(ln.x0) for ln in lines).most_common(1)[0][0]
    rights = sorted(ln.x1 for ln in lines)
    right = rights[int(len(rights) * 0.9)] if len(rights) >= 5 else rights[-1]
    char_w = statistics.median((ln.x1 - ln.x0) / max(len(ln.text), 1) for ln in lines)
    return float(left), float(right), max(char_w, 1.0)


def _continues(prev: _Line, nxt: _Line, left: float, right: float, cw: float, gap_ok: bool) -> bool:
    """Is `nxt` the wrapped continuation of `prev` (same paragraph)?"""
    if not gap_ok or prev.gaps or nxt.gaps:  # rows of a table without rules stand alone
        return False
    full = prev.x1 >= right - 1.5 * cw
    flush_left = nxt.x0 <= left + 0.5 * cw
    if not (full and flush_left):
        return False
    if prev.text.endswith(_END_PUNCT) and _HEADING_START.match(nxt.text):
        return False
    return True


def _join(a: str, b: str) -> str:
    sep = " " if (a[-1:].isascii() and a[-1:].isalnum() and b[:1].isascii() and b[:1].isalnum()) else ""
    return a + sep + b


def reflow(pages: list[_Page]) -> list[Block]:
    """Paragraph and table blocks in reading order, wrapped lines and sentences broken by
    a page break joined back."""
    left, right, cw = _metrics(pages)
    blocks: list[Block] = []
    open_para: Block | None = None
    last_line: _Line | None = None
    for p in pages:
        items: list[tuple[float, float, object]] = [(ln.top, ln.x0, ln) for ln in p.lines]
        items += [(top, 0.0, rows) for top, rows in p.tables]
        items.sort(key=lambda it: (round(it[0], 1), it[1]))
        gaps = [b.top - a.top for a, b in zip(p.lines, p.lines[1:]) if b.top > a.top]
        pitch = statistics.median(gaps) if gaps else 0.0
        first_on_page = True
        for top, _x, item in items:
            if isinstance(item, list):
                blocks.append(Block(rows=item, page=p.number))
                open_para, last_line = None, None
                continue
            ln: _Line = item
            gap_ok = True
            if last_line is not None and not first_on_page and pitch:
                gap_ok = ln.top - last_line.top <= pitch * 1.3
            if open_para is not None and last_line is not None and _continues(last_line, ln, left, right, cw, gap_ok):
                open_para.text = _join(open_para.text, ln.text)
            else:
                open_para = Block(text=ln.text, page=p.number)
                blocks.append(open_para)
            last_line = ln
            first_on_page = False
    return blocks


def read_pdf(path: Path, *, engine: str = "auto") -> tuple[list[Block], int]:
    """engine: "auto" (pdfium for plain pages, pdfplumber for pages with tables) or
    "pdfplumber" (every page; the reference the fast path is tested against)."""
    _check_file(path)
    _check_inflation(path)
    pages = _read_pages(path, engine)
    if not any(p.lines or p.tables for p in pages):
        raise IngestError(path, "no text layer (scanned document?)")
    strip_page_furniture(pages)
    return reflow(pages), len(pages)
