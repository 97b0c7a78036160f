"""The architecture's import contracts (.importlinter, checked by import-linter): the arrows run
config -> rooms -> tagging -> (photos, guard) -> mlcore, mlcore imports no Django, and no package
has an import cycle between its modules."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def test_the_import_contracts_hold():
    out = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "Contracts: 3 kept, 0 broken." in out.stdout


def test_a_contract_against_a_real_import_breaks(tmp_path):
    """The check reads the real imports: a contract forbidding one that exists (tagging ->
    mlcore, through tagging.services) is reported broken, with the import named."""
    config = tmp_path / "contracts.ini"
    config.write_text("[importlinter]\nroot_packages =\n    tagging\n    mlcore\n\n"
                      "[importlinter:contract:probe]\nname = probe\ntype = forbidden\n"
                      "source_modules =\n    tagging.services\nforbidden_modules =\n    mlcore\n", encoding="utf-8")
    out = subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(config)], cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode != 0 and "tagging.services -> mlcore." in out.stdout, out.stdout[-3000:]
