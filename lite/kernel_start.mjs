// Where a kernel start spends its time, outside the browser: the site's own Pyodide, lock file
// and wheels, run by Node (what `make bench` prints as the breakdown of a start).
//
//   node lite/kernel_start.mjs SITE_DIR
//
// Prints one JSON line: seconds to start the runtime (WebAssembly, standard library), to load
// the preloaded wheels (fetch, check sha256, unpack), to import the kernel (IPython and
// friends), and to import iamlab with its widgets and diagrams (a notebook's first cell).
import { loadPyodide } from "pyodide";
import fs from "node:fs";
import path from "node:path";

const site = process.argv[2];
if (!site) {
  console.error("usage: node lite/kernel_start.mjs SITE_DIR");
  process.exit(2);
}
const index = path.resolve(site, "static", "pyodide") + path.sep;
const lock = JSON.parse(fs.readFileSync(index + "pyodide-lock.json", "utf-8"));
const seconds = (from) => Math.round(performance.now() - from) / 1000;

let t = performance.now();
const pyodide = await loadPyodide({ indexURL: index, lockFileURL: index + "pyodide-lock.json" });
const runtime = seconds(t);
t = performance.now();
await pyodide.loadPackage(Object.keys(lock.packages), { messageCallback: () => {} });
const packages = seconds(t);
t = performance.now();
await pyodide.runPythonAsync("import pyodide_kernel");
const kernel = seconds(t);
t = performance.now();
await pyodide.runPythonAsync("import iamlab, iamlab.widgets, iamlab.diagrams");
const iamlab = seconds(t);
console.log(JSON.stringify({ runtime, packages, kernel, iamlab }));
