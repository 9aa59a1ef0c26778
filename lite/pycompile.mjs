// Byte-compile the site's wheels for the browser's Python, with that very Python: Pyodide from
// lite/node_modules, run by Node. Without this, every kernel start compiles IPython, jedi,
// pygments, ... from source again (no .pyc can be written that outlives the page).
//
//   node lite/pycompile.mjs WHEEL_DIR [KEEP_SOURCE_PROJECT ...]
//
// In each wheel of WHEEL_DIR every module NAME.py becomes NAME.pyc (sourceless, as Pyodide's own
// distribution ships its packages: the wheel stays about as small). The projects named after
// WHEEL_DIR (iamlab: learners read its source) keep their sources and get
// __pycache__/NAME.cpython-3XX.pyc beside them, in "unchecked hash" mode: Python loads it
// without comparing it with the source's timestamp, which unpacking a wheel changes.
// The sourceless wheels also leave out their packages' own test suites (folders named "tests"),
// as Pyodide's distribution does: nothing in the course imports them.
import { loadPyodide } from "pyodide";
import path from "node:path";
import { fileURLToPath } from "node:url";

const [dir, ...keepSource] = process.argv.slice(2);
if (!dir) {
  console.error("usage: node lite/pycompile.mjs WHEEL_DIR");
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const pyodide = await loadPyodide({
  indexURL: path.join(here, "node_modules", "pyodide") + path.sep,
  stdout: (line) => console.log(line),
  stderr: (line) => console.error(line),
});
pyodide.FS.mkdirTree("/wheels");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: path.resolve(dir) }, "/wheels");
pyodide.globals.set("keep_source", pyodide.toPy(keepSource));
await pyodide.runPythonAsync(`
import importlib.util, pathlib, sys, warnings, zipfile
from importlib._bootstrap_external import _code_to_hash_pyc
from importlib.util import source_hash

# Python 3.14 warns about old escape sequences in some packages' strings (parliament's regexes);
# the warning is about their code, at compile time, and says nothing a learner could act on.
warnings.simplefilter("ignore", SyntaxWarning)

def project(wheel):
    return wheel.name.split("-", 1)[0].replace("_", "-").lower()

for wheel in sorted(pathlib.Path("/wheels").glob("*.whl")):
    sourceless = project(wheel) not in keep_source
    with zipfile.ZipFile(wheel) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    if sourceless:
        entries = [(i, d) for i, d in entries if "tests" not in i.filename.split("/")[1:-1]]
    names = {info.filename for info, _ in entries}
    added = []
    for info, data in entries:
        name = info.filename
        top = name.split("/", 1)[0]
        if not name.endswith(".py") or top.endswith((".dist-info", ".data")):
            continue
        cached = name + "c" if sourceless else importlib.util.cache_from_source(name)
        if cached in names:
            continue
        try:
            code = compile(data, "/lib/python%d.%d/site-packages/%s" % (*sys.version_info[:2], name), "exec", dont_inherit=True)
        except SyntaxError:
            continue  # a file the package never imports on this Python (py2 leftovers)
        added.append((cached, bytes(_code_to_hash_pyc(code, source_hash(data), checked=False))))
    compiled = {cached[:-1] for cached, _ in added} if sourceless else set()
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            if info.filename not in compiled:
                archive.writestr(info, data)
        for cached, data in added:
            archive.writestr(zipfile.ZipInfo(cached, date_time=(1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    kind = "sourceless" if sourceless else "beside their sources"
    print(f"pycompile: {wheel.name}: {len(added)} modules compiled, {kind}")
`);
