// Opens HTML files in headless Chromium and reports, as JSON on stdout, what
// the browser sees in each: the document title, its language, the check
// boxes (on screen and when printed), and anything that could run code or
// reach the network. Used by tests/it/export_browser.rs.
//
// usage: node inspect-pages.mjs FILE.html...
// Chromium is Debian's `chromium` package (/usr/bin/chromium), or the
// executable named by PLAYBOOK_CHROMIUM.

import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node inspect-pages.mjs FILE.html...");
  process.exit(2);
}

const executablePath = process.env.PLAYBOOK_CHROMIUM || "/usr/bin/chromium";
// A fresh profile for every run; the network is closed, so nothing that
// phones home may start.
const profile = mkdtempSync(join(tmpdir(), "playbook-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
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

const reports = [];
try {
  for (const file of files) {
    const page = await context.newPage();
    const url = pathToFileURL(resolve(file)).href;
    const requests = [];
    const dialogs = [];
    const errors = [];
    page.on("request", (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    page.on("dialog", async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url, { waitUntil: "load" });

    const seen = await page.evaluate(() => {
      const all = [...document.querySelectorAll("*")];
      const handlers = all.flatMap((el) =>
        [...el.attributes].filter((a) => a.name.toLowerCase().startsWith("on")).map((a) => `${el.tagName} ${a.name}`),
      );
      const links = [...document.querySelectorAll("[href], [src], [action], [formaction]")].map(
        (el) => el.getAttribute("href") ?? el.getAttribute("src") ?? el.getAttribute("action") ?? el.getAttribute("formaction"),
      );
      const boxes = [...document.querySelectorAll('input[type="checkbox"]')];
      return {
        title: document.title,
        lang: document.documentElement.lang,
        checkboxes: boxes.length,
        visible_checkboxes: boxes.filter((b) => b.getClientRects().length > 0).length,
        scripts: document.querySelectorAll("script").length,
        embeds: document.querySelectorAll("iframe, object, embed, img, link, base, form").length,
        handlers,
        addresses: links,
        headings: [...document.querySelectorAll("h1, h2")].map((h) => h.textContent.trim()),
      };
    });

    // Ticking a box works; printing keeps every box.
    if (seen.checkboxes > 0) {
      const first = page.locator('input[type="checkbox"]').first();
      await first.check();
      seen.first_checked = await first.isChecked();
    }
    await page.emulateMedia({ media: "print" });
    seen.print_checkboxes = await page.evaluate(
      () => [...document.querySelectorAll('input[type="checkbox"]')].filter((b) => b.getClientRects().length > 0).length,
    );
    const pdf = await page.pdf({ format: "A4" });
    seen.pdf_bytes = pdf.length;

    reports.push({ file, ...seen, requests, dialogs, errors });
    await page.close();
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(reports, null, 2) + "\n");
