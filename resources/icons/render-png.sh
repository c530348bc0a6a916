#!/usr/bin/env bash
# Renders the PNG sizes of Baton's icon from baton.svg with rsvg-convert (Debian: librsvg2-bin).
# The PNGs are committed, so building needs no SVG renderer; run this after editing baton.svg:
#   resources/icons/render-png.sh
set -euo pipefail
cd "$(dirname "$0")"
command -v rsvg-convert >/dev/null ||
    { echo "render-png.sh: rsvg-convert is missing: apt-get install librsvg2-bin" >&2; exit 1; }
for size in 16 32 48 64 128 256; do
    rsvg-convert --width "$size" --height "$size" --keep-aspect-ratio baton.svg -o "baton-$size.png"
done
echo "rendered baton-{16,32,48,64,128,256}.png with $(rsvg-convert --version)"
