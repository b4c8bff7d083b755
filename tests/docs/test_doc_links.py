"""Every picture and local file a documentation page links to exists."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def local_targets(page: Path) -> list[str]:
    targets = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # a web address or an anchor on the same page
        targets.append(target.split("#", 1)[0])
    return targets


def test_every_local_link_in_the_docs_exists():
    missing = [
        f"{page.relative_to(ROOT)} -> {target}"
        for page in PAGES
        for target in local_targets(page)
        if not (page.parent / target).exists()
    ]
    assert not missing


def test_the_link_finder_sees_pictures_and_skips_addresses(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("![a](images/x.png) [b](https://example.org) [c](other.md#part) [d](#top)")
    assert local_targets(page) == ["images/x.png", "other.md"]
