#!/usr/bin/env bash
# The document tests read generated PDFs with Debian's poppler-utils (pdftotext for the
# text, pdftoppm for page images); install it when missing (docs/documents.md).
set -euo pipefail
if command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "poppler-utils is missing and this user cannot apt-get install it; the PDF text and image checks will fail" >&2
  exit 0
fi
echo "installing Debian's poppler-utils for the PDF checks"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq poppler-utils >/dev/null
