"""Start kneadbot: the Discord bot when DISCORD_TOKEN is set, the offline console when it is not.

python -m bot                  run (bot with a token, console without)
python -m bot console          the console, even with a token set
python -m bot content check    validate content/*.yaml and list every problem
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot.library.library import Library
from bot.library.loader import ContentError, load_content
from bot.log import get_logger, setup_logging
from bot.settings import Settings, SettingsError, load_settings

log = get_logger("bot")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="kneadbot: a safety-first Discord bot for leg massage. "
        "Without DISCORD_TOKEN it opens an offline console.",
    )
    modes = parser.add_subparsers(dest="mode", metavar="MODE")
    modes.add_parser("run", help="run the bot (the default; the console when DISCORD_TOKEN is not set)")
    modes.add_parser("console", help="the offline console, reading commands from the terminal or a pipe")
    content = modes.add_parser("content", help="work with content/*.yaml")
    content.add_argument("action", choices=["check"], help="check: validate every file and list problems")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"kneadbot: bad configuration: {error}", file=sys.stderr)
        return 2
    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    setup_logging(settings.log_level, secrets=(token,))
    if args.mode == "content":
        return check_content(settings)
    try:
        library = Library(load_content(settings.content_dir))
    except ContentError as error:
        print(f"kneadbot: content has problems, fix them first:\n{error}", file=sys.stderr)
        return 1
    if args.mode == "console" or not token:
        from bot.console import run_console

        run_console(library)
        return 0
    return asyncio.run(run_bot(settings, library, token))


def check_content(settings: Settings) -> int:
    try:
        content = load_content(settings.content_dir)
    except ContentError as error:
        for problem in error.problems:
            print(problem)
        print(f"{len(error.problems)} problem(s) in {settings.content_dir}", file=sys.stderr)
        return 1
    print(
        f"content OK: {len(content.tips)} tips, {len(content.faq)} FAQ entries, "
        f"{len(content.guides)} guides, {len(content.safety.questions)} safety questions"
    )
    return 0


async def run_bot(settings: Settings, library: Library, token: str) -> int:
    from bot.app import KneadBot

    async with KneadBot(settings, library) as bot:
        await bot.start(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
