/**
 * The console in a real browser (Debian's chromium driven by playwright-core) against the API with
 * real PostgreSQL and Redis: sign in, work the queue with the keyboard, open a decision, label it,
 * see it leave the queue, the label in GET /v1/decisions/:id and the feature store; a viewer cannot
 * label; a request without the CSRF token is refused; the page runs under its CSP without a
 * violation. Screenshots of the queue and a decision page go to reports/console/ (git-ignored).
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { START_TIMEOUT_MS, startHarness, type Harness } from "../api/testing/harness";
import { DAY_MS } from "../domain/time";
import type { DecisionRecord } from "../store/decision-record";
import { parseTransaction } from "../serving/validate";
import { testDecision } from "../testing/decision-fixtures";
import { describeWithPostgres, describeWithRedis, describeWithService, uniqueTestName } from "../testing/services";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const SHOTS = join(process.cwd(), "reports", "console");
const USERS = JSON.stringify({
  users: [
    { name: "ana", role: "analyst", password: "ana-password-123" },
    { name: "vic", role: "viewer", password: "vic-password-123" },
  ],
});
const chromiumProbe = {
  name: "Chromium",
  target: CHROMIUM,
  available: existsSync(CHROMIUM),
  reason: existsSync(CHROMIUM) ? "" : `no browser at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
};

describeWithService(chromiumProbe, "console in a browser", (executablePath) => {
  describeWithPostgres("with PostgreSQL", (databaseUrl) => {
    describeWithRedis("and Redis", (redisUrl) => {
      const schema = uniqueTestName("console_browser");
      const prefix = `${uniqueTestName("console_browser")}:`;
      let h: Harness;
      let browser: Browser;
      let base: string;
      const now = Date.now() - (Date.now() % 1000);
      const decisions: DecisionRecord[] = Array.from({ length: 6 }, (_, i) =>
        testDecision(`br-${now}-${i}`, {
          // newest first: br-0 at the top; 7.5 days old and more, inside the delayed merchant windows
          occurredAt: now - 7.5 * DAY_MS - i * 60_000,
          merchantId: `shop-${i % 2}-${now}`,
          cardId: `card-${i % 3}`,
          score: 0.2 + i / 100,
          decision: i === 5 ? "decline" : "review",
          reasons: [
            { feature: "amount", contribution: 0.9, value: 950, description: "amount 950" },
            { feature: "card_tx_count_1d", contribution: 0.4, value: 7, description: "7 earlier card transactions in the last day" },
          ],
        }),
      );
      const violations: string[] = [];

      beforeAll(async () => {
        mkdirSync(SHOTS, { recursive: true });
        [h, browser] = await Promise.all([
          startHarness({ env: { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, CONSOLE_USERS: USERS }, schema, redisKeyPrefix: prefix }),
          chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-dev-shm-usage"] }),
        ]);
        base = `http://127.0.0.1:${h.api.port}`;
        await h.api.runtime.decisions.insertMissing(decisions);
      }, START_TIMEOUT_MS);
      afterAll(async () => {
        await browser?.close();
        await h?.api.runtime.sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await h?.close();
      });

      async function signIn(user: string, password: string): Promise<Page> {
        const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 }, timezoneId: "Europe/Paris" })).newPage();
        page.on("console", (m) => {
          if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
        });
        page.on("pageerror", (e) => violations.push(e.message));
        await page.goto(`${base}/console`);
        await page.fill("input[name=user]", user);
        await page.fill("input[name=password]", password);
        await page.click("button[type=submit]");
        return page;
      }

      const rowIds = (page: Page) => page.locator("#queue tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")));

      it("an analyst works the queue with the keyboard and labels a decision", async () => {
        const page = await signIn("ana", "ana-password-123");
        await page.waitForSelector("#queue tbody tr");
        expect(await rowIds(page)).toEqual(decisions.slice(0, 5).map((d) => d.transactionId));
        expect(await page.locator(".who").textContent()).toContain("Europe/Paris");
        await page.keyboard.press("j");
        await page.keyboard.press("j");
        await page.keyboard.press("k");
        expect(await page.locator("tr.selected").getAttribute("data-id")).toBe(decisions[1].transactionId);
        await page.screenshot({ path: join(SHOTS, "queue.png") });
        await page.keyboard.press("Enter");
        await page.waitForSelector(`#decision[data-id="${decisions[1].transactionId}"]`);
        await page.waitForSelector("#reasons-chart");
        expect(await page.locator("#current-label").textContent()).toBe("No label yet.");
        await page.screenshot({ path: join(SHOTS, "decision.png"), fullPage: true });

        await page.fill("textarea[name=note]", "cardholder confirmed");
        await page.locator("textarea[name=note]").blur();
        await page.keyboard.press("f");
        // the queue moves on: the first unlabelled item opens next
        await page.waitForSelector(`#decision[data-id="${decisions[0].transactionId}"]`);
        await page.keyboard.press("Escape");
        await page.waitForSelector("#queue tbody tr");
        expect(await rowIds(page)).toEqual([0, 2, 3, 4].map((i) => decisions[i].transactionId));

        const stored = await h.request("GET", `/v1/decisions/${decisions[1].transactionId}`);
        expect(stored.json.label).toMatchObject({ label: "fraud" });
        const probe = parseTransaction(
          {
            transactionId: "probe",
            timestamp: new Date(now + 60_000).toISOString(),
            cardId: "c",
            merchantId: decisions[1].merchantId,
            amount: 1,
          },
          now + 120_000,
        );
        expect((await h.api.runtime.featureStore.observe(probe)).snapshot.merchantDelayedFrauds).toEqual([1, 1, 1, 1]);

        // the decision page says who labelled it
        await page.goto(`${base}/console/decisions/${decisions[1].transactionId}`);
        await expect.poll(() => page.locator("#current-label").textContent()).toMatch(/fraud set by ana at .*cardholder confirmed/);
        // filters live in the URL: decline shown, riskiest first
        await page.goto(`${base}/console/queue?decision=decline`);
        await page.waitForSelector("#queue tbody tr");
        expect(await rowIds(page)).toEqual([decisions[5].transactionId]);

        // a label without the session's CSRF token, from the console's own page, is refused
        const refused = await page.evaluate(async (id) => {
          const r = await fetch(`/console/api/decisions/${id}/label`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: '{"label":"legit"}',
          });
          return [r.status, ((await r.json()) as { error: string }).error];
        }, decisions[2].transactionId);
        expect(refused).toEqual([403, "csrf"]);
      }, 60_000);

      it("a viewer sees the decision but no label form, and the server refuses its label", async () => {
        const page = await signIn("vic", "vic-password-123");
        await page.waitForSelector("#queue tbody tr");
        await page.goto(`${base}/console/decisions/${decisions[2].transactionId}`);
        await page.waitForSelector(`#decision[data-id="${decisions[2].transactionId}"]`);
        expect(await page.locator("#label-form").count()).toBe(0);
        const refused = await page.evaluate(async (id) => {
          const s = (await (await fetch("/console/api/session")).json()) as { csrfToken: string };
          const r = await fetch(`/console/api/decisions/${id}/label`, {
            method: "POST",
            headers: { "Content-Type": "application/json", "X-CSRF-Token": s.csrfToken },
            body: '{"label":"fraud"}',
          });
          return [r.status, ((await r.json()) as { error: string }).error];
        }, decisions[2].transactionId);
        expect(refused).toEqual([403, "forbidden"]);
        await page.goto(`${base}/console/overview`);
        await page.waitForSelector("#stat-decisions");
        expect(violations).toEqual([]);
      }, 60_000);
    });
  });
});
