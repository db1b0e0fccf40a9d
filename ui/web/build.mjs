// Bundles the UI into one script and copies the page and styles next to it.
// Usage: node build.mjs [OUTDIR]   (default: dist)
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const out = process.argv[2] || process.env.CARTO_UI_OUT || "dist";
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "esm",
  target: "es2022",
  outfile: join(out, "app.js"),
  logLevel: "warning",
});
copyFileSync("index.html", join(out, "index.html"));
copyFileSync("src/style.css", join(out, "style.css"));
console.log("carto-ui built into " + out);
