"""Document metadata read from the cleaned text: title, issuer, date, 文号, region, type.

Government pages wrap the real document in a forwarding notice (关于印发《X》的通知) and
cite other documents' 文号 in the body, so every rule here prefers positions that belong
to *this* document: disclosure fields (索引号/文号/发布机构/生成日期), lines standing
alone at the top, and signature blocks (organ line followed by a date line).  Word lists
live in lexicons/docmeta.yaml and lexicons/regions.yaml.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Any

from policytrack.lexicons import load_yaml
from policytrack.models import DocMeta

_CN_NUM = {"〇": 0, "零": 0, "○": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DIGIT_CLASS = "〇零○一二三四五六七八九"
_DATE_AR = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")
_DATE_CN = re.compile(rf"([{_CN_DIGIT_CLASS}]{{4}})\s*年\s*([一二三四五六七八九十]{{1,3}})\s*月(?:\s*([一二三四五六七八九十]{{1,3}})\s*日)?")
_DATE_ISO = re.compile(r"((?:19|20)\d{2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})")
_DOCNO = re.compile(
    r"[\u4e00-\u9fff]{1,14}\s*[〔\[【（(]\s*((?:19|20)\d{2})\s*[〕\]】）)]\s*第?\s*\d{1,4}\s*号"
)
_FIELD_STOP = r"(?=\s+(?:索引号|文号|发文字号|生成日期|成文日期|发布日期|发布时间|发布机构|发文机关|内容分类|主题分类|责任部门|公开方式|有效性|时间|来源)|$)"
_FIELDS = {
    "index_no": re.compile(r"索引号\s*[:：]?\s*(\S+?)" + _FIELD_STOP, re.M),
    "doc_number": re.compile(r"(?:文号|发文字号)\s*[:：]?\s*(\S+?)" + _FIELD_STOP, re.M),
    "issuer": re.compile(r"(?:发布机构|发文机关|发文单位)\s*[:：]?\s*(\S+?)" + _FIELD_STOP, re.M),
    "date_made": re.compile(r"(?:成文日期|生成日期)\s*[:：]?\s*(\S+?)" + _FIELD_STOP, re.M),
    "date_pub": re.compile(r"(?:^|\s)(?:发布日期|发布时间|日期|时间)\s*[:：]\s*(\S+)", re.M),
}
_ATTACH = re.compile(r"^附件\s*\d*\s*[:：]\s*(.+)$", re.M)
_ITEM_NO = re.compile(r"^(\d{1,2})\s*[.．、]\s*")
_ITEM_SPLIT = re.compile(r"\s+(?=\d{1,2}\s*[.．、])")


def find_attachments(text: str) -> list[str]:
    """Attachment names from 附件： lines: one name, a numbered list on the line
    ("附件：1.任务分解表 2.指标表") or numbered names on the lines that follow
    ("附件：1.X" then "2.Y"), numbers removed."""
    out: list[str] = []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = _ATTACH.match(line)
        if not m:
            continue
        rest = m.group(1).strip()
        if not _ITEM_NO.match(rest):
            out.append(rest.rstrip("。"))
            continue
        items = _ITEM_SPLIT.split(rest)
        nxt = len(items) + 1
        for later in lines[i + 1 :]:  # the list goes on below while the numbers continue
            n = _ITEM_NO.match(later)
            if not n or int(n.group(1)) != nxt or len(later) > 80 or "。" in later[:-1]:
                break
            items.append(later)
            nxt += 1
        out += [_ITEM_NO.sub("", it).strip().rstrip("。") for it in items]
    return [a for a in out if a]


_YEAR_IN = re.compile(r"((?:19|20)\d{2})\s*年度?")
_PUNCT_IN_TITLE = re.compile(r"[。；！？;!?]|[，,].*[，,]")
_DISCLOSURE_KEYS = re.compile(r"^(索引号|文号|发文字号|生成日期|成文日期|发布日期|发布时间|时间|来源|内容分类|附件)")


@lru_cache(maxsize=1)
def _lex() -> dict[str, Any]:
    return load_yaml("docmeta.yaml")


@lru_cache(maxsize=1)
def _regions() -> tuple[dict[str, str], re.Pattern[str]]:
    """name → admin level, and one regex that finds any known name (longest first)."""
    data = load_yaml("regions.yaml")
    level: dict[str, str] = {}
    for p in data["provinces"]:
        level[p] = "province"
    for c in data["cities"]:
        level.setdefault(c, "city")
    for n in data["counties"]:
        if n not in level:
            level[n] = "district" if n.endswith("区") else "county"
    names = sorted(level, key=len, reverse=True)
    return level, re.compile("|".join(map(re.escape, names)))


def _cn_small(s: str | None) -> int | None:
    if not s:
        return None
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_CN_NUM.get(tens, 1) if tens else 1) * 10 + (_CN_NUM.get(ones, 0) if ones else 0)
    return _CN_NUM.get(s)


def _iso(y: int, m: int | None, d: int | None) -> str | None:
    if not (1900 < y < 2200) or (m is not None and not 1 <= m <= 12) or (d is not None and not 1 <= d <= 31):
        return None
    return f"{y:04d}" + (f"-{m:02d}" if m else "") + (f"-{d:02d}" if m and d else "")


def parse_date(s: str, *, whole: bool = False) -> str | None:
    """2022年5月5日 / 二〇一七年八月 / 2017/8/2 15:23 / 2022-05-05 → ISO (as precise as given)."""
    s = s.strip()
    for rx, conv in (
        (_DATE_AR, lambda m: _iso(int(m[1]), int(m[2]), int(m[3]) if m[3] else None)),
        (_DATE_ISO, lambda m: _iso(int(m[1]), int(m[2]), int(m[3]))),
        (_DATE_CN, lambda m: _iso(int("".join(str(_CN_NUM[c]) for c in m[1])), _cn_small(m[2]), _cn_small(m[3]))),
    ):
        m = rx.fullmatch(s) if whole else rx.search(s)
        if m:
            return conv(m)
    return None


def _organ_suffix(line: str) -> bool:
    return line.endswith(tuple(_lex()["organ_suffixes"]))


def _signatures(lines: list[str]) -> list[tuple[str, str]]:
    """(issuer, date) for every organ line directly followed by a date-only line."""
    out = []
    for a, b in zip(lines, lines[1:]):
        if len(a) <= 40 and len(b) <= 20 and _organ_suffix(a) and not re.search(r"[，,。:：、\t]", a):
            d = parse_date(b, whole=True)
            if d:
                out.append((a.replace(" ", ""), d))
    return out


def _title_candidates(lines: list[str]) -> list[str]:
    ends = tuple(_lex()["title_endings"])
    out = []
    for line in lines[:20]:
        bare = line.rstrip("》〉”\"）) ")
        if 4 <= len(line) <= 90 and bare.endswith(ends) and not _PUNCT_IN_TITLE.search(line) and not _DISCLOSURE_KEYS.match(line):
            out.append(line)
    return out


def _unwrap_notice(line: str) -> str | None:
    m = re.search(_lex()["notice_pattern"], line)
    if not m:
        return None
    quoted = re.search(r"[《〈]([^》〉]+)[》〉]", line)
    inner = quoted.group(1) if quoted else m.group("inner")
    return inner.strip(" 《》〈〉“”\"") or None


def _find_regions(s: str) -> list[str]:
    _, rx = _regions()
    return [m.group(0) for m in rx.finditer(s)]


def _most_specific(names: list[str]) -> str | None:
    level, _ = _regions()
    rank = {"province": 0, "city": 1, "county": 2, "district": 2}
    best = None
    for n in names:
        if best is None or rank[level[n]] > rank[level[best]]:
            best = n
    return best


_COUNTY_BY_SUFFIX = re.compile(r"([\u4e00-\u9fff]{2,4}?(?:自治县|县|区|旗))(?:人民政府|政府|委员会|教育|党委|办公室|人大)")


def detect_region(*sources: str | None) -> tuple[str | None, str | None]:
    """Most specific place named in the first source that names one; unknown county-level
    names are recognised by suffix (XX县人民政府)."""
    level, _ = _regions()
    for s in sources:
        if not s:
            continue
        best = _most_specific(_find_regions(s))
        m = _COUNTY_BY_SUFFIX.search(s)
        if m and (best is None or level[best] in ("province", "city")) and m.group(1) not in level:
            name = m.group(1)
            for known in _find_regions(name):  # drop a leading province/city prefix
                name = name.replace(known, "", 1) or name
            return name, ("district" if name.endswith("区") else "county")
        if best:
            return best, level[best]
    return None, None


_ORGAN_AFTER_PLACE = re.compile(r"(?:自治县|县|区|旗|市)(?=人民政府|政府|教育|财政局|发展和改革|人力资源|党委|委员会|人大)")


def region_named_in_body(text: str, title: str | None = None) -> tuple[str | None, str | None]:
    """The place whose organs the body keeps naming, for a document whose title and issuer
    name none we know: a city's 督导报告 on a county (关于青禾县…的督导报告, issued by 云岭市…督导室)
    tells 青禾县人民政府 and 青禾县财政局 what to do.  Unknown names are read back from the
    organ: every 2-4 character run before 县/区/市 is a candidate; the true name is the one seen
    most often (its left neighbour varies), the longest among equals (和林格尔县, not 格尔县).
    A candidate must be a known division or be named in the title too: 为全国社区教育… is neither."""
    level, _ = _regions()
    counts: Counter[str] = Counter()
    for m in _ORGAN_AFTER_PLACE.finditer(text):
        end = m.start()
        for k in range(1, 5):  # grow the run leftwards one Chinese character at a time
            a = end - k
            if a < 0 or not "\u4e00" <= text[a] <= "\u9fff":
                break
            if k == 1:
                continue
            name = text[a:end] + m.group(0)
            if name in level or (title and name in title):
                counts[name] += 1
    if not counts:
        return None, None
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], -len(kv[0])))
    name, n = ranked[0]
    tie = [c for c, k in ranked[1:] if k == n and not name.endswith(c)]  # two places as often: no answer
    if n < 2 or tie:
        return None, None
    if name in level:
        return name, level[name]
    return name, {"区": "district", "市": "city"}.get(name[-1], "county")


def _level_from_self_refs(text: str) -> str | None:
    counts = Counter()
    for lvl, words in _lex()["level_self_refs"].items():
        counts[lvl] = sum(text.count(w) for w in words)
    lvl, n = counts.most_common(1)[0] if counts else (None, 0)
    return lvl if n >= 2 else None


def _doc_type(*sources: str | None) -> str | None:
    lex = _lex()
    for s in sources:
        if not s:
            continue
        if any(w in s for w in lex["report_words"]):
            return "report"
        if any(w in s for w in lex["plan_words"]):
            return "plan"
    return None


# a government or news site files a page under its date: /2023-05/12/, /202305/t20230512_,
# /20230512/, /art/2023/5/12/, /2023/0512/ (the day may be missing: /202305/)
_URL_DATES = [
    re.compile(r"/t((?:19|20)\d\d)(\d\d)(\d\d)_"),
    re.compile(r"/((?:19|20)\d\d)-?(\d\d)/(\d\d)/"),
    re.compile(r"/((?:19|20)\d\d)-(\d\d)-(\d\d)/"),
    re.compile(r"/((?:19|20)\d\d)(\d\d)(\d\d)/"),
    re.compile(r"/((?:19|20)\d\d)/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/((?:19|20)\d\d)/(\d\d)(\d\d)/"),
    re.compile(r"/((?:19|20)\d\d)/(\d\d)-(\d\d)/"),
    re.compile(r"/((?:19|20)\d\d)(\d\d)/()"),
]


def date_from_url(url: str | None) -> str | None:
    """The date a page's address files it under (ISO), or None."""
    if not url or "/" not in url:
        return None
    path = re.sub(r"^[a-z]+://[^/]+", "", url)
    for rx in _URL_DATES:
        m = rx.search(path)
        if m:
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3)) if m.group(3) else None
            if 1 <= mo <= 12 and (d is None or 1 <= d <= 31):
                return _iso(y, mo, d)
    return None


def detect_meta(text: str, *, outline_titles: list[str] | None = None, source: str | None = None) -> DocMeta:
    """Everything findable in the cleaned text; unknown fields stay None.  `source`: the file
    name or URL the text came from (an undated web page takes the date its URL files it under)."""
    lines = text.split("\n")
    head = "\n".join(lines[:12])
    fields = {k: (m.group(1) if (m := rx.search(head)) else None) for k, rx in _FIELDS.items()}

    # title and the forwarding notice around it
    title = notice = None
    for cand in _title_candidates(lines):
        inner = _unwrap_notice(cand)
        if inner and notice is None:
            notice, title = cand, inner
            break
    if title is None:
        cands = _title_candidates(lines)
        title = cands[0] if cands else None

    # 文号: the disclosure field, else a line at the top that is nothing but a 文号
    doc_number = fields["doc_number"]
    if doc_number and not _DOCNO.fullmatch(doc_number):
        m = _DOCNO.search(doc_number)
        doc_number = m.group(0) if m else doc_number
    if not doc_number:
        for line in lines[:15]:
            if _DOCNO.fullmatch(line.replace(" ", "")):
                doc_number = line.replace(" ", "")
                break

    # issuer and date: signature blocks first (most precise date, latest block on ties)
    sigs = _signatures(lines)
    issuer = date = None
    if sigs:
        issuer = sigs[-1][0]
        date = max(enumerate(sigs), key=lambda p: (len(p[1][1]), p[0]))[1][1]
    issuer = issuer or fields["issuer"]
    if not issuer:
        for src in (notice, title):
            m = re.match(r"(.{2,24}?)(关于|印发|转发)", src or "")
            if m and _organ_suffix(m.group(1)):
                issuer = m.group(1)
                break
        else:
            m = re.match(r"(.{2,16}?(?:人民政府办公室|人民政府|办公室|委员会|局|厅))", title or "")
            issuer = m.group(1) if m else None
    if not date:
        for key in ("date_made", "date_pub"):
            if fields[key] and (d := parse_date(fields[key])):
                date = d
                break

    if not date:
        date = date_from_url(source)

    region, admin_level = detect_region(issuer, fields["issuer"], notice, title)
    if region is None:
        region, admin_level = region_named_in_body(text[:20000], title)
    if admin_level is None:
        admin_level = _level_from_self_refs(text[:20000])

    body_start = text[:600]
    doc_type = _doc_type(title, notice) or _doc_type(
        *(re.findall(r"(?:制定|制订)本([\u4e00-\u9fff]{2,6})", body_start) + re.findall(r"(报告如下|总结如下)", body_start))
    )
    if doc_type is None and (title or notice):
        doc_type = "other"

    report_year = None
    if doc_type == "report":
        for s in [title or ""] + [t for t in (outline_titles or []) if "总结" in t or "工作" in t][:3]:
            if m := _YEAR_IN.search(s):
                report_year = int(m.group(1))
                break

    attachments = find_attachments(text)
    return DocMeta(
        title=title,
        notice_title=notice,
        issuer=issuer,
        date=date,
        doc_number=doc_number,
        index_no=fields["index_no"],
        region=region,
        admin_level=admin_level,
        doc_type=doc_type,
        report_year=report_year,
        attachments=attachments,
        source=source,
    )


def apply_overrides(meta: DocMeta, overrides: DocMeta | dict | None) -> DocMeta:
    """User-given values win over detected ones (only the fields actually given)."""
    if overrides is None:
        return meta
    if isinstance(overrides, DocMeta):
        given = overrides.model_dump(exclude_unset=True)
    else:
        given = {k: v for k, v in dict(overrides).items() if v is not None}
        unknown = set(given) - set(DocMeta.model_fields)
        if unknown:
            raise ValueError(f"unknown metadata field(s): {', '.join(sorted(unknown))}")
    return DocMeta.model_validate({**meta.model_dump(), **given})
