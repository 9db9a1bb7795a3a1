#!/usr/bin/env python3
"""The module layering of docs/architecture.md, enforced.

Every lib/<module>/*.[ch], collectors/*.[ch] (module collect) and include/gitcmdb/*.h
(module of its header) may include only its own module's headers, those of the modules
its row in the "Layers" table of docs/architecture.md may use (directly or through
them: a layer sees everything below it), libc/POSIX headers, jansson, and the
third-party libraries its row names. cmd/ includes only public headers (gitcmdb/*.h)
and its own. With a build directory, the same holds for symbols: each library object
may reference only cmdb_ symbols defined by the modules it may use, and only its own
third-party libraries' symbols (nm).

Each failure names file:line (or the object) and the forbidden edge.
usage: layers.py [SOURCE_DIR [BUILD_DIR]] | layers.py --self-test [SOURCE_DIR]
(SOURCE_DIR and BUILD_DIR default to $CMDB_SOURCE_DIR and $CMDB_BUILD_DIR, as ctest sets them.)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

DOC = "docs/architecture.md"
UMBRELLA = "gitcmdb.h"  # the whole API: for front-ends only
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
# Headers of third-party libraries; anything else in <...> is libc/POSIX (or jansson).
LIB_HEADERS = [
    (re.compile(r"^git2(\.h|/)"), "libgit2"),
    (re.compile(r"^libssh2(_\w+)?\.h$"), "libssh2"),
    (re.compile(r"^sqlite3(ext)?\.h$"), "sqlite3"),
    (re.compile(r"^yaml\.h$"), "libyaml"),
    (re.compile(r"^openssl/"), "libcrypto"),
]
LIB_SYMBOLS = [
    (re.compile(r"^git_"), "libgit2"),
    (re.compile(r"^libssh2_"), "libssh2"),
    (re.compile(r"^sqlite3_"), "sqlite3"),
    (re.compile(r"^yaml_"), "libyaml"),
    (re.compile(r"^(EVP_|HMAC|RAND_|SHA(1|224|256|384|512)|OPENSSL_|CRYPTO_|ERR_)"), "libcrypto"),
]
KNOWN_LIBS = {name for _, name in LIB_HEADERS}


class Layers:
    """The table: module -> (direct uses, public headers, third-party libraries)."""

    def __init__(self, doc_path):
        self.uses, self.headers, self.libs = {}, {}, {}
        self.errors = []
        self._parse(doc_path)
        self.header_module = {h: m for m, hs in self.headers.items() for h in hs}
        self.reach = {m: self._closure(m) for m in self.uses}

    def _parse(self, path):
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        start = next((i for i, l in enumerate(lines) if re.match(r"^\|\s*module\s*\|\s*may use", l)), None)
        if start is None:
            self.errors.append(f"{path}: no '| module | may use | ...' table")
            return
        for n, line in enumerate(lines[start + 2 :], start + 3):
            if not line.startswith("|"):
                break
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) != 4:
                self.errors.append(f"{path}:{n}: a layer row has 4 cells: {line}")
                continue
            mod, uses, headers, libs = (self._names(c) for c in cells)
            if len(mod) != 1:
                self.errors.append(f"{path}:{n}: one module a row: {line}")
                continue
            m = mod[0]
            self.uses[m], self.headers[m], self.libs[m] = uses, headers, libs
            for lib in libs:
                if lib not in KNOWN_LIBS:
                    self.errors.append(f"{path}:{n}: unknown library '{lib}' (known: {sorted(KNOWN_LIBS)})")
        for m, uses in self.uses.items():
            for u in uses:
                if u not in self.uses:
                    self.errors.append(f"{path}: {m} may use '{u}', which has no row")
        self._check_acyclic(path)

    @staticmethod
    def _names(cell):
        cell = re.sub(r"[`*]", "", cell)
        return [w for w in re.split(r"[,\s]+", cell) if w and w not in ("—", "-")]

    def _check_acyclic(self, path):
        state = {}

        def visit(m, trail):
            if state.get(m) == 1:
                self.errors.append(f"{path}: the layers have a cycle: {' → '.join(trail + [m])}")
                return
            if state.get(m) == 2:
                return
            state[m] = 1
            for u in self.uses.get(m, []):
                visit(u, trail + [m])
            state[m] = 2

        for m in self.uses:
            visit(m, [])

    def _closure(self, m):
        seen, todo = set(), [m]
        while todo:
            for u in self.uses.get(todo.pop(), []):
                if u not in seen:
                    seen.add(u)
                    todo.append(u)
        return seen

    def allowed(self, frm, to):
        return frm == to or to in self.reach.get(frm, set())


def module_of_source(rel):
    """lib/<m>/x.c -> m; collectors/x.c -> collect; include/gitcmdb/x.h -> by header; cmd -> cmd."""
    parts = rel.split("/")
    if parts[0] == "lib" and len(parts) == 3:
        return parts[1]
    if parts[0] == "collectors":
        return "collect"
    if parts[0] == "cmd":
        return "cmd"
    return None


def sources(root):
    out = []
    for top in ("lib", "collectors", "include/gitcmdb", "cmd"):
        base = os.path.join(root, top)
        for dirpath, _, files in os.walk(base):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(dirpath, f), root))
    return sorted(out)


def check_includes(root, layers):
    errors = []
    for rel in sources(root):
        parts = rel.split("/")
        public = rel.startswith("include/gitcmdb/")
        frm = layers.header_module.get(parts[-1]) if public else module_of_source(rel)
        if public and parts[-1] == UMBRELLA:
            continue
        if frm is None:
            errors.append(f"{rel}: belongs to no module of the layer table in {DOC}")
            continue
        if frm not in layers.uses and frm != "cmd":
            errors.append(f"{rel}: module '{frm}' has no row in the layer table of {DOC}")
            continue
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                mt = INCLUDE_RE.match(line)
                if mt:
                    err = check_one(root, rel, frm, public, mt.group(1), mt.group(2), layers)
                    if err:
                        errors.append(f"{rel}:{n}: {err}")
    return errors


def check_one(root, rel, frm, public, quote, inc, layers):
    here = os.path.dirname(rel)
    if frm == "cmd":
        if inc.startswith("gitcmdb/"):
            return None
        if quote == '"':
            if os.path.exists(os.path.join(root, here, inc)):
                return None
            return f'cmd → "{inc}": the CLI includes only public headers (gitcmdb/*.h) and its own'
        lib = third_party(inc)
        return f"cmd → {lib} (<{inc}>): the CLI uses the library's public API only" if lib else None
    # A public header names its siblings without the gitcmdb/ prefix.
    if public and quote == '"' and "/" not in inc:
        inc = "gitcmdb/" + inc
    if inc.startswith("gitcmdb/"):
        name = inc[len("gitcmdb/") :]
        if name == UMBRELLA:
            return f"{frm} → <{inc}>: the umbrella header is for front-ends; include the module headers used"
        to = layers.header_module.get(name)
        if to is None:
            return f"<{inc}> is no module's public header in the layer table of {DOC}"
        return None if layers.allowed(frm, to) else f"{frm} → {to} (<{inc}>) is not an allowed dependency"
    if quote == '"':
        if "/" not in inc:
            if os.path.exists(os.path.join(root, here, inc)):
                return None  # own folder
            if os.path.exists(os.path.join(root, "collectors", inc)):
                to = "collect"
            else:
                return f'"{inc}" resolves to no file in {here}/ or collectors/'
        else:
            to = inc.split("/")[0]
            if not os.path.exists(os.path.join(root, "lib", inc)):
                return f'"{inc}" is not lib/{inc}'
        if to not in layers.uses:
            return f"module '{to}' has no row in the layer table of {DOC}"
        return None if layers.allowed(frm, to) else f'{frm} → {to} ("{inc}") is not an allowed dependency'
    lib = third_party(inc)
    if lib and lib not in layers.libs.get(frm, []):
        return f"{frm} → {lib} (<{inc}>): {lib} is not among {frm}'s libraries in {DOC}"
    return None


def third_party(inc):
    return next((name for rx, name in LIB_HEADERS if rx.search(inc)), None)


def nm_lines(root, build):
    """'object symbol type' for every library object in BUILD (POSIX nm format)."""
    objdir = os.path.join(build, "CMakeFiles", "gitcmdb_obj.dir")
    objs = []
    for dirpath, _, files in os.walk(objdir):
        for f in files:
            rel = os.path.relpath(os.path.join(dirpath, f[:-2]), objdir)
            # Objects of sources since moved or deleted linger in a build tree.
            if f.endswith(".o") and (rel.startswith("generated/") or os.path.exists(os.path.join(root, rel))):
                objs.append(os.path.join(dirpath, f))
    if not objs:
        return None
    out = subprocess.run(["nm", "-P", "-A"] + sorted(objs), capture_output=True, text=True, check=True).stdout
    lines = []
    for line in out.splitlines():
        obj, _, rest = line.partition(": ")
        f = rest.split()
        if len(f) >= 2:
            lines.append((os.path.relpath(obj, objdir), f[0], f[1]))
    return lines


def object_module(obj):
    rel = re.sub(r"\.o$", "", obj)
    if rel.startswith("generated/"):
        return "util"  # embedded assets, reached through util/asset.c
    return module_of_source(rel)


def check_symbols(lines, layers):
    errors, defined = [], {}
    for obj, sym, kind in lines:
        if kind in "TDBRVWGS" and sym.startswith("cmdb_"):
            defined[sym] = object_module(obj)
    for obj, sym, kind in lines:
        if kind != "U":
            continue
        frm = object_module(obj)
        if frm is None:
            continue
        to = defined.get(sym)
        if sym.startswith("cmdb_") and to is not None and not layers.allowed(frm, to):
            errors.append(f"{obj}: {frm} → {to} (uses {sym}) is not an allowed dependency")
        lib = next((name for rx, name in LIB_SYMBOLS if rx.search(sym)), None)
        if lib and lib not in layers.libs.get(frm, []):
            errors.append(f"{obj}: {frm} → {lib} (uses {sym}): {lib} is not among {frm}'s libraries")
    return errors


def check(root, build=None, checked=None):
    checked = {} if checked is None else checked
    layers = Layers(os.path.join(root, DOC))
    if layers.errors:
        return layers.errors
    for d in sorted(os.listdir(os.path.join(root, "lib"))):
        if os.path.isdir(os.path.join(root, "lib", d)) and d not in layers.uses:
            layers.errors.append(f"lib/{d}/: no row in the layer table of {DOC}")
    errors = layers.errors + check_includes(root, layers)
    checked["files"] = len(sources(root))
    if build:
        lines = nm_lines(root, build)
        if lines is not None:
            errors += check_symbols(lines, layers)
            checked["objects"] = len({obj for obj, _, _ in lines})
    return errors


def self_test(root):
    """The checker passes the tree and fails each planted violation, naming it."""
    tmp = tempfile.mkdtemp(prefix="layers.")
    failed = 0

    def expect(what, errors, needle):
        nonlocal failed
        hit = [e for e in errors if needle in e]
        if not hit:
            failed += 1
            print(f"layers self-test: {what}: expected an error containing {needle!r}, got {errors}")
        else:
            print(f"layers self-test: {what}: caught: {hit[0]}")

    def plant(rel, text, before=None):
        path = os.path.join(copy, rel)
        with open(path, encoding="utf-8") as f:
            body = f.read()
        with open(path, "w", encoding="utf-8") as f:
            if before:
                f.write(body.replace(before, text + before, 1))
            else:
                f.write(text + body)

    try:
        for i, (what, rel, text, before, needle) in enumerate(
            [
                ("upward include", "lib/util/buf.c", '#include "scan/scan.h"\n', None, "lib/util/buf.c:1: util → scan"),
                ("sideways public header", "lib/ssh/ssh.c", "#include <gitcmdb/store.h>\n", None,
                 "lib/ssh/ssh.c:1: ssh → store (<gitcmdb/store.h>)"),
                ("collector reaching up", "collectors/os.c", '#include "scan/scan.h"\n', None,
                 "collectors/os.c:1: collect → scan"),
                ("public header reaching up", "include/gitcmdb/store.h", '#include "index.h"\n', "#include \"common.h\"",
                 "store → index (<gitcmdb/index.h>)"),
                ("umbrella in lib", "lib/yaml/yaml_write.c", "#include <gitcmdb/gitcmdb.h>\n", None,
                 "lib/yaml/yaml_write.c:1: yaml → <gitcmdb/gitcmdb.h>"),
                ("foreign library", "lib/scan/scan.c", "#include <libssh2.h>\n", None,
                 "lib/scan/scan.c:1: scan → libssh2"),
                ("CLI private header", "cmd/gitcmdb/main.c", '#include "util/alloc.h"\n', None,
                 'cmd/gitcmdb/main.c:1: cmd → "util/alloc.h"'),
                ("CLI third-party library", "cmd/gitcmdb/main.c", "#include <git2.h>\n", None,
                 "cmd/gitcmdb/main.c:1: cmd → libgit2"),
                ("remote reaching sideways to scan", "lib/remote/push.c", '#include "scan/scan.h"\n', None,
                 "lib/remote/push.c:1: remote → scan"),
                ("import reaching sideways to scan", "lib/import/import.c", '#include "scan/scan.h"\n', None,
                 "lib/import/import.c:1: import → scan"),
                ("import using libgit2 itself", "lib/import/csv.c", "#include <git2.h>\n", None,
                 "lib/import/csv.c:1: import → libgit2"),
                ("records reaching up to import", "lib/records/batch.c", '#include "import/import_int.h"\n', None,
                 "lib/records/batch.c:1: records → import"),
                ("module without a row", "lib/audit/audit.c", "", None, "lib/audit/: no row"),
            ]
        ):
            copy = os.path.join(tmp, str(i))
            for top in ("lib", "collectors", "include", "cmd", "docs"):
                shutil.copytree(os.path.join(root, top), os.path.join(copy, top))
            if i == 0:
                expect("clean tree", check(copy) or ["clean"], "clean")
            path = os.path.join(copy, rel)
            if not os.path.exists(path):
                os.makedirs(os.path.dirname(path), exist_ok=True)
                open(path, "w").close()
            plant(rel, text, before)
            expect(what, check(copy), needle)
        # A cycle in the declared table, on a copy of the doc.
        doc = os.path.join(copy, DOC)
        with open(doc, encoding="utf-8") as f:
            body = f.read()
        with open(doc, "w", encoding="utf-8") as f:
            f.write(body.replace("| util | — |", "| util | scan |", 1))
        expect("cycle in the table", check(copy), "cycle")
        # Symbols: an object of util that calls into scan, and one of scan calling libgit2.
        layers = Layers(os.path.join(root, DOC))
        lines = [
            ("lib/scan/scan.c.o", "cmdb_scan_run", "T"),
            ("lib/util/buf.c.o", "cmdb__buf_init", "T"),
            ("lib/util/buf.c.o", "cmdb_scan_run", "U"),
            ("lib/scan/scan.c.o", "cmdb__buf_init", "U"),
            ("lib/scan/scan.c.o", "git_repository_open", "U"),
        ]
        errors = check_symbols(lines, layers)
        expect("upward symbol", errors, "lib/util/buf.c.o: util → scan (uses cmdb_scan_run)")
        expect("foreign library symbol", errors, "lib/scan/scan.c.o: scan → libgit2 (uses git_repository_open)")
        if any("scan → util" in e for e in errors):
            failed += 1
            print("layers self-test: scan → util was refused")
    finally:
        shutil.rmtree(tmp)
    return failed


def main(argv):
    if len(argv) > 1 and argv[1] == "--self-test":
        root = argv[2] if len(argv) > 2 else os.environ["CMDB_SOURCE_DIR"]
        return 1 if self_test(root) else 0
    root = argv[1] if len(argv) > 1 else os.environ.get("CMDB_SOURCE_DIR", ".")
    build = argv[2] if len(argv) > 2 else os.environ.get("CMDB_BUILD_DIR")
    checked = {}
    errors = check(root, build, checked)
    for e in errors:
        print(f"layers: {e}", file=sys.stderr)
    if errors:
        print(f"layers: {len(errors)} forbidden dependencies; the allowed ones are in {DOC}", file=sys.stderr)
        return 1
    objects = checked.get("objects")
    print(f"layers: {checked['files']} files' includes follow {DOC}"
          + (f"; so do the symbols of {objects} objects" if objects else "; no objects built, symbols unchecked"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
