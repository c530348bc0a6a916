#!/usr/bin/python3
# resources/baton.1 agrees with the baton just built, and formats without a warning.
#   verify-manpage.py BATON_BINARY MANPAGE
#
# - Every long option in `baton --help` has an entry in the man page's OPTIONS section, taking
#   an argument exactly when --help shows one, and mentioning the default --help states.
# - The man page documents no option that --help lacks, in OPTIONS or anywhere else.
# - `groff -man -ww -z` and `man --warnings -l` print nothing; lexgrog reads the NAME line.
# The page is rendered with groff (ASCII, no hyphenation, very long lines) and read as text, so
# the check sees what a reader sees rather than roff source.
# Debian's /usr/bin/python3 on purpose: scripts/install-deps installs for it.
import re
import shutil
import subprocess
import sys


failures = []


def fail(message):
    failures.append(message)


def need(tool, package):
    if shutil.which(tool) is None:
        print(f"verify-manpage: {tool} is missing (Debian package {package}); "
              "run scripts/install-deps", file=sys.stderr)
        sys.exit(1)


def help_options(text):
    """{name: (argument or None, description)} from the option list of --help."""
    options = {}
    current = None
    for line in text.splitlines():
        m = re.match(r"^  (?:-\w, )?--([a-z0-9][a-z0-9-]*)(?: <([^>]+)>)?(?:\s+(.*))?$", line)
        if m:
            current = m.group(1)
            options[current] = [m.group(2), m.group(3) or ""]
        elif current and re.match(r"^ {6,}\S", line):
            options[current][1] += " " + line.strip()
        else:
            current = None
    return {name: (arg, desc) for name, (arg, desc) in options.items()}


def man_sections(text):
    """{SECTION: [lines]} of the rendered page."""
    sections = {}
    name = None
    for line in text.splitlines():
        if re.match(r"^[A-Z][A-Z ]+$", line):
            name = line.strip()
            sections[name] = []
        elif name:
            sections[name].append(line)
    return sections


def man_options(lines):
    """{name: (argument or None, body)} from the tag paragraphs of OPTIONS."""
    options = {}
    current = None
    for line in lines:
        m = re.match(r"^ {7}(-\S.*)$", line)
        if m:
            tag = m.group(1).strip()
            names = re.findall(r"(?:^|, )-{1,2}([a-z0-9][a-z0-9-]*)", tag)
            rest = re.sub(r"^(?:-{1,2}[a-z0-9-]+(?:, )?)+", "", tag).strip()
            current = [n for n in names if len(n) > 1]
            for n in current:
                options[n] = [rest or None, ""]
        elif current and line.startswith(" " * 8):
            for n in current:
                options[n][1] += " " + line.strip()
        elif re.match(r"^ {0,7}\S", line):
            current = None
    return {name: (arg, body) for name, (arg, body) in options.items()}


def main():
    if len(sys.argv) != 3:
        print("usage: verify-manpage.py BATON_BINARY MANPAGE", file=sys.stderr)
        return 2
    baton, page = sys.argv[1], sys.argv[2]
    need("groff", "groff-base")
    need("man", "man-db")
    need("lexgrog", "man-db")

    # Formatting: no warning from groff or man, and a NAME line whatis can index.
    for command in (["groff", "-man", "-ww", "-z", page],
                    ["man", "--warnings", "-l", page]):
        run = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True, env={"PATH": "/usr/bin:/bin", "MANWIDTH": "80",
                                             "LANG": "C.UTF-8"})
        if run.returncode != 0 or run.stderr.strip():
            fail(f"`{' '.join(command)}` warned (status {run.returncode}):\n{run.stderr}")
    lex = subprocess.run(["lexgrog", page], capture_output=True, text=True)
    if lex.returncode != 0 or '"baton - ' not in lex.stdout:
        fail(f"lexgrog cannot parse the NAME section: {lex.stdout}{lex.stderr}")

    rendered = subprocess.run(
        ["groff", "-man", "-Tascii", "-P-cbou", "-rLL=250n", "-rHY=0", page],
        capture_output=True, text=True, check=True).stdout
    sections = man_sections(rendered)
    for required in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "SIGNALS",
                     "CONFIGURATION FILE", "ENVIRONMENT", "EXIT STATUS", "FILES", "EXAMPLES",
                     "SEE ALSO"):
        if required not in sections:
            fail(f"the man page has no {required} section")
    documented = man_options(sections.get("OPTIONS", []))

    help_text = subprocess.run([baton, "--help"], capture_output=True, text=True,
                               check=True).stdout
    version = subprocess.run([baton, "--version"], capture_output=True, text=True,
                             check=True).stdout.split()[-1]
    th = re.search(r'^\.TH\s+BATON\s+1\s+"[^"]*"\s+"Baton ([^"]+)"', open(page).read(), re.M)
    if not th or th.group(1) != version:
        fail(f"the man page's .TH line should name \"Baton {version}\" (baton --version)")
    listed = help_options(help_text)
    if len(listed) < 20:
        fail(f"read only {len(listed)} options from baton --help; has its layout changed?")
    mentioned_in_help = set(re.findall(r"--([a-z0-9][a-z0-9-]*)", help_text))
    unknown_in_help = mentioned_in_help - set(listed)
    if unknown_in_help:
        fail(f"--help mentions options it does not list: {sorted(unknown_in_help)}")

    # --help -> man page
    for name, (arg, desc) in sorted(listed.items()):
        if name not in documented:
            fail(f"--{name} is in baton --help but has no entry in the man page's OPTIONS")
            continue
        man_arg, body = documented[name]
        if bool(arg) != bool(man_arg):
            fail(f"--{name}: --help says it takes {'<' + arg + '>' if arg else 'no argument'}, "
                 f"the man page {man_arg or 'no argument'}")
        for default in re.findall(r"\(default:? ([^,)]+)", desc):
            default = default.strip().rstrip(".")
            if default not in body:
                fail(f"--{name}: --help gives the default \"{default}\", its man page entry "
                     f"does not mention it")

    # man page -> --help
    for name in sorted(set(documented) - set(listed)):
        fail(f"the man page documents --{name}, which baton --help does not list")
    for name in sorted(set(re.findall(r"--([a-z0-9][a-z0-9-]*)", rendered)) - set(listed)):
        if name not in documented:
            fail(f"the man page mentions --{name}, which baton --help does not list "
                 "(if it is another program's option, rephrase the example)")

    if failures:
        print("\n".join(failures))
        return 1
    print(f"man page: {len(listed)} options of baton --help documented, with their arguments "
          f"and defaults; no groff warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
