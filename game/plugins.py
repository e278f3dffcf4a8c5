"""Plugins: a user's own module that registers mechanisms, strategies or run metrics.

A plugin is an ordinary Python module. Importing it runs its ``market.register(...)``,
``agents.strategies.register_strategy(...)`` or ``game.run_metrics.register_metric(...)``
calls, after which the new names are accepted everywhere a built-in one is: scenarios,
the CLI, sweeps and the app. A plugin is named by a dotted module name
(``my_lab.rules``) or a path to a ``.py`` file, in a scenario's ``plugins`` list, with
``crunch --plugin`` or in the ``CRUNCH_PLUGINS`` environment variable (separated by
``os.pathsep``).

Importing runs code, so only files the user chose load plugins: a scenario uploaded in
the app may name only plugins that are already loaded.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

from game.validation import MAX_SHOWN, clean, control_characters

__all__ = ["ENV_VAR", "LOADED", "PluginError", "load", "load_from_env", "prepare", "unload"]

ENV_VAR = "CRUNCH_PLUGINS"

LOADED: dict[str, ModuleType] = {}
"""Plugins loaded in this process, by the reference they were loaded under."""


class PluginError(ValueError):
    """A plugin could not be loaded (the message says which and why)."""


def _shown(ref: object) -> str:
    """A plugin reference as a message quotes it: escaped, and cut if long."""
    return clean(repr(ref), MAX_SHOWN)


def _is_path(ref: str) -> bool:
    return ref.endswith(".py") or os.sep in ref or "/" in ref


def resolve(ref: str, base_dir: Path | None = None) -> str:
    """The canonical reference: an absolute path for files, the dotted name otherwise."""
    if not _is_path(ref):
        return ref
    path = Path(ref).expanduser()
    if not path.is_absolute():
        path = (base_dir or Path.cwd()) / path
    return str(path.resolve())


def load(ref: str, base_dir: Path | None = None) -> ModuleType:
    """Import a plugin (once per process) and return its module.

    Args:
        ref: A dotted module name or a path to a ``.py`` file.
        base_dir: Where a relative path is looked up (default: the working directory).

    Raises:
        PluginError: If the module cannot be found or raises while importing.
    """
    key = resolve(ref, base_dir)
    if key in LOADED:
        return LOADED[key]
    try:
        if _is_path(key):
            path = Path(key)
            if not path.is_file():
                raise PluginError(f"{_shown(ref)}: no such file {clean(key, 200)}")
            digest = hashlib.sha256(key.encode()).hexdigest()[:8]
            name = f"crunch_plugin_{path.stem}_{digest}"
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                raise PluginError(f"{_shown(ref)}: cannot be imported as a Python module")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(name, None)
                raise
        else:
            module = importlib.import_module(key)
    except PluginError:
        raise
    except ModuleNotFoundError as err:
        raise PluginError(f"{_shown(ref)}: module not found ({clean(str(err), 200)})") from None
    except Exception as err:  # a plugin's own error: say where it came from
        raise PluginError(
            f"{_shown(ref)} failed while loading: {type(err).__name__}: {clean(str(err), 300)}"
        ) from None
    LOADED[key] = module
    return module


def unload(ref: str, base_dir: Path | None = None) -> None:
    """Forget a loaded plugin so a later :func:`load` imports it afresh (for tests).

    What the plugin registered stays registered; remove it with ``market.unregister``,
    ``agents.strategies.unregister_strategy`` or ``game.run_metrics.unregister_metric``.
    """
    module = LOADED.pop(resolve(ref, base_dir), None)
    if module is not None and sys.modules.get(module.__name__) is module:
        del sys.modules[module.__name__]


def prepare(refs: Iterable[str], *, base_dir: Path | None, trusted: bool) -> list[str]:
    """Load (or, when untrusted, check) a scenario's plugins; return their canonical refs.

    Args:
        refs: Plugin references from a scenario.
        base_dir: Where relative paths are looked up.
        trusted: Whether importing is allowed; if not, each plugin must be loaded already.

    Raises:
        PluginError: If a plugin is not a string, cannot be loaded, or (untrusted) is not
            loaded in this process.
    """
    if isinstance(refs, str):
        refs = [refs]
    out = []
    for ref in refs:
        if not isinstance(ref, str) or not ref.strip():
            raise PluginError(f"{_shown(ref)} is not a module name or a .py path")
        if control_characters(ref) or len(ref) > 4096:
            raise PluginError(f"{_shown(ref)}: allowed: a module name or path of printable text")
        key = resolve(ref.strip(), base_dir)
        if key not in LOADED:
            if not trusted:
                raise PluginError(
                    f"{_shown(ref)} is not loaded here, and an uploaded scenario may not import "
                    f"code; start with `crunch --plugin {clean(ref, MAX_SHOWN)} app` or set "
                    f"{ENV_VAR}"
                )
            load(key)
        out.append(key)
    return out


def load_from_env(environ: dict[str, str] | None = None) -> list[str]:
    """Load every plugin named in ``CRUNCH_PLUGINS``; return their canonical refs.

    Raises:
        PluginError: If one cannot be loaded.
    """
    value = (os.environ if environ is None else environ).get(ENV_VAR, "")
    refs = [r for r in value.split(os.pathsep) if r.strip()]
    return [resolve(r) for r in refs if load(r.strip()) is not None]
