"""Commitments: figures promised as targets and qualitative end states.

Why rules and not a model: an auditor must be able to see why a sentence became a
commitment; the cues (到2025年, 力争, 不低于, a planning heading, the document being a
plan) are listed in `lexicons/cues.yaml` and weighed here in one place.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .context import DocContext, cues
from .deadlines import TimeExpr
from .numbers import NumberMention

_LEAD_JUNK = re.compile(
    r"^(?:[（(]?[一二三四五六七八九十\d]{1,2}[)）、.．]|[①-⑳])?\s*"
    r"(?:其中|同时|并|另外|此外|全年|全区|全县|全市|全省|全国|我区|我县|我市|我省|力争|争取|确保|计划|预计|将|拟|要|使|让|实现|到|至|在(?![校园职岗读编籍])|于|由|从|累计|共|有|已|已经|目前|现有|切实|进一步|认真)*"
)
_TRAIL_JUNK = re.compile(r"(?:\d+(?:\.\d+)?\s*[%％]|(?<!占)比|仍|仅|尚|较|与|分别|均|各|达到|达|为|是|超过|不低于|不少于|不超过|不高于|控制在|保持在|稳定在|提高到|提高至|提升到|提升至|增加到|增至|降到|降至|约|近|低于|高于|至少|共计|共|有|累计|总计|合计|占(?!比)|实现|完成|新增|增长|下降|提高|提升|力争|的|\s)+$")
_OPEN = "“《(（"


def clean_indicator(s: str) -> str:
    s = s.strip(" \u3000,，:：、;；\"“”")
    s = _LEAD_JUNK.sub("", s)
    for _ in range(3):  # 增长6%，力争: junk, a comma, then more junk
        t = _TRAIL_JUNK.sub("", s).strip(" \u3000,，:：、;；\"“”")
        if t == s:
            break
        s = t
    return s[-40:]


def target_score(ctx: DocContext, sent_text: str, prefix: str, mention: NumberMention, times: list[TimeExpr]) -> int:
    """> 0: the figure is promised; <= 0: it is reported."""
    c = cues()
    score = 0
    raw = mention.raw
    if ctx.doc_type == "plan":
        score += 1 if ctx.type_reliable else 0
    elif ctx.doc_type == "report":
        score -= 1
    score += 2 * ctx.heading_bias(mention.start)
    for t in times:
        if t.compare:
            continue
        if t.kind == "deadline":
            if ctx.text[max(0, t.start - 2):t.start].endswith(("已", "已于", "已在")):
                score -= 1  # 已于8月底全部完成: when it was done, not a deadline
                continue
            if ctx.doc_type == "report" and not t.explicit and not _BEFORE_WITHIN.search(ctx.text, t.start, t.end) \
                    and not _PLANNED_AT.search(ctx.text[max(0, t.start - 3):t.start]):
                continue  # 今年招聘教师464人 in a report: the reporting year, not a promise (…将于7月底到位 still promises)
            y = int(t.value[:4])
            ref = ctx.report_year or ctx.doc_year
            if ref and y < ref and t.explicit:
                score -= 1  # a deadline already past when the document was written: a review
            else:
                score += 3
        elif t.kind == "start":
            score += 2
        elif t.kind == "year":
            y = int(t.value[:4])
            ref = ctx.report_year or ctx.doc_year
            if ref and y < ref:
                score -= 2
            elif ref and y > ref:
                score += 2

    prefix = without_cues("cue_false_friends", prefix)  # 营养改善计划惠及3820人: 计划 names a programme here
    strong = _has_any("strong_target_cues", prefix)
    if strong:
        score += 2
    past = None
    for past in _PAST_CUES.finditer(prefix):
        pass
    strong_at = -1
    if past is not None:
        if strong:
            strong_at = max(prefix.rfind(w) for w in c["strong_target_cues"])
        base = mention.start - len(prefix)
        for t in times:
            # 按照已经启动的…计划，到2015年，…: a deadline set later in the sentence promises too
            if t.kind == "deadline" and t.explicit and not t.compare and base <= t.start < mention.start:
                strong_at = max(strong_at, t.start - base)
    if past is not None and not (strong_at > past.end() and _CLAUSE_MARK.search(prefix, past.end(), strong_at)):
        # 目前正值…季节，各地…，力争在2025年5月底前完成…: a promise made in a later clause
        # outweighs the state of things an earlier clause describes
        score -= 3
    if _NAMED_GOAL.match(ctx.text[mention.end:mention.end + 5]):
        score += 2  # …入学率不低于95%的目标: the figure is named as a goal
    if mention.unit and re.match(r"[^，,。；;\d]{0,10}?(?:均已|已经|已)(?!于?20)", ctx.text[mention.end:mention.end + 14]):
        score -= 3  # 1月份28所建设项目均已开工: what has happened to the figure's objects
    if re.match(r"(?:学生|人|名|户)?(?:受益|获益)", ctx.text[mention.end:mention.end + 4]):
        score -= 2  # 营养改善计划3220万人受益: who benefited, a reported figure
    if ctx.text.endswith(cue_tuple("hold_words"), max(0, mention.start - 2), mention.start):
        score += 1  # 总量保持30万个: a level to hold (a report's 保持100% stays reported: its -1 cancels this)
    if raw.endswith(("以内", "左右", "以下")) or raw.startswith(("控制在", "不超过")):
        score += 1
    elif raw.endswith("以上") and not (ctx.doc_type == "report" and ctx.type_reliable):
        score += 1

    if raw.startswith(("不低于", "不少于", "不超过", "不高于", "控制在", "至少")):
        score += 2
    return score


_BEFORE_WITHIN = re.compile(r"[前内]")
_PLANNED_AT = re.compile(r"(?:将于|拟于|计划于|预计于?)$")
_NAMED_GOAL = re.compile(r"[”\"’』」]?的?(?:目标|要求|标准)(?![化体])")
_PAST_CUES = re.compile(r"(?:(?:19|20)\d\d\s*年以来|已|累计|共有|同比|比上年|较上年|先后|截至|截止|(?<![由从])目前|(?<!实)现有|(?<!为)(?<![了除])[\u4e00-\u9fff]了(?!解))")
_CLAUSE_MARK = re.compile(r"[，,；;：:。]")
_ACHIEVED = re.compile(r"(?:实现|完成|建成|达到|消除|覆盖|纳入|创建)了")


@lru_cache(maxsize=1)
def _blockers() -> re.Pattern[str] | None:
    pats = cues().get("end_state_blockers") or []
    return re.compile("|".join(f"(?:{p})" for p in pats)) if pats else None


@lru_cache(maxsize=None)
def cue_alternation(key: str) -> str:
    """The cue list `key` as regex alternation text, in the list's order, for patterns that
    embed a word list; a pattern that never matches when the list is empty or missing, so
    a lexicon without the key disables the rule instead of matching everywhere."""
    return "|".join(re.escape(w) for w in cues().get(key) or []) or r"(?!)"


@lru_cache(maxsize=None)
def _any_of(key: str) -> re.Pattern[str] | None:
    """One compiled search for "any word of the cue list `key` occurs" (a clause is
    tested against several lists; one regex scan beats a Python loop over each word)."""
    return re.compile(cue_alternation(key)) if cues().get(key) else None


def without_cues(key: str, s: str, repl: str = "") -> str:
    """s with every word of the cue list `key` replaced, word by word in the list's order."""
    if not _has_any(key, s):
        return s
    for w in cue_tuple(key):
        if w in s:
            s = s.replace(w, repl)
    return s


def _has_any(key: str, s: str) -> bool:
    rx = _any_of(key)
    return rx is not None and rx.search(s) is not None


@lru_cache(maxsize=1)
def _end_state_any() -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """An end-state word or an end-state pattern: one scan for the words and the patterns
    that may match anywhere (all open with a character, so the regex engine skips ahead
    on it), one for the patterns anchored at the clause's start."""
    pats = cues().get("end_state_patterns") or []
    free = [re.escape(w) for w in cues()["end_states"]] + [f"(?:{p})" for p in pats if not p.startswith("^")]
    anchored = [f"(?:{p})" for p in pats if p.startswith("^")]
    return (re.compile("|".join(free)) if free else None,
            re.compile("|".join(anchored)) if anchored else None)


@lru_cache(maxsize=None)
def cue_tuple(key: str) -> tuple[str, ...]:
    """The cue list `key` as a tuple: for str.startswith/endswith and membership tests."""
    return tuple(cues().get(key) or [])


_NAMED_PROJECT = re.compile(r"[\u4e00-\u9fff]{2}(?:项目|工程)")


def is_standing_or_end_state(clause: str, dated: bool = False, timed: bool = False) -> bool:
    """An end state a reader could check (建成, 全覆盖, 达到…标准), not a subordinate clause
    (项目建成后, …造成不良影响的) or a noun that merely contains the verb (完成情况).
    `dated`: the sentence names an explicit deadline; `timed`: it names any time of its own
    (10月启动…), which is what a start (cues.yaml end_states_dated_only) needs to be checked by."""
    body = clause.rstrip("。；;，, ")
    if body.endswith(cue_tuple("subordinate_endings")):
        return False
    blockers = _blockers()
    probe = blockers.sub("", clause) if blockers else clause
    if not (dated or timed) and _has_any("end_states_dated_only", probe):
        probe = _any_of("end_states_dated_only").sub("·", probe)  # 启动…督导评估: a start, checkable only by its date
    if _ACHIEVED.search(probe):
        return False  # 基本实现了…: a result already reached
    free, anchored = _end_state_any()
    if not (free and free.search(probe)) and not (anchored and anchored.search(probe)):
        return False
    # 实现教育公平 is vague; 能力提升项目全部完成 names a project, whose completion is checkable
    named = _NAMED_PROJECT.sub("", probe.replace("提升改造", "改造"))  # 滑雪场提升改造 is a works project
    if _has_any("vague_objects", named):
        c = cues()
        if any(w in named for w in c["vague_objects"] if not (dated and w in c.get("vague_unless_dated", ()))):
            return False  # 建成…体系 is vague, 到2024年，…建成…体系 has a date to be checked by
    if body.endswith(cue_tuple("activity_endings")) and not _has_any("activity_exceptions", body):
        return False
    return True


def looks_process(clause: str) -> bool:
    body = _LEAD_JUNK.sub("", clause)
    if body.startswith(cue_tuple("urging_words")):
        return True
    return body.startswith(cue_tuple("process_words")) and not _has_any("process_exceptions", body)
