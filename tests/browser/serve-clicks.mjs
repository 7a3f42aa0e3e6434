// Drives `playbook serve` in headless Chromium the way a manager would:
// opens the dashboard, follows the link to a run, and for each action
// fills the form's field and clicks its button. Reports, as JSON on stdout,
// what each click showed (the notice of a change, or the refusal), and
// takes screenshots when asked. Used by tests/it/serve.rs.
//
// usage: node serve-clicks.mjs BASE_URL RUN_NAME ACTIONS.json [SCREENSHOT_DIR]
// ACTIONS.json: [{"do": "done KEY" | "record CRIT" | "answer DEC" |
//   "complete STEP" | "skip KEY", "value": "..."}]
// Chromium is Debian's `chromium` package (/usr/bin/chromium), or the
// executable named by PLAYBOOK_CHROMIUM.

import { chromium } from "playwright-core";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [base, runName, actionsFile, shots] = process.argv.slice(2);
if (!base || !runName || !actionsFile) {
  console.error("usage: node serve-clicks.mjs BASE_URL RUN_NAME ACTIONS.json [SCREENSHOT_DIR]");
  process.exit(2);
}
const actions = JSON.parse(readFileSync(actionsFile, "utf8"));

const executablePath = process.env.PLAYBOOK_CHROMIUM || "/usr/bin/chromium";
const profile = mkdtempSync(join(tmpdir(), "playbook-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 1200, height: 900 },
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
});

const report = { dashboard: null, results: [], errors: [], scripts: 0 };
try {
  const page = context.pages()[0] || (await context.newPage());
  page.on("pageerror", (e) => report.errors.push(String(e)));
  await page.goto(base + "/");
  report.dashboard = await page.locator("table.runs").innerText();
  if (shots) {
    await page.screenshot({ path: join(shots, "serve-dashboard.png"), fullPage: true });
  }
  // The manager opens the run from the dashboard.
  await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: runName, exact: true }).click()]);
  report.scripts = await page.locator("script").count();
  for (const a of actions) {
    // A criterion shared by two steps has a form in each: the first does.
    const button = page.locator(`button[name="do"][value="${a.do}"]`).first();
    if ((await button.count()) === 0) {
      report.results.push({ do: a.do, missing: true });
      continue;
    }
    const form = page.locator("form", { has: button }).first();
    if (a.value !== undefined) {
      const field = form.locator('[name="value"]');
      const tag = await field.evaluate((e) => e.tagName);
      if (tag === "SELECT") {
        await field.selectOption(a.value);
      } else {
        await field.fill(a.value);
      }
    }
    if (a.note !== undefined) {
      await form.locator('[name="note"]').fill(a.note);
    }
    const [response] = await Promise.all([page.waitForNavigation(), button.click()]);
    const status = await page.locator('[role="status"]').allInnerTexts();
    const refused = await page.locator('[role="alert"]').allInnerTexts();
    report.results.push({
      do: a.do,
      http: response ? response.status() : null,
      said: status.join("\n"),
      refused: refused.join("\n"),
    });
    if (shots && a.shot) {
      await page.screenshot({ path: join(shots, a.shot), fullPage: false });
    }
  }
} catch (e) {
  report.errors.push(String(e && e.stack ? e.stack : e));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(report));
