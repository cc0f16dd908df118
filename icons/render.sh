#!/usr/bin/env bash
# Regenerates every raster icon from icons/icon.svg (idempotent: same SVG in, same bytes out).
# Needs: rsvg-convert (librsvg2-bin), ImageMagick (convert or magick), python3 (for icon.icns).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/icon.svg"
cd "$here"

command -v rsvg-convert >/dev/null || { echo "render.sh: rsvg-convert not found (apt install librsvg2-bin)" >&2; exit 1; }
if command -v magick >/dev/null; then im=(magick); elif command -v convert >/dev/null; then im=(convert); else
  echo "render.sh: ImageMagick not found (apt install imagemagick)" >&2; exit 1
fi
command -v python3 >/dev/null || { echo "render.sh: python3 not found (needed for icon.icns)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# render SIZE OUT: rasterise the SVG at SIZE px, then force 8-bit RGBA and strip timestamps/metadata.
render() {
  local size="$1" out="$2"
  rsvg-convert --width "$size" --height "$size" --keep-aspect-ratio "$src" -o "$tmp/raw-$size.png"
  "${im[@]}" "$tmp/raw-$size.png" -strip -define png:exclude-chunks=date,time,tEXt,zTXt,iTXt \
    -depth 8 "PNG32:$out"
}

# Tauri 2 bundler set (tauri.conf.json "bundle.icon").
render 32 32x32.png
render 128 128x128.png
render 256 128x128@2x.png
render 512 icon.png

# Windows Store / MSIX logos (optional for the bundler, cheap to keep in sync).
for s in 30 44 71 89 107 142 150 284 310; do render "$s" "Square${s}x${s}Logo.png"; done
render 50 StoreLogo.png

# Windows .ico: 16, 24, 32, 48, 64 and 256 px layers, each rendered from the vector.
ico_layers=()
for s in 16 24 32 48 64 256; do
  render "$s" "$tmp/ico-$s.png"
  ico_layers+=("$tmp/ico-$s.png")
done
"${im[@]}" "${ico_layers[@]}" -strip icon.ico

# macOS .icns: PNG-encoded entries (ic07..ic14), written directly (ImageMagick 6 has no ICNS writer).
for s in 16 32 64 128 256 512 1024; do render "$s" "$tmp/icns-$s.png"; done
python3 - "$tmp" "$here/icon.icns" <<'PY'
import struct, sys
tmp, out = sys.argv[1], sys.argv[2]
# (OSType, pixel size): 16@2x=ic11, 32=ic12 is 32@2x, 128=ic07, 256=ic08, 512=ic09, 128@2x=ic13, 256@2x=ic14, 512@2x=ic10
entries = [(b"ic11", 32), (b"ic12", 64), (b"ic07", 128), (b"ic13", 256), (b"ic08", 256),
           (b"ic14", 512), (b"ic09", 512), (b"ic10", 1024)]
body = b""
for ostype, size in entries:
    with open(f"{tmp}/icns-{size}.png", "rb") as f:
        data = f.read()
    body += ostype + struct.pack(">I", len(data) + 8) + data
with open(out, "wb") as f:
    f.write(b"icns" + struct.pack(">I", len(body) + 8) + body)
PY

# The web UI uses the same mark as its favicon.
if [ -d "$here/../ui/public" ]; then cp "$src" "$here/../ui/public/favicon.svg"; fi

echo "render.sh: icons written to $here"
