"""The sources a page cites, by number: ``[14]`` -> "silkroadnews.org (Oct 2016)".

A shipped scenario or study cites its sources as ``[n]`` in comments, and the cost file
``costs.yaml`` does the same; the numbers are those of the Sources list at the end of
``DOMAIN.md`` (scenarios, studies) and of ``COSTS.md`` (costs), shipped beside them in
``configs/`` (and in a wheel's ``shuttle_sim/configs/``).  A report lists what each number
on its page stands for, so a reader can check a value without the repository; a number
the list does not have is shown as such rather than dropped.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Iterable

from .. import scenarios

__all__ = ["CITATION", "cited", "reference_list", "list_file"]

#: ``[14]``, ``[6,7,8]``, ``[70, 71]``, ``[54-56]``; not an index such as ``tankers[0]``
CITATION = re.compile(r"(?<![\w\]])\[(\d+(?:\s*[,\u2013-]\s*\d+)*)\]")
_ITEM = re.compile(r"\[(\d+)\]\s*")


def cited(texts: Iterable[str]) -> list[int]:
    """The reference numbers cited in ``texts``, sorted, each once (ranges expanded)."""
    out: set[int] = set()
    for text in texts:
        for group in CITATION.findall(text or ""):
            for part in re.split(r"\s*,\s*", group):
                ends = [int(x) for x in re.split(r"\s*[\u2013-]\s*", part)]
                out.update(range(ends[0], ends[-1] + 1) if len(ends) == 2 and ends[0] <= ends[1] else ends)
    return sorted(out)


def list_file(kind: str) -> Path:
    """``DOMAIN.md`` or ``COSTS.md`` (``kind``), beside the shipped scenarios."""
    return scenarios.directory() / f"{kind}.md"


@functools.lru_cache(maxsize=4)
def _parse(path: Path, mtime_ns: int) -> dict[int, str]:
    text = path.read_text(encoding="utf-8")
    at = text.find("\n## Sources")
    if at < 0:
        return {}
    body = " ".join(line.strip() for line in text[at:].splitlines()[1:] if line.strip())
    parts = _ITEM.split(body)  # ["", "1", "text ·", "2", "text ·", ...]
    return {int(n): ref.strip().rstrip("·").strip() for n, ref in zip(parts[1::2], parts[2::2])}


def reference_list(kind: str) -> dict[int, str]:
    """``{n: reference}`` of the Sources list of ``kind`` (``"DOMAIN"`` or ``"COSTS"``);
    empty if the file is not there."""
    path = list_file(kind)
    try:
        return _parse(path, path.stat().st_mtime_ns)
    except OSError:
        return {}
