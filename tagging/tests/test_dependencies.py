"""The arrows run one way: rooms -> tagging -> mlcore (and photos, used by both apps)."""
import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def imported_modules(package: str) -> dict[str, set[str]]:
    """{file: top-level modules it imports}, for every module of ``package`` (its tests, which
    build rooms as fixtures, aside)."""
    found = {}
    for path in (REPO / package).rglob("*.py"):
        if "tests" in path.relative_to(REPO).parts:
            continue
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(REPO))] = names
    return found


@pytest.mark.parametrize("package, forbidden", [
    ("mlcore", {"django", "rest_framework", "celery", "rooms", "tagging", "config", "photos"}),
    ("tagging", {"rooms"}),
    ("photos", {"rooms", "tagging"}),
])
def test_no_import_against_the_arrows(package, forbidden):
    offenders = {f: sorted(names & forbidden) for f, names in imported_modules(package).items()
                 if names & forbidden}
    assert not offenders, f"{package} imports against rooms -> tagging -> mlcore: {offenders}"


def test_the_check_sees_an_import(tmp_path):
    """The scan is real: it finds `from rooms.views import own_room` where one is written."""
    module = REPO / "tagging" / "_probe_import.py"
    module.write_text("from rooms.views import own_room\n", encoding="utf-8")
    try:
        assert imported_modules("tagging")["tagging/_probe_import.py"] == {"rooms"}
    finally:
        module.unlink()
