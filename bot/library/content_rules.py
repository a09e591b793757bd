"""Editorial rules that `python -m bot content check` adds on top of the schema.

The schema (models.py, loader.py) decides whether content can be shown at all, and the bot refuses
to start without it. These rules catch mistakes that still load but mislead members: a misspelt topic
(`presure`) that silently becomes a topic of its own, and a guide that README, the code or the content
points members to with `/technique` but that does not exist, and a source linked as a search (a
PubMed `?term=` query, a `/search?` page) rather than the record itself. They run in `content check` and in
the tests of the shipped content, not at start-up, so a server's test fixtures may stay small.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel

from bot.library.loader import Content, ContentError, ContentProblem, load_content
from bot.library.models import Source

INSTALL_ROOT = Path(__file__).resolve().parents[2]
"""The checkout this code runs from: its README.md and bot/ are what name guides to members."""

SEARCH_LINK = re.compile(r"[?&]term=|/search\?", re.IGNORECASE)
"""A link to search results, not to a source: what it shows changes, and it proves nothing."""

_NAME = r"(?!(?:and|or)\b)[a-z][a-z-]*[a-z]"
_NAME_LIST = rf"{_NAME}(?:(?:, | or | and ){_NAME})*"
GUIDE_MENTION = re.compile(
    rf"/technique name:\s*(?P<one>{_NAME})"  # the Discord form, as in README's command table
    rf"|kneadbot> /technique (?:name:)?(?P<console>{_NAME})"  # README's console example, in either form
    rf"|(?:/technique:|Which guide:) (?P<list>{_NAME_LIST})",  # a list after a colon (FAQ answers, option hint)
)


def check_content_dir(content_dir: Path, install_root: Path = INSTALL_ROOT) -> Content:
    """Load the content and apply the editorial rules; raise ContentError listing every problem."""
    try:
        content = load_content(content_dir)
    except ContentError as error:
        problems = list(error.problems)
        guide_names = {path.stem for path in (content_dir / "guides").glob("*.yaml")}
        problems.extend(_missing_guides(guide_names, _texts_outside_content(install_root)))
        raise ContentError(problems) from None
    problems = editorial_problems(content, install_root)
    if problems:
        raise ContentError(problems)
    return content


def editorial_problems(content: Content, install_root: Path = INSTALL_ROOT) -> list[ContentProblem]:
    """Every editorial problem in loaded content, as `file: entry: problem`."""
    guide_names = {name.lower() for guide in content.guides for name in (guide.id, *guide.aliases)}
    mentions = {**_texts_outside_content(install_root), **_content_texts(content)}
    return [*_lonely_topics(content), *_missing_guides(guide_names, mentions), *_search_links(content)]


def guides_named_in(text: str) -> set[str]:
    """The guide names a text sends members to, e.g. {"calf"} for a README line naming the calf guide."""
    names: set[str] = set()
    for match in GUIDE_MENTION.finditer(text):
        listed = match["list"] or ""
        names.update(re.split(r", | or | and ", listed) if listed else [match["one"] or match["console"]])
    return names


def _lonely_topics(content: Content) -> list[ContentProblem]:
    counts = Counter(tip.topic for tip in content.tips)
    return [
        ContentProblem("tips.yaml", tip.id, f"topic '{tip.topic}' is used by this tip only (a typo?)")
        for tip in content.tips
        if counts[tip.topic] == 1
    ]


def _search_links(content: Content) -> list[ContentProblem]:
    parts: list[tuple[str, object]] = [
        *(("tips.yaml", tip) for tip in content.tips),
        *(("faq.yaml", entry) for entry in content.faq),
        *((f"guides/{guide.id}.yaml", guide) for guide in content.guides),
        ("safety.yaml", content.safety),
        ("checkins.yaml", content.checkins),
    ]
    return [
        ContentProblem(file, getattr(part, "id", "-"), f"'{source.name}' links to search results, not a source")
        for file, part in parts
        for source in _sources_in(part)
        if source.url is not None and SEARCH_LINK.search(source.url)
    ]


def _sources_in(value: object) -> Iterator[Source]:
    """Every Source anywhere inside a content model (entries, guide steps, outcomes, advice texts)."""
    if isinstance(value, Source):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _sources_in(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _sources_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _sources_in(item)


def _missing_guides(guide_names: set[str], texts: dict[str, str]) -> list[ContentProblem]:
    missing = sorted({(name, where) for where, text in texts.items() for name in guides_named_in(text)})
    return [
        ContentProblem("guides/", name, f"{where} names this guide, but there is no guides/{name}.yaml")
        for name, where in missing
        if name not in guide_names
    ]


def _texts_outside_content(install_root: Path) -> dict[str, str]:
    paths = [install_root / "README.md", *sorted((install_root / "bot").rglob("*.py"))]
    return {str(path.relative_to(install_root)): path.read_text(encoding="utf-8") for path in paths if path.is_file()}


def _content_texts(content: Content) -> dict[str, str]:
    texts: Iterable[tuple[str, str]] = [
        *((f"faq.yaml ({entry.id})", entry.answer) for entry in content.faq),
        *((f"tips.yaml ({tip.id})", tip.text) for tip in content.tips),
        *((f"guides/{guide.id}.yaml", " ".join(step.text for step in guide.steps)) for guide in content.guides),
    ]
    return dict(texts)
