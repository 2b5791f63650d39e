"""Language knowledge as data files (indicator catalogue, department lexicon).

Loaders are cached: the files are read once per process.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=None)
def load_yaml(name: str) -> Any:
    """Load a YAML data file shipped in this package."""
    with resources.files(__package__).joinpath(name).open("r", encoding="utf-8") as f:
        # libyaml's C loader reads the large catalogues (regions, indicators) ~10x faster,
        # which is most of a one-file CLI run's start-up.
        return yaml.load(f, Loader=_Loader)


def data_path(name: str) -> str:
    return str(resources.files(__package__).joinpath(name))
