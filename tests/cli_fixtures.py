"""Small fictional documents written by the CLI / crash-safety tests (no shared text)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PLAN = """青禾县学前教育发展提升行动计划（2021—2025年）

一、总体目标
到2025年，全县学前三年毛入园率达到95%以上，普惠性幼儿园覆盖率达到85%以上。
二、重点任务
（一）扩大普惠性资源。2022年8月底前新建幼儿园3所。（责任单位：县教育局、县发展改革局）
（二）加强教师队伍建设。到2023年，幼儿园专任教师持证率达到90%。（责任单位：县教育局）

青禾县人民政府
2021年3月15日
"""

REPORT_HTML = """<html><head><meta charset="gbk"><title>青禾县2022年教育工作总结</title></head>
<body><div class="content"><h1>青禾县2022年教育工作总结</h1>
<p>一、主要成绩</p>
<p>2022年，全县学前三年毛入园率达到93.5%，普惠性幼儿园覆盖率达到86.2%。</p>
<p>新建幼儿园2所，幼儿园专任教师持证率达到88%。</p>
<p>二、存在问题</p>
<p>部分乡镇幼儿园师资仍然不足。</p>
<p>青禾县教育局</p><p>2023年1月10日</p>
</div></body></html>
"""


def cli_cmd(*args: str) -> list[str]:
    """The policytrack command as a subprocess (works without the console script on PATH)."""
    return [sys.executable, "-m", "policytrack.api.cli", *args]


def env_with_repo() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def write_corpus(folder: Path) -> dict[str, Path]:
    """plan.txt (UTF-8), report.html (GBK), bad.pdf (garbage), empty.txt, notes.xyz (ignored)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "plan": folder / "plan.txt",
        "report": folder / "report.html",
        "bad": folder / "bad.pdf",
        "empty": folder / "empty.txt",
    }
    files["plan"].write_text(PLAN, encoding="utf-8")
    files["report"].write_bytes(REPORT_HTML.encode("gbk"))
    files["bad"].write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    files["empty"].write_bytes(b"")
    (folder / "notes.xyz").write_text("not a document", encoding="utf-8")
    return files
