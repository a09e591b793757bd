"""Load content/*.yaml into validated models, collecting every problem instead of stopping at the first.

`python -m bot content check` prints the problems as `file: entry: problem`; the bot refuses to start
with any, so broken content never reaches a member.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.library.models import (
    PRACTICAL_ADVICE_LABEL,
    CheckinsFile,
    CheckinTexts,
    FaqEntry,
    FaqFile,
    Guide,
    GuideFile,
    SafetyCheck,
    SafetyFile,
    Source,
    Tip,
    TipsFile,
)
from bot.library.safety import MAX_ADVICE_SHOWN
from bot.library.search.vocabulary import Vocabulary, VocabularyFile, warning_sign_problems

EMBED_TOTAL_LIMIT = 6000
"""Discord rejects a message whose embeds hold more than this many characters in all."""

UI_TEXT_RESERVE = 500
"""Room kept in an embed for what the UI adds around the content: the disclaimer footer, field names."""

FIELD_VALUE_LIMIT = 1024
"""A guide's cautions are shown together in one embed field, which holds at most this many characters."""

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class ContentProblem:
    file: str
    entry: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.entry}: {self.problem}"


class ContentError(Exception):
    """The content folder has problems; `problems` lists each one."""

    def __init__(self, problems: list[ContentProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Content:
    tips: tuple[Tip, ...]
    faq: tuple[FaqEntry, ...]
    guides: tuple[Guide, ...]
    safety: SafetyCheck
    checkins: CheckinTexts
    vocabulary: Vocabulary = field(default_factory=Vocabulary)


def load_content(content_dir: Path) -> Content:
    """Read and validate every content file; raise ContentError listing all problems found."""
    problems: list[ContentProblem] = []
    tips = _load(content_dir / "tips.yaml", TipsFile, problems)
    faq = _load(content_dir / "faq.yaml", FaqFile, problems)
    safety = _load(content_dir / "safety.yaml", SafetyFile, problems)
    checkins = _load(content_dir / "checkins.yaml", CheckinsFile, problems)
    vocabulary = _load(content_dir / "vocabulary.yaml", VocabularyFile, problems)
    guide_paths = sorted((content_dir / "guides").glob("*.yaml"))
    if not guide_paths:
        problems.append(ContentProblem("guides/", "-", "no guide files found"))
    guides = [g.guide for p in guide_paths if (g := _load(p, GuideFile, problems)) is not None]
    if tips is not None:
        _check_unique("tips.yaml", [t.id for t in tips.tips], problems)
    if faq is not None:
        _check_unique("faq.yaml", [f.id for f in faq.faq], problems)
        _check_sizes("faq.yaml", faq.faq, problems)
    _check_unique("guides/", [g.id for g in guides], problems)
    _check_cautions(guides, problems)
    if safety is not None:
        _check_safety_result(safety.safety, problems)
    if vocabulary is not None and faq is not None:
        problems.extend(
            ContentProblem("vocabulary.yaml", *p) for p in warning_sign_problems(vocabulary.vocabulary, faq.faq)
        )
    if problems or tips is None or faq is None or safety is None or checkins is None or vocabulary is None:
        raise ContentError(problems)
    parts = (tuple(tips.tips), tuple(faq.faq), tuple(guides), safety.safety, checkins.checkins)
    return Content(*parts, vocabulary.vocabulary)


def _load(path: Path, model: type[Model], problems: list[ContentProblem]) -> Model | None:
    name = path.name if path.parent.name != "guides" else f"guides/{path.name}"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(ContentProblem(name, "-", "file is missing"))
        return None
    except yaml.YAMLError as error:
        problems.append(ContentProblem(name, "-", f"not valid YAML: {error}"))
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        problems.extend(ContentProblem(name, _entry_of(raw, e["loc"]), _say(e)) for e in error.errors())
        return None


def _entry_of(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Name the entry a validation error sits in by its id (the innermost one), else by its path."""
    node, named = raw, ".".join(map(str, loc)) or "-"
    for depth, key in enumerate(loc):
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            named = f"{node['id']} ({'.'.join(map(str, loc[depth + 1 :])) or 'entry'})"
    return named


def _say(error: Any) -> str:
    return str(error["msg"])


def _check_unique(file: str, ids: list[str], problems: list[ContentProblem]) -> None:
    problems.extend(ContentProblem(file, i, "duplicate id") for i, n in Counter(ids).items() if n > 1)


def _check_sizes(file: str, entries: tuple[FaqEntry, ...] | list[FaqEntry], problems: list[ContentProblem]) -> None:
    for entry in entries:
        size = len(entry.question) + len(entry.answer) + _sources_size(entry.sources)
        if size > EMBED_TOTAL_LIMIT - UI_TEXT_RESERVE:
            problems.append(ContentProblem(file, entry.id, f"too long for one embed ({size} characters)"))


def _check_cautions(guides: list[Guide], problems: list[ContentProblem]) -> None:
    for guide in guides:
        size = len(guide.cautions_text())
        if size > FIELD_VALUE_LIMIT:
            problems.append(
                ContentProblem(f"guides/{guide.id}.yaml", guide.id, f"cautions too long for one field ({size} > 1024)")
            )


def _check_safety_result(check: SafetyCheck, problems: list[ContentProblem]) -> None:
    """The largest result a member can get must fit in one embed: the longest outcome, with the
    advice of the MAX_ADVICE_SHOWN longest statements (label and advice) and the sources."""
    outcome = max(len(text.title) + len(text.text) for text in check.outcomes.values())
    advice = sorted((len(q.label) + len(q.advice) for q in check.questions), reverse=True)[:MAX_ADVICE_SHOWN]
    size = outcome + sum(advice) + _sources_size(check.sources)
    if size > EMBED_TOTAL_LIMIT - UI_TEXT_RESERVE:
        problems.append(
            ContentProblem(
                "safety.yaml",
                "-",
                f"the longest possible result is too long for one embed ({size:,} characters, "
                f"at most {EMBED_TOTAL_LIMIT - UI_TEXT_RESERVE:,})",
            )
        )


def _sources_size(sources: Sequence[Source]) -> int:
    """Sources as shown: one "[name](url)" line each, or a labelled line for practical advice."""
    return sum(len(source.name) + len(source.url or PRACTICAL_ADVICE_LABEL) + 5 for source in sources)
