#!/usr/bin/python3
# The desktop integration in resources/ is valid and consistent:
# - baton.desktop passes desktop-file-validate without a single line of output (hints included),
#   launches `baton` and names the icon `baton`;
# - the AppStream metainfo passes `appstreamcli validate --no-net --pedantic` without any issue,
#   also in the tree `cmake --install` lays out (validate-tree checks that its launchable desktop
#   file is there; the man page and icons must be there too), and agrees with the desktop file;
# - the icon: a square SVG that renders without fonts or external files, and PNGs at every size
#   ui/CMakeLists.txt compiles in, each really that size (resources/icons/render-png.sh makes them).
#   verify-desktop.py SOURCE_DIR BUILD_DIR CMAKE
# Debian's /usr/bin/python3 on purpose: scripts/install-deps installs for it.
import configparser
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ICON_SIZES = (16, 32, 48, 64, 128, 256)
failures = []


def fail(message):
    failures.append(message)


def need(tool, package):
    if shutil.which(tool) is None:
        print(f"verify-desktop: {tool} is missing (Debian package {package}); "
              "run scripts/install-deps", file=sys.stderr)
        sys.exit(1)


def run_quiet(command, what):
    """Runs a validator; any output at all, or a failure status, is a failure."""
    run = subprocess.run(command, capture_output=True, text=True)
    output = (run.stdout + run.stderr).strip()
    # appstreamcli ends with a verdict line even when it has nothing to say.
    complaints = [line for line in output.splitlines()
                  if line.strip() and not line.startswith("✔ Validation was successful.")]
    if run.returncode != 0 or complaints:
        fail(f"{what}: `{' '.join(command)}` (status {run.returncode}):\n{output}")


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(33)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    width, height, depth, colour = struct.unpack(">IIBB", head[16:26])
    return width, height, depth, colour


def main():
    if len(sys.argv) != 4:
        print("usage: verify-desktop.py SOURCE_DIR BUILD_DIR CMAKE", file=sys.stderr)
        return 2
    build, cmake = sys.argv[2], sys.argv[3]
    resources = os.path.join(sys.argv[1], "resources")
    desktop = os.path.join(resources, "baton.desktop")
    metainfo = os.path.join(resources, "io.github.baton.metainfo.xml")
    icons = os.path.join(resources, "icons")
    need("desktop-file-validate", "desktop-file-utils")
    need("appstreamcli", "appstream")

    # The desktop entry.
    run_quiet(["desktop-file-validate", desktop], "baton.desktop")
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(desktop, encoding="utf-8")
    group = entry["Desktop Entry"] if entry.has_section("Desktop Entry") else {}
    if group.get("Exec", "").split()[:1] != ["baton"]:
        fail(f"baton.desktop: Exec should start `baton`, is {group.get('Exec')!r}")
    if group.get("Icon") != "baton":
        fail(f"baton.desktop: Icon should be the themed name baton, is {group.get('Icon')!r}")
    for key in ("Name", "Comment", "Categories", "Keywords"):
        if not group.get(key):
            fail(f"baton.desktop: no {key}")

    # The AppStream metainfo, alone and installed beside the desktop file and icons.
    run_quiet(["appstreamcli", "validate", "--no-net", "--pedantic", metainfo], "metainfo")
    with tempfile.TemporaryDirectory() as root:
        # What `cmake --install` lays out (resources/CMakeLists.txt), as a package would ship it.
        install = subprocess.run([cmake, "--install", build, "--prefix", "/usr"],
                                 env=dict(os.environ, DESTDIR=root), capture_output=True,
                                 text=True)
        if install.returncode != 0:
            fail(f"cmake --install failed:\n{install.stdout}{install.stderr}")
        share = os.path.join(root, "usr", "share")
        expected = ["man/man1/baton.1", "applications/baton.desktop",
                    "metainfo/io.github.baton.metainfo.xml",
                    "icons/hicolor/scalable/apps/baton.svg"]
        expected += [f"icons/hicolor/{n}x{n}/apps/baton.png" for n in ICON_SIZES]
        for path in expected:
            if not os.path.isfile(os.path.join(share, path)):
                fail(f"cmake --install does not install /usr/share/{path}")
        run_quiet(["appstreamcli", "validate-tree", "--no-net", "--pedantic", root],
                  "installed tree")
    component = ET.parse(metainfo).getroot()
    launchable = component.findtext("launchable[@type='desktop-id']")
    if launchable != os.path.basename(desktop):
        fail(f"metainfo: launchable {launchable!r} is not {os.path.basename(desktop)!r}")
    if component.findtext("provides/binary") != "baton":
        fail("metainfo: does not provide the binary baton")
    top = open(os.path.join(sys.argv[1], "CMakeLists.txt"), encoding="utf-8").read()
    version = re.search(r"project\(Baton VERSION ([0-9.]+)", top)
    releases = [r.get("version") for r in component.iter("release")]
    if not version or not releases or releases[0] != version.group(1):
        fail(f"metainfo: the newest <release> {releases[:1]} is not the project's version "
             f"{version.group(1) if version else '?'} (CMakeLists.txt)")
    categories = [c.text for c in component.iter("category")]
    desktop_categories = [c for c in group.get("Categories", "").split(";") if c]
    if categories != desktop_categories:
        fail(f"metainfo categories {categories} differ from the desktop file's "
             f"{desktop_categories}")

    # The icon.
    svg = ET.parse(os.path.join(icons, "baton.svg")).getroot()
    view_box = [float(v) for v in re.split(r"[ ,]+", svg.get("viewBox", "").strip()) if v]
    if len(view_box) != 4 or view_box[2] != view_box[3]:
        fail(f"baton.svg: the viewBox should be square, is {svg.get('viewBox')!r}")
    for element in svg.iter():
        tag = element.tag.split("}")[-1]
        if tag in ("text", "image", "script", "foreignObject"):
            fail(f"baton.svg: <{tag}> (needs fonts, files or a browser); draw shapes instead")
        for name, value in element.attrib.items():
            if name.endswith("href") and not value.startswith("#"):
                fail(f"baton.svg: refers to {value!r}; an icon must stand alone")
    for size in ICON_SIZES:
        path = os.path.join(icons, f"baton-{size}.png")
        if not os.path.exists(path):
            fail(f"{path} is missing: run resources/icons/render-png.sh")
            continue
        info = png_size(path)
        if info is None:
            fail(f"{path} is not a PNG")
        elif info[:2] != (size, size) or info[3] != 6:
            fail(f"{path}: {info[0]}x{info[1]} colour type {info[3]}, expected {size}x{size} "
                 "RGBA: run resources/icons/render-png.sh")
    ui_cmake = open(os.path.join(sys.argv[1], "ui", "CMakeLists.txt"), encoding="utf-8").read()
    compiled = re.search(r"set\(baton_icon_sizes ([0-9 ]+)\)", ui_cmake)
    if not compiled or tuple(int(s) for s in compiled.group(1).split()) != ICON_SIZES:
        fail("ui/CMakeLists.txt compiles in other icon sizes than resources/icons/ holds")

    if failures:
        print("\n".join(failures))
        return 1
    print("resources: baton.desktop and the AppStream metainfo validate without a remark; "
          f"icon SVG and PNGs {', '.join(map(str, ICON_SIZES))} px in order")
    return 0


if __name__ == "__main__":
    sys.exit(main())
