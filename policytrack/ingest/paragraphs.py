"""Cut the clean text into paragraphs that know their page and numbered section.

Every format renders one paragraph (or one table row) per line, so a line is a
paragraph; a run-on line is also cut where an inline heading starts, so the section
of each piece is right.  Offsets are into the clean text.
"""

from __future__ import annotations

from bisect import bisect_right

from policytrack.extract.outline import section_at
from policytrack.models import OutlineNode, Paragraph, Table


def split_paragraphs(
    text: str,
    outline: list[OutlineNode],
    *,
    page_starts: list[tuple[int, int]] | None = None,
    tables: list[Table] | None = None,
) -> list[Paragraph]:
    """page_starts: sorted (offset, page number) where each page's text begins."""
    heading_starts = sorted(n.start for n in outline)
    by_start = {n.start: n for n in outline}
    node_starts = [n.start for n in outline]
    spans = sorted((t.start, t.end) for t in tables or [])
    table_starts = [a for a, _ in spans]
    table_ends = [b for _, b in spans]
    page_offsets = [o for o, _ in page_starts or []]
    out: list[Paragraph] = []
    pos = 0
    hi = 0
    n_heads = len(heading_starts)
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line or line.isspace():
            continue
        if hi < n_heads and heading_starts[hi] < end:  # headings start in this line: cut there
            cuts = [start]
            while hi < n_heads and heading_starts[hi] < end:
                if heading_starts[hi] > start:
                    cuts.append(heading_starts[hi])
                hi += 1
            cuts.append(end)
            pieces = [(a, b) for a, b in zip(cuts, cuts[1:]) if a != b]
        else:
            pieces = [(start, end)]
        tab = "\t" in line
        for a, b in pieces:
            in_table = tab
            if not in_table and table_starts:
                k = bisect_right(table_starts, a) - 1
                in_table = k >= 0 and a < table_ends[k]
            kind = "table_row" if in_table else ("heading" if a in by_start and _is_heading_line(a, b, by_start) else "text")
            page = page_starts[max(bisect_right(page_offsets, a) - 1, 0)][1] if page_starts else None
            section = section_at(outline, a, starts=node_starts) if node_starts else None
            out.append(Paragraph(start=a, end=b, page=page, section=section, kind=kind))
    return out


def _is_heading_line(a: int, b: int, by_start: dict[int, OutlineNode]) -> bool:
    """A paragraph that is only a heading (label + short title), not a heading that
    opens a paragraph of body text."""
    n = by_start.get(a)
    return n is not None and (b - a) <= len(n.label) + len(n.title) + 2
