// Bundles the widgets into ../interpwidgets/static/ (ES modules, minified) and copies the CSS.
//   node build.mjs           one build
//   node build.mjs --watch   rebuild on change (pair with ANYWIDGET_HMR=1)
import * as esbuild from "esbuild";
import { existsSync, mkdirSync, readFileSync, watch, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, "..", "interpwidgets", "static");

// One entry per widget module (output name -> source): src/<widget>/<widget>.ts, the common
// modules in src/shared/. Add new widgets here.
const entries = {
  neuron_text: "src/neuron_text/neuron_text.ts",
  neuron_explorer: "src/neuron_explorer/neuron_explorer.ts",
  attention_view: "src/attention_view/attention_view.ts",
  attribution_text: "src/attribution_text/attribution_text.ts",
  probe_chart: "src/probe_chart/probe_chart.ts",
  robustness: "src/robustness/robustness.ts",
  neuron_dashboard: "src/neuron_dashboard/neuron_dashboard.ts",
  shim: "src/shared/shim.ts",
};
// Stylesheets: the palette and the shared rules, then a widget's own src/<name>/<name>.css
// (when it has one). Each widget gets <name>.css (its anywidget _css and its exported page);
// style.css holds every widget's rules (a page of several widgets).
const sharedCss = ["src/shared/palette.css", "src/shared/style.css"];
const widgets = Object.keys(entries).filter((name) => name !== "shim");
const ownCss = (name) => (existsSync(join(here, `src/${name}/${name}.css`)) ? [`src/${name}/${name}.css`] : []);
const copies = [
  ...widgets.map((name) => [[...sharedCss, ...ownCss(name)], `${name}.css`]),
  [[...sharedCss, ...widgets.flatMap(ownCss)], "style.css"],
];
// Outputs inlined into an HTML <script>: they must not close or confuse it.
const inlined = ["shim.js"];

const watchMode = process.argv.includes("--watch");

function copyAssets() {
  mkdirSync(outdir, { recursive: true });
  for (const [from, to] of copies) {
    const text = [].concat(from).map((f) => readFileSync(join(here, f), "utf8")).join("\n");
    writeFileSync(join(outdir, to), text);
  }
}

function checkInlinable() {
  for (const name of inlined) {
    const code = readFileSync(join(outdir, name), "utf8");
    const bad = code.match(/<\/script|<script|<!--/i);
    if (bad) throw new Error(`${name} contains "${bad[0]}" and cannot be inlined into an HTML page`);
  }
}

const afterBuild = {
  name: "after-build",
  setup(build) {
    build.onEnd((result) => {
      if (result.errors.length) return;
      try {
        copyAssets();
        checkInlinable();
        if (watchMode) console.log(`[${new Date().toLocaleTimeString()}] built ${Object.keys(entries).join(", ")}`);
      } catch (err) {
        console.error(String(err));
        if (!watchMode) process.exitCode = 1;
      }
    });
  },
};

const options = {
  absWorkingDir: here,
  entryPoints: entries,
  outdir,
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2020",
  platform: "browser",
  legalComments: "none",
  logLevel: "info",
  plugins: [afterBuild],
};

mkdirSync(outdir, { recursive: true });
if (watchMode) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  // CSS is not part of the bundle graph: copy it whenever it changes.
  for (const [from] of copies) {
    for (const f of [].concat(from)) watch(join(here, f), () => { try { copyAssets(); } catch (e) { console.error(e); } });
  }
  console.log("watching src/ for changes…");
} else {
  await esbuild.build(options);
}
