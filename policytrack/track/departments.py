"""Department names as one office: the audit list's sheets and a group's merged
departments both need '青禾县教育体育局' and '县教体局' to be the same office."""

from __future__ import annotations


def canonical_department(name: str, region: str | None = None, known_regions: tuple[str, ...] = ()) -> str:
    """One name per office: '青禾县教育体育局' and '县教体局' are the same 县教育体育局 when
    the commitment is 青禾县's (the place name becomes its level, the short form the full one).
    Without the commitment's region, the list's own jurisdictions (`known_regions`) stand in."""
    from policytrack.lexicons import load_yaml

    n = name.strip()
    if region is None:
        region = next((k for k in known_regions if n.startswith(k)), None)
    if region and n.startswith(region) and len(n) > len(region):
        level = region[-1]  # 青禾县 → 县, 云岭市 → 市
        n = level + n[len(region):]
    forms = (load_yaml("track_departments.yaml") or {}).get("short_forms") or {}
    for short in sorted(forms, key=len, reverse=True):
        if n.endswith(short) and not n.endswith(forms[short]):
            n = n[: -len(short)] + forms[short]
            break
    return n
