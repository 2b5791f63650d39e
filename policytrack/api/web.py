"""The web page: search, commitments table, commitment page, document page.

Rendered on the server with Jinja2 from the same functions the JSON API uses,
so the page needs no build step and no script to be useful; every control is a
link or a form, which also keeps it keyboard accessible by construction.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from policytrack.models import Commitment, Progress

from . import data as D
from .chart import Point, progress_chart

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))

STATUS_LABELS = {
    "met": "已完成",
    "on_track": "进展顺利",
    "at_risk": "存在风险",
    "missed": "未完成",
    "no_data": "无数据",
    "not_due": "未到期",
    "unknown": "未评估",
    "conflict": "数据冲突",
}
TYPE_LABELS = {"commitment": "承诺", "progress": "进展", "passage": "段落"}
DOC_TYPE_LABELS = {"plan": "规划/方案", "report": "报告/总结", "other": "其他"}
FACET_LABELS = {
    "type": "类型",
    "region": "地区",
    "issuer": "发文机关",
    "doc_type": "文件类型",
    "year": "年份",
    "department": "责任单位",
    "indicator": "指标",
    "status": "状态",
}
OP_LABELS = {">=": "≥", "<=": "≤", "=": "", "~": "约"}


def _fmt_num(v: float | None) -> str:
    if v is None:
        return ""
    return f"{v:.0f}" if abs(v - round(v)) < 1e-9 else f"{v:.2f}".rstrip("0").rstrip(".")


def target_text(c: Commitment) -> str:
    if c.target is None or c.target.value is None:
        return "（定性）" if c.kind == "qualitative" else ""
    return f"{OP_LABELS.get(c.target.op, '')}{_fmt_num(c.target.value)}{c.target.unit}"


def indicator_name(indicator_id: str) -> str:
    """The catalogue's Chinese name for an indicator id (large_class → 大班额…); the id when unknown."""
    try:
        from policytrack.extract import indicators

        e = indicators.get(indicator_id)
    except Exception:  # noqa: BLE001 - the catalogue is optional for display
        return indicator_id
    return getattr(e, "name", None) or indicator_id


def facet_label(name: str, value: str) -> str:
    if name == "indicator":
        return indicator_name(value)
    if name == "status":
        return STATUS_LABELS.get(value, value)
    if name == "type":
        return TYPE_LABELS.get(value, value)
    if name == "doc_type":
        return DOC_TYPE_LABELS.get(value, value)
    return value


templates.env.globals.update(
    STATUS_LABELS=STATUS_LABELS,
    TYPE_LABELS=TYPE_LABELS,
    FACET_LABELS=FACET_LABELS,
    target_text=target_text,
    fmt_num=_fmt_num,
    facet_label=facet_label,
)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return templates.TemplateResponse(request, "error.html", {"status": status, "message": message}, status_code=status)


def _url(path: str, params: dict[str, Any], **change: Any) -> str:
    merged = {**params, **change}
    clean = {k: v for k, v in merged.items() if v not in (None, "", [])}
    return path + ("?" + urlencode(clean, doseq=True) if clean else "")


def highlighted_text(text: str, spans: list[Any], anchors: list[int] = ()) -> Markup:  # type: ignore[assignment]
    """Document text with each commitment/progress quote wrapped in a link and an
    empty anchor at each heading (for the outline); overlapping spans keep the first."""
    events: list[tuple[int, int, Any]] = [(a, 0, None) for a in sorted(set(anchors)) if 0 <= a <= len(text)]
    events += [(s.start, 1, s) for s in spans if 0 <= s.start < s.end <= len(text)]
    events.sort(key=lambda e: (e[0], e[1], -(e[2].end if e[2] is not None else 0)))
    out: list[str] = []
    pos = 0
    for at, _, s in events:
        if at < pos:
            continue
        out.append(escape(text[pos:at]))
        pos = at
        if s is None:
            out.append(f'<span id="o-{at}" class="anchor"></span>')
            continue
        label = TYPE_LABELS[s.type]
        status = f" status-{s.status}" if s.status else ""
        title = f"{label}：{s.indicator or ''}" + (f"（{STATUS_LABELS.get(s.status, s.status)}）" if s.status else "")
        # a figure opens the commitment it reports on (the first, when several), else marks itself
        target = s.id if s.type == "commitment" else (s.commitment_ids[0] if s.commitment_ids else None)
        href = f"/ui/commitments/{target}" if target else f"#{s.id}"
        if s.type == "progress" and s.commitment_ids:
            title += f"（关联{len(s.commitment_ids)}项承诺）"
        out.append(
            f'<a id="{escape(s.id)}" href="{escape(href)}" class="span span-{s.type}{status}" title="{escape(title)}">'
            f"{escape(text[s.start : s.end])}</a>"
        )
        pos = s.end
    out.append(escape(text[pos:]))
    return Markup("".join(out))


def register_web(app: FastAPI) -> None:
    from .app import require_read

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    reads = [Depends(require_read)]

    @app.get("/", response_class=HTMLResponse, include_in_schema=False, dependencies=reads)
    def search_page(
        request: Request,
        q: str = Query("", max_length=1000),
        type: str | None = None,
        region: str | None = None,
        doc_type: str | None = None,
        department: str | None = None,
        indicator: str | None = None,
        status: str | None = None,
        year: str | None = None,
        page: int = Query(1, ge=1, le=1000),
    ) -> HTMLResponse:
        params = {"q": q, "type": type, "region": region, "doc_type": doc_type, "department": department,
                  "indicator": indicator, "status": status}
        resp: dict[str, Any] | None = None
        error = None
        if q or any(v for k, v in params.items() if k != "q"):
            search_params = {k: v for k, v in params.items() if v}
            if year:
                search_params["date_from"] = search_params["date_to"] = year
            try:
                resp = D.run_search(request.app.state.access, request.app.state.settings,
                                    {**search_params, "page": page, "size": 20})
            except D.Unavailable as exc:
                error = f"搜索暂不可用：{exc}"
        if year:
            params["year"] = year
        facets = []
        if resp:
            for name, values in resp.get("facets", {}).items():
                if not values:
                    continue
                chips = []
                for fv in values[:12]:
                    active = str(params.get(name) or "") == str(fv["value"])
                    chips.append({
                        "label": facet_label(name, str(fv["value"])),
                        "count": fv["count"],
                        "active": active,
                        "href": _url("/", params, **{name: None if active else fv["value"]}, page=None),
                    })
                facets.append({"name": name, "label": FACET_LABELS.get(name, name), "chips": chips})
        pages = None
        if resp and resp["total"] > 20:
            last = (resp["total"] + 19) // 20
            pages = {
                "page": page, "last": last,
                "prev": _url("/", params, page=page - 1) if page > 1 else None,
                "next": _url("/", params, page=page + 1) if page < last else None,
            }
        return templates.TemplateResponse(request, "search.html", {
            "q": q, "resp": resp, "facets": facets, "error": error, "pages": pages,
            "active_filters": [(k, v, _url("/", params, **{k: None}, page=None)) for k, v in params.items() if k != "q" and v],
        })

    @app.get("/ui/commitments", response_class=HTMLResponse, include_in_schema=False, dependencies=reads)
    def commitments_page(
        request: Request,
        status: str | None = None,
        department: str | None = None,
        region: str | None = None,
        indicator: str | None = None,
        as_of: str | None = None,
        sort: str = Query("deadline", pattern="^-?(deadline|gap)$"),
        page: int = Query(1, ge=1, le=10000),
    ) -> HTMLResponse:
        from .app import _as_of

        as_of_v = _as_of(as_of)
        data = D.commitment_page(request.app.state.access, as_of=as_of_v, status=status, department=department,
                                 region=region, indicator=indicator, doc_id=None, sort=sort, page=page, size=100)
        params = {"status": status, "department": department, "region": region, "indicator": indicator,
                  "as_of": as_of, "sort": sort}
        chips = []
        for value, count in data.facets.get("status", {}).items():
            active = status == value
            chips.append({"value": value, "label": STATUS_LABELS.get(value, value), "count": count, "active": active,
                          "href": _url("/ui/commitments", params, status=None if active else value, page=None)})
        export_params = {"kind": "audit", "status": status, "region": region, "department": department, "as_of": as_of}
        sort_links = {}
        for field in ("deadline", "gap"):
            new = f"-{field}" if sort == field else field
            sort_links[field] = {"href": _url("/ui/commitments", params, sort=new, page=None),
                                 "state": "ascending" if sort == field else "descending" if sort == f"-{field}" else "none"}
        last = max(1, (data.total + 99) // 100)
        return templates.TemplateResponse(request, "commitments.html", {
            "data": data, "params": params, "chips": chips, "sort_links": sort_links,
            "departments": sorted(data.facets.get("department", {})),
            "regions": sorted(data.facets.get("region", {})),
            "xlsx": _url("/export", export_params, format="xlsx"),
            "csv": _url("/export", export_params, format="csv"),
            "pages": {"page": page, "last": last,
                      "prev": _url("/ui/commitments", params, page=page - 1) if page > 1 else None,
                      "next": _url("/ui/commitments", params, page=page + 1) if page < last else None},
        })

    @app.get("/ui/commitments/{cid}", response_class=HTMLResponse, include_in_schema=False, dependencies=reads)
    def commitment_page(request: Request, cid: str, as_of: str | None = None) -> HTMLResponse:
        from .app import _as_of

        det = D.commitment_detail(request.app.state.access, cid, _as_of(as_of))
        c = det.commitment
        points: list[Point] = []
        if c.baseline is not None and c.baseline.year:
            points.append(Point(c.baseline.year, c.baseline.value, "基数", "baseline"))
        for link in det.links:
            p = link.progress
            if link.origin == "rejected" or p.year is None or p.unit == "完成情况":
                continue  # completion statements (1/0) are not values on the indicator's scale
            if any(pt.year == p.year and abs(pt.value - p.value) < 1e-9 for pt in points):
                continue  # the plan's own baseline figure is also linked as progress
            points.append(Point(p.year, p.value, link.doc_title or ""))
        target = c.target.value if c.target else None
        numeric = target is not None or any(not (pt.kind == "baseline") for pt in points)
        svg = None if not numeric else progress_chart(points, target=target, unit=(c.target.unit if c.target else ""), deadline=c.deadline,
                             title=f"{c.indicator}：报告值与目标")
        ctx = det.citation.context or det.citation.quote
        i = ctx.find(det.citation.quote)
        context_html = (
            Markup(escape(ctx[:i]) + "<mark>" + escape(det.citation.quote) + "</mark>" + escape(ctx[i + len(det.citation.quote):]))
            if i >= 0 else Markup(escape(ctx))
        )
        return templates.TemplateResponse(request, "commitment.html", {
            "det": det, "c": c, "chart": Markup(svg) if svg else None, "context_html": context_html,
        })

    @app.get("/ui/documents", response_class=HTMLResponse, include_in_schema=False, dependencies=reads)
    def documents_page(request: Request) -> HTMLResponse:
        acc = request.app.state.access
        docs = D.filter_documents(D.summary_of(d) for d in acc.documents())
        return templates.TemplateResponse(request, "documents.html", {"docs": docs, "failures": acc.failures()})

    @app.get("/ui/documents/{doc_id}", response_class=HTMLResponse, include_in_schema=False, dependencies=reads)
    def document_page(request: Request, doc_id: str) -> HTMLResponse:
        from .app import _as_of

        det = D.document_detail(request.app.state.access, doc_id, _as_of(None))
        counts = {"commitment": sum(s.type == "commitment" for s in det.spans),
                  "progress": sum(s.type == "progress" for s in det.spans)}
        return templates.TemplateResponse(request, "document.html", {
            "det": det, "text_html": highlighted_text(det.text, det.spans, [n.start for n in det.outline]), "counts": counts,
        })
