// End-to-end walk through the UI in a real browser (Debian's chromium via playwright-core; no
// browser is downloaded). Env: BASE (server URL), REPO (a folder to add), SHOTS (screenshot
// folder), PHASE (workspace | issue), CHROMIUM (browser binary, default /usr/bin/chromium).
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const base = process.env.BASE;
const shots = process.env.SHOTS || "screenshots";
const phase = process.env.PHASE || "workspace";
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
const errors = [];
page.on("pageerror", e => errors.push(e.message));
let step = 0;
async function shot(name) {
  step++;
  await page.screenshot({ path: join(shots, `${phase}-${String(step).padStart(2, "0")}-${name}.png`) });
  console.log(`ok ${phase} ${step} ${name}`);
}
function fail(message) {
  throw new Error(message);
}

try {
  await page.goto(base, { waitUntil: "load" });
  if (phase === "workspace") {
    // open a repository through the Add dialog and wait for its ingest
    await page.click("#add-repo");
    await page.fill("#repo-input", process.env.REPO);
    await page.keyboard.press("Enter");
    await page.waitForSelector('#tree .node[data-path="geometry.py"]', { timeout: 120000 });
    await shot("repository");

    await page.click('#tree .node[data-path="geometry.py"]');
    await page.waitForFunction(() => document.querySelector(".cm-content")?.textContent?.includes("class Circle"));
    await page.waitForSelector("#side-body .item");
    await shot("file-and-outline");

    // go to definition: the cursor on "Circle" in main.py, then F12
    await page.click('#tree .node[data-path="main.py"]');
    await page.waitForFunction(() => document.getElementById("file-name")?.textContent?.startsWith("main.py"));
    await page.locator(".cm-line", { hasText: "from geometry import" }).click();
    await page.keyboard.press("Home");
    for (let i = 0; i < 23; i++) await page.keyboard.press("ArrowRight");
    await page.keyboard.press("F12");
    await page.waitForFunction(() => document.getElementById("file-name")?.textContent?.startsWith("geometry.py"));
    await shot("go-to-definition");

    // search
    await page.fill("#search", "area");
    await page.waitForSelector("#side-body .result");
    await shot("search");

    // ghost text after typing
    await page.click(".cm-content");
    await page.keyboard.press("Control+End");
    await page.keyboard.type("\n    def perimeter(self):\n        return ");
    await page.waitForSelector(".cm-ghost", { timeout: 60000 });
    await page.waitForFunction(() => document.getElementById("latency")?.textContent?.includes("first token"), null, { timeout: 60000 });
    await shot("ghost-text");
    await page.keyboard.press("Escape");

    // graph explorer
    await page.click('#side-tabs button[data-tab="graph"]');
    await page.waitForFunction(() => window.cartoGraph && window.cartoGraph.nodes().length > 2, null, { timeout: 30000 });
    await shot("graph-explorer");
  } else if (phase === "issue") {
    // the repository picker offers every ingested repository: choose the one added before
    await page.waitForSelector("#repo option", { state: "attached" });
    const value = await page.$eval("#repo", (sel, name) => [...sel.options].find(o => o.textContent.startsWith(name + " "))?.value, process.env.REPO_NAME || "shapes");
    if (!value) fail("the repository is not in the picker");
    await page.selectOption("#repo", value);
    await page.waitForSelector('#tree .node[data-path="geometry.py"]');
    await page.click('#side-tabs button[data-tab="issues"]');
    await page.fill("#issue-title", "Square.area is wrong");
    await page.fill("#issue-body", "Square(3).area() returns 12 instead of 9.");
    await page.fill("#issue-regression", "python3 -m pytest -q -p no:cacheprovider test_geometry.py");
    await page.click("#issue-start");
    await page.waitForSelector("#issue-out .steps .step.phase");
    await page.waitForSelector("#issue-out .diff", { timeout: 180000 });
    const resolved = await page.textContent("#issue-out h3");
    if (resolved !== "Resolved") fail("the issue panel says: " + resolved);
    const diff = await page.textContent("#issue-out .diff");
    if (!diff.includes("self.side * self.side")) fail("the diff does not show the fix: " + diff);
    await shot("issue-diff");
  } else {
    fail("unknown PHASE " + phase);
  }
  if (errors.length) fail("errors in the page: " + errors.join("; "));
} catch (e) {
  await page.screenshot({ path: join(shots, `${phase}-failure.png`) }).catch(() => {});
  console.error("FAILED: " + e.message);
  process.exitCode = 1;
} finally {
  await browser.close();
}
