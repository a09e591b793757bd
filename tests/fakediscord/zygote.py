"""A warm parent that forks one real bot process per request, so restarts skip the imports.

    python -m tests.fakediscord.zygote        (driven by ``process.Zygote``; one JSON request a line)

Why: a crash test restarts the bot twenty times, and a cold ``python -m bot`` spends about a second
importing discord.py, aiohttp, pydantic and matplotlib before it does anything. This parent imports
them once, then for each request forks a child that runs ``launch_bot.main()`` exactly as a fresh
interpreter would: its own environment, working directory and output file, its own pid to SIGKILL.
Nothing runs in the parent that could be shared with a child: no event loop, no thread, no database
connection. The parent parses the repository's content once (plain, immutable data) and loads the
embedding weights; each child reads settings, opens the database and builds its Library itself.

Protocol on stdin/stdout: a request ``{"env": {...}, "cwd": ..., "output": ..., "args": [...]}``
is answered with ``started <pid>``; when a child ends the parent writes ``exited <pid> <code>``
(a negative code is the signal that killed it, as in ``subprocess``).
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import json
import os
import select
import signal
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.library.loader import Content

WARM_MODULES = ("tests.fakediscord.launch_bot", "bot.__main__", "bot.app", "bot.library.loader")
PR_SET_PDEATHSIG = 1


def _warm_up() -> None:
    """Import what every bot process imports (extensions too: each child still loads them afresh), parse
    the repository's content and load WordLlama's weights.

    The content and the weights are the two costly steps of a start that read only files that never
    change during a test (0.2-0.4 s of a restart's ~0.6 s of CPU; the kill proofs restart bots a hundred
    times). Each child still builds its own Library and search index from them (`_run_child`).
    """
    for name in WARM_MODULES:
        importlib.import_module(name)
    from bot.app import extension_names

    for name in extension_names():
        importlib.import_module(name)
    from bot.library.loader import load_content
    from bot.library.search.semantic import _model
    from bot.settings import Settings

    global _CONTENT_DIR, _CONTENT
    _CONTENT_DIR = Settings.model_fields["content_dir"].default
    _CONTENT = load_content(_CONTENT_DIR)
    _model()  # cached for the process; it also keeps WordLlama's logging set-up out of the root logger


_CONTENT_DIR: Path | None = None
_CONTENT: Content | None = None


def _use_parsed_content() -> None:
    """In a child: `load_content` of the repository's content directory returns the copy parsed in the
    parent (immutable models); any other directory (a test's own content) is read as usual."""
    import bot.library.loader

    read = bot.library.loader.load_content

    def load_content(content_dir: Path) -> Content:
        if _CONTENT is not None and Path(content_dir) == _CONTENT_DIR:
            return _CONTENT
        return read(content_dir)

    bot.library.loader.load_content = load_content  # bot.__main__ imports it when it loads the content


def _die_with_parent() -> None:
    """Linux: the kernel SIGKILLs this child if the zygote dies, so no bot outlives a crashed test run."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _run_child(request: dict[str, object], parent_out: int) -> None:
    """In the forked child: become the bot process described by ``request``; never returns."""
    code = 1
    try:
        _die_with_parent()
        os.close(parent_out)
        os.chdir(str(request["cwd"]))
        output = os.open(str(request["output"]), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.close(output)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in dict(request["env"]).items()})  # type: ignore[call-overload]
        _use_parsed_content()
        from tests.fakediscord.launch_bot import main

        code = main([str(a) for a in request.get("args") or []])  # type: ignore[attr-defined]
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:  # as the interpreter would: print it and exit 1
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _reap(out: int, alive: set[int]) -> None:
    while alive:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            return
        alive.discard(pid)
        os.write(out, f"exited {pid} {os.waitstatus_to_exitcode(status)}\n".encode())


def serve() -> None:
    _warm_up()
    out, pending, alive = os.dup(1), b"", set[int]()
    os.write(out, b"ready\n")
    while True:
        readable, _, _ = select.select([0], [], [], 0.02)
        _reap(out, alive)
        if not readable:
            continue
        chunk = os.read(0, 65536)
        if not chunk:  # the test closed our stdin: done, and no child may outlive us
            for pid in alive:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            return
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            pid = os.fork()
            if pid == 0:
                _run_child(json.loads(line), out)
            alive.add(pid)
            os.write(out, f"started {pid}\n".encode())


if __name__ == "__main__":
    serve()
