// Opens the Scaler's page in Debian's chromium (headless, driven by playwright-core; never a downloaded
// browser), the way a person would: the list, its charts, one workload, its explanation and signal states, and
// an in-place refresh. Prints one JSON line with what it saw; PageBrowserTests asserts on it. Screenshots go
// to --out.
//   node check-page.mjs --url http://127.0.0.1:8080/ --out DIR --chromium /usr/bin/chromium
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) =>
  arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs, []));
const timeout = 30_000;
const seen = { consoleErrors: [], screenshots: [] };
mkdirSync(args.out, { recursive: true });

// Waits until one path matching the selector has been drawn (its "d" starts a line).
async function drawn(page, selector) {
  await page.waitForFunction(s => [...document.querySelectorAll(s)].some(p => (p.getAttribute("d") || "").startsWith("M")), selector, { timeout });
}

const browser = await chromium.launch({
  executablePath: args.chromium,
  headless: true,
  // As root in a container chromium needs --no-sandbox; nothing here loads anything but the loopback page.
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("console", message => { if (message.type() === "error") seen.consoleErrors.push(message.text()); });
  page.on("pageerror", error => seen.consoleErrors.push(String(error)));

  // The list, once the small charts are drawn. A count that has not changed yet is a flat line, which has no
  // height and so is never "visible" to playwright: wait for a drawn path instead.
  await page.goto(args.url, { waitUntil: "load", timeout });
  await drawn(page, "td.spark svg path");
  seen.title = await page.title();
  seen.rows = await page.locator("table.triggers tbody tr").count();
  seen.summary = (await page.locator("#summary").innerText()).trim();
  await shoot(page, "list.png", false);

  // Search as one types narrows the list in place.
  await page.locator("form.search input[type=search]").fill("no-such-workload");
  await page.waitForFunction(() => document.getElementById("summary")?.textContent?.includes("0 matching"), null, { timeout });
  seen.searchUrl = page.url();
  await page.locator("form.search input[type=search]").fill("");
  await page.locator("table.triggers tbody tr").first().waitFor({ timeout });

  // One workload: its charts, a decision's explanation, a signal's state.
  await page.locator("table.triggers tbody tr a").first().click();
  await page.waitForURL(/\/workload\?/, { timeout });
  await drawn(page, "figure.chart svg path");
  seen.workloadTitle = (await page.locator("h1").innerText()).trim();
  seen.charts = await page.locator("figure.chart svg").count();
  seen.explanation = (await page.locator("ol.timeline li .explanation").first().innerText()).trim();
  seen.signalStates = await page.locator("table.signals .status").allInnerTexts();
  seen.signals = await page.locator("table.signals tbody tr td:first-child").allInnerTexts();
  await shoot(page, "workload.png", true);

  // The content refreshes in place, without a reload.
  const before = await page.locator("#as-of").innerText();
  await page.waitForFunction(() => Number(document.body.dataset.refreshes || "0") >= 1, null, { timeout });
  seen.refreshedInPlace = true;
  seen.asOfChanged = (await page.locator("#as-of").innerText()) !== before;
  seen.ok = true;
} catch (error) {
  seen.ok = false;
  seen.error = String(error);
  try {
    const pages = browser.contexts().flatMap(c => c.pages());
    if (pages.length > 0) await shoot(pages[0], "failure.png", true);
  } catch { /* the failure is what is reported */ }
} finally {
  await browser.close();
}

console.log(JSON.stringify(seen));

async function shoot(page, name, fullPage) {
  const path = join(args.out, name);
  await page.screenshot({ path, fullPage });
  seen.screenshots.push(path);
}
