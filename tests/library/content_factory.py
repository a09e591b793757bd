"""Small, valid content folders for tests that must not depend on the real content's wording."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SOURCE = {"name": "NHS: Deep vein thrombosis", "url": "https://www.nhs.uk/conditions/deep-vein-thrombosis-dvt/"}


def tip(tip_id: str, topic: str = "pressure", text: str = "Keep the pressure light and ask how it feels.") -> dict:
    return {"id": tip_id, "topic": topic, "text": text, "sources": [SOURCE]}


def faq(faq_id: str, question: str, aliases: list[str] | None = None, **extra: Any) -> dict:
    answer = extra.pop("answer", "A careful answer in our own words, naming its source.")
    return {
        "id": faq_id,
        "question": question,
        "aliases": aliases or [],
        "answer": answer,
        "sources": [SOURCE],
        **extra,
    }


def guide(guide_id: str, name: str, steps: int = 5) -> dict:
    return {
        "id": guide_id,
        "name": name,
        "suits": "Healthy adults who want a gentle routine.",
        "cautions": ["Stop if anything hurts, tingles or goes numb."],
        "steps": [
            {"title": f"Step {n}", "text": f"Do the gentle thing number {n} slowly."} for n in range(1, steps + 1)
        ],
        "sources": [SOURCE],
    }


def safety() -> dict:
    outcome = {"title": "An outcome", "text": "What to do next; this is not a diagnosis."}
    questions = [
        {
            "id": "calf",
            "label": "One calf is swollen",
            "description": "Warm, red or painful",
            "outcome": "urgent",
            "advice": "Do not massage it and get medical help today.",
        },
        {
            "id": "pregnant",
            "label": "Pregnant",
            "description": "Or recently gave birth",
            "outcome": "doctor",
            "advice": "Ask your midwife or doctor first.",
        },
        {
            "id": "veins",
            "label": "Varicose veins",
            "description": "Visible, not painful",
            "outcome": "caution",
            "advice": "Avoid pressing directly on the veins.",
        },
        {
            "id": "numb",
            "label": "Numb feet",
            "description": "From diabetes",
            "outcome": "doctor",
            "advice": "Check with your care team first.",
        },
    ]
    outcomes = dict.fromkeys(("urgent", "doctor", "caution", "clear"), outcome)
    return {
        "intro": "A quick check, not a diagnosis.",
        "questions": questions,
        "outcomes": outcomes,
        "sources": [SOURCE],
    }


def checkin_texts() -> dict:
    def advice(title: str) -> dict:
        return {"title": title, "text": f"{title}: what to do next, never a diagnosis.", "sources": [SOURCE]}

    return {
        "question": "How do your {area} feel after {when} {intensity} massage?",
        "reassure": advice("Reassure"),
        "moderate": advice("Moderate"),
        "severe": advice("Severe"),
        "warning_signs": advice("Warning signs"),
    }


STOP_WORDS = ["a", "am", "are", "after", "can", "how", "i", "is", "my", "should", "so", "the", "what", "why"]


def write_content(
    root: Path,
    *,
    tips: list[dict] | None = None,
    faqs: list[dict] | None = None,
    guides: list[dict] | None = None,
    safety_check: dict | None = None,
) -> Path:
    """Write a content folder; each part defaults to something valid."""
    (root / "guides").mkdir(parents=True, exist_ok=True)
    _dump(root / "tips.yaml", {"tips": tips if tips is not None else [tip("light-first"), tip("ask-often")]})
    default_faqs = [faq("clots", "Can massage cause blood clots?", ["dvt"]), faq("sore", "Why am I sore after?")]
    _dump(root / "faq.yaml", {"faq": faqs if faqs is not None else default_faqs})
    _dump(root / "safety.yaml", {"safety": safety_check if safety_check is not None else safety()})
    _dump(root / "checkins.yaml", {"checkins": checkin_texts()})
    _dump(root / "vocabulary.yaml", {"vocabulary": {"stop_words": STOP_WORDS}})
    for item in guides if guides is not None else [guide("calf", "Calf massage")]:
        _dump(root / "guides" / f"{item['id']}.yaml", {"guide": item})
    return root


def _dump(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
