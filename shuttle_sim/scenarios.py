"""The shipped scenarios and studies, by name: ``shuttle-sim run kcts_concept``,
``load_scenario("kcts_concept")``, ``shuttle-sim sweep aktau_expansion``.

The repository's top-level ``configs/`` and ``experiments/`` are the one copy in git and
the place to read and edit them.  A wheel carries the same files as package data in
``shuttle_sim/configs/`` and ``shuttle_sim/experiments/``, copied there at build time
(``setup.py``, ``build_py``), so an installed package finds them without the repository
(a study's ``../configs/...`` still points at its scenario and cost file); a source
checkout or an editable install reads the top-level folders themselves.  Only the
standard library and PyYAML are imported here (``shuttle-sim scenarios`` starts in a blink).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["directory", "shipped", "resolve", "referenced_file", "describe_all", "hint", "studies_directory",
           "shipped_studies", "resolve_study", "describe_studies", "bare_name", "find_shipped"]

_PACKAGED = Path(__file__).resolve().with_name("configs")  # in a wheel
_CHECKOUT = Path(__file__).resolve().parents[1] / "configs"  # in the repository
_PACKAGED_STUDIES = Path(__file__).resolve().with_name("experiments")
_CHECKOUT_STUDIES = Path(__file__).resolve().parents[1] / "experiments"
SUFFIXES = (".yaml", ".yml")
NOT_SCENARIOS = ("costs",)  # configs/costs.yaml: cost inputs of the studies, not a scenario


def directory() -> Path:
    """Where the shipped scenario files are: the package's copy if installed from a
    wheel, else the repository's ``configs/``."""
    return _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT


def shipped() -> dict[str, Path]:
    """``{name: path}`` of the shipped scenarios (file stem = scenario name), sorted."""
    return _listed(directory(), NOT_SCENARIOS)


def _listed(folder: Path, leave_out: tuple[str, ...] = ()) -> dict[str, Path]:
    files = sorted(p for p in folder.glob("*") if p.suffix in SUFFIXES) if folder.is_dir() else []
    return {p.stem: p for p in files if p.stem not in leave_out}


def studies_directory() -> Path:
    """Where the shipped study files are: the package's copy if installed from a wheel,
    else the repository's ``experiments/``."""
    return _PACKAGED_STUDIES if _PACKAGED_STUDIES.is_dir() else _CHECKOUT_STUDIES


def shipped_studies() -> dict[str, Path]:
    """``{name: path}`` of the shipped studies (file stem = name), sorted."""
    return _listed(studies_directory())


def bare_name(path: str | Path) -> str | None:
    """The shipped name ``path`` may stand for (``kcts_concept`` for ``kcts_concept.yaml``),
    or None when it is an existing file or directory or has a folder in it."""
    p = Path(path)
    return None if p.exists() or len(p.parts) != 1 else _stem(p)


def find_shipped(path: str | Path) -> Path | None:
    """The shipped scenario, or else study, that ``path`` names; None for a file or an
    unknown name (``shuttle-sim validate`` takes either kind)."""
    name = bare_name(path)
    return None if name is None else shipped().get(name) or shipped_studies().get(name)


def _stem(p: Path) -> str:
    return p.stem if p.suffix in SUFFIXES else p.name


def _closest(name: str, found: dict[str, Path]) -> str | None:
    """``name`` if shipped, else the shipped name it most likely misspells, else None."""
    import difflib

    return name if name in found else next(iter(difflib.get_close_matches(name, list(found), n=1, cutoff=0.75)),
                                           None)


def resolve(path: str | Path) -> Path:
    """``path`` itself if it is a file or names a directory; else the shipped scenario of
    that name (``kcts_concept`` or ``kcts_concept.yaml``).

    Raises
    ------
    ConfigError
        Neither a file nor a shipped scenario; the message lists the shipped ones.
    """
    return _resolve(path, shipped(), "scenario", "`shuttle-sim scenarios` describes them")


def resolve_study(path: str | Path) -> Path:
    """``path`` itself if it is a file; else the shipped study of that name
    (``aktau_expansion`` or ``aktau_expansion.yaml``); a ConfigError otherwise."""
    return _resolve(path, shipped_studies(), "study", "`shuttle-sim scenarios` lists them")


def _resolve(path: str | Path, found: dict[str, Path], what: str, where: str) -> Path:
    name = bare_name(path)
    if name is None:
        return Path(path)
    if name in found:
        return found[name]
    from .config.loader import ConfigError, ConfigProblem

    names = ", ".join(found) or "none found"
    guess = hint(str(path), found, what)
    near = _closest(name, shipped_studies()) if not guess and what == "scenario" else None
    if near is not None:  # a study's name given to `run` or `validate`
        guess = f"{near} is a shipped study: sweep it with `shuttle-sim sweep {near}`;"
    raise ConfigError([ConfigProblem(str(path), None, (), f"no such file, nor a shipped {what} of that name ("
                                     f"{guess + ' ' if guess else ''}shipped: {names}; {where})")])


def hint(missing: str, found: dict[str, Path] | None = None, what: str = "scenario") -> str:
    """Words for a scenario (or study: ``found``, ``what``) file or name that does not
    exist: ``"did you mean 'kcts_concept'?"`` for a misspelt shipped name; for a path to a
    shipped file that is not where it was written (``../configs/kcts_concept.yaml`` from
    another folder, or in an installed package), the advice to name it alone; else ``""``."""
    given = Path(missing)
    stem = _stem(given)
    found = shipped() if found is None else found
    if len(given.parts) > 1 and stem in found:
        return f"{stem} is a shipped {what}: write its name alone, {stem}, to use it wherever the package is"
    close = _closest(stem, found)
    return f"did you mean {close!r}?" if close is not None else ""


def referenced_file(base_name: str, from_file: Path) -> Path:
    """The scenario file that ``base_name`` names inside ``from_file`` (a scenario's
    ``extends:``, a study's ``scenario:``): a path relative to ``from_file``'s folder (or
    absolute); failing that, a bare name (``kcts_concept`` or ``kcts_concept.yaml``) is
    the shipped scenario of that name, as on the command line, so a variant or a study of
    a shipped scenario needs no copy of it once the package is installed from a wheel.
    The path relative to the folder when neither exists (the caller's read says so)."""
    given = Path(base_name)
    local = given if given.is_absolute() else Path(from_file).parent / given
    if local.exists() or len(given.parts) != 1:
        return local
    return shipped().get(_stem(given), local)


def describe_all() -> list[tuple[str, str, Path]]:
    """``(name, description, path)`` of every shipped scenario (its YAML ``description``)."""
    return _describe(shipped())


def describe_studies() -> list[tuple[str, str, Path]]:
    """``(name, description, path)`` of every shipped study."""
    return _describe(shipped_studies())


def _describe(files: dict[str, Path]) -> list[tuple[str, str, Path]]:
    import yaml

    out = []
    for name, path in files.items():
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as e:
            text = f"(unreadable: {e})"
        else:
            text = " ".join(str(data.get("description", "")).split()) if isinstance(data, dict) else ""
        out.append((name, text, path))
    return out
