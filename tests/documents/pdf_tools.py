"""Reading PDFs in the tests with Debian's poppler-utils (installed by `make test`
through scripts/ensure-poppler.sh) and pypdf."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

GOLDEN = Path(__file__).with_name("golden")


def require_poppler() -> None:
    if shutil.which("pdftotext") and shutil.which("pdftoppm"):
        return
    if os.environ.get("CI"):
        pytest.fail("CI is set but poppler-utils (pdftotext, pdftoppm) is not installed")
    pytest.skip("poppler-utils is not installed (run `bash scripts/ensure-poppler.sh`)")


def pdf_text(data: bytes) -> str:
    """The PDF's text as pdftotext lays it out, trailing spaces removed."""
    require_poppler()
    done = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
        input=data,
        capture_output=True,
        check=True,
    )
    return "\n".join(line.rstrip() for line in done.stdout.decode().splitlines()).strip() + "\n"


def page_image(data: bytes, page: int = 1, dpi: int = 40) -> Image.Image:
    """One page rendered by pdftoppm, in greyscale."""
    require_poppler()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "document.pdf"
        source.write_bytes(data)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                str(dpi),
                "-gray",
                "-png",
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                str(source),
                str(Path(folder) / "page"),
            ],
            check=True,
            capture_output=True,
        )
        with Image.open(Path(folder) / "page.png") as image:
            return image.convert("L").copy()


def image_difference(image: Image.Image, golden: Image.Image) -> float:
    """Mean absolute difference per pixel, 0 (same) to 255 (inverted)."""
    if image.size != golden.size:
        return 255.0
    return float(ImageStat.Stat(ImageChops.difference(image, golden)).mean[0])


def update_goldens() -> bool:
    return os.environ.get("ACUCARE_UPDATE_GOLDEN") == "1"


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
