import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseDecimal, parseIsoTimestamp, splitQuoted } from "./csv-fields";
import { loadCsv } from "./csv-reader";
import { BadRowsError } from "./load-result";
import { eventOrder } from "./dataset";

const dir = mkdtempSync(join(tmpdir(), "csv-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string): string {
  const p = join(dir, `f${n++}.csv`);
  writeFileSync(p, text);
  return p;
}
const HEADER = "transaction_id,timestamp,card_id,merchant_id,amount,label";

describe("CSV reader", () => {
  it("counts bad rows with their line numbers and reasons, and loads the rest", async () => {
    const text = [
      HEADER,
      "t1,2018-04-01T10:00:00Z,c1,m1,10.50,0",
      "t2,2018-04-01 10:00:00,c1,m1,10.50,0", // line 3: no zone
      "t3,2018-04-01T10:00:00Z,c1,m1,-5,0", // line 4: negative amount
      "t4,2018-04-01T10:00:00Z,c1,m1,5,2", // line 5: bad label
      "t5,2018-04-01T10:00:00Z,c1,m1,5", // line 6: missing field
      "",
      "t6,2018-02-30T10:00:00Z,c1,m1,5,0", // line 8: impossible date
      "t7,2018-04-01T10:00:00Z,,m1,5,0", // line 9: empty card
      "t8,2018-04-01T12:00:00+02:00,c2,m1,7,1",
    ].join("\n");
    const r = await loadCsv(file(text), { maxBadShare: 1 });
    expect(r.dataset.size).toBe(2);
    expect(r.badRows.lines).toBe(8);
    expect(r.badRows.count).toBe(6);
    expect(r.badRows.examples.map((b) => b.line)).toEqual([3, 4, 5, 6, 8, 9]);
    expect(r.badRows.examples[0]!.reason).toMatch(/UTC offset/);
    expect(r.badRows.examples[1]!.reason).toMatch(/amount/);
    expect(r.badRows.examples[2]!.reason).toMatch(/label/);
    expect(r.badRows.examples[3]!.reason).toMatch(/expected 6 fields, got 5/);
    expect(r.badRows.examples[5]!.reason).toMatch(/card_id/);
    expect(r.dataset.timestamps[1]).toBe(Date.parse("2018-04-01T10:00:00Z"));
  });

  it("keeps rows whose optional columns hold values outside the API's vocabulary: the values become absent and are counted per column", async () => {
    const text = [
      `${HEADER},currency,merchant_category,country,channel`,
      "t1,2018-04-01T10:00:00Z,c1,m1,10,0,EUR,5411,FR,pos",
      "t2,2018-04-01T10:01:00Z,c1,m1,10,0,EUR,12,FR,moto", // MCC and channel outside
      "t3,2018-04-01T10:02:00Z,c1,m1,10,1,eur,5411,FRA,ecom", // currency and country outside
      't4,2018-04-01T10:03:00Z,c1,m1,10,0,EUR,5411,FR,"moto"', // the quoted path too
      "t5,2018-04-01T10:04:00Z,c1,m1,10,0,EUR,5411,FR,phone",
      "t6,2018-04-01T10:05:00Z,,m1,10,0,EUR,5411,FR,moto", // required field empty: still bad
    ].join("\n");
    const r = await loadCsv(file(text), { maxBadShare: 1 });
    const d = r.dataset;
    expect(d.transactionIds).toEqual(["t1", "t2", "t3", "t4", "t5"]);
    expect(r.badRows.count).toBe(1);
    expect(r.badRows.examples[0]).toEqual({ line: 7, reason: "empty card_id" });
    const value = (c: typeof d.channel, i: number) => c.values[c.codes[i]!];
    expect([0, 1, 2, 3, 4].map((i) => value(d.channel, i))).toEqual(["pos", undefined, "ecom", undefined, undefined]);
    expect([0, 1, 2].map((i) => value(d.merchantCategory, i))).toEqual(["5411", undefined, "5411"]);
    expect([0, 1, 2].map((i) => value(d.currency, i))).toEqual(["EUR", "EUR", undefined]);
    expect([0, 1, 2].map((i) => value(d.country, i))).toEqual(["FR", "FR", undefined]);
    expect(r.outOfVocabulary).toEqual([
      { column: "currency", vocabulary: "ISO 4217 (3 capital letters)", count: 1, examples: ["eur"] },
      { column: "merchant_category", vocabulary: "4-digit MCC", count: 1, examples: ["12"] },
      { column: "country", vocabulary: "ISO 3166 alpha-2", count: 1, examples: ["FRA"] },
      // the bad row's "moto" is not counted: that row is not kept
      { column: "channel", vocabulary: "pos|ecom|atm", count: 3, examples: ["moto", "phone"] },
    ]);
  });

  it("fails the run when bad rows exceed the configured share, naming lines", async () => {
    const rows = [HEADER];
    for (let i = 0; i < 99; i++) rows.push(`t${i},2018-04-01T10:00:00Z,c1,m1,1.00,0`);
    rows.push("bad,row");
    const p = file(rows.join("\n") + "\n");
    await expect(loadCsv(p, { maxBadShare: 0.005 })).rejects.toThrow(BadRowsError);
    await expect(loadCsv(p, { maxBadShare: 0.005 })).rejects.toThrow(/1 bad rows of 100 .*line 101: expected 6 fields/);
    expect((await loadCsv(p, { maxBadShare: 0.01 })).dataset.size).toBe(99);
  });

  it("reads columns in any order, optional columns, quoted fields, CRLF, and ignores unknown columns", async () => {
    const text =
      'label,amount,"transaction_id",timestamp,card_id,merchant_id,channel,extra,label_reported_at\r\n' +
      '1,12.3,"t,1",2018-04-01T10:00:00.250Z,c1,"m ""x""",ecom,zzz,2018-04-03T00:00:00Z\r\n' +
      "0,3,t2,2018-04-01T09:00:00Z,c1,m2,pos,,\r\n";
    const r = await loadCsv(file(text));
    const d = r.dataset;
    expect(r.ignoredColumns).toEqual(["extra"]);
    expect(d.transactionIds).toEqual(["t,1", "t2"]);
    expect(d.merchantIds).toEqual(['m "x"', "m2"]);
    expect(d.timestamps[0]).toBe(Date.parse("2018-04-01T10:00:00.250Z"));
    expect(d.labelReportedAt[0]).toBe(Date.parse("2018-04-03T00:00:00Z"));
    expect(Number.isNaN(d.labelReportedAt[1]!)).toBe(true);
    expect(d.channel.values[d.channel.codes[0]!]).toBe("ecom");
    expect(Array.from(eventOrder(d))).toEqual([1, 0]);
  });

  it("orders events by (timestamp, transactionId) whatever the file order", async () => {
    const text = [HEADER, "b,2018-04-01T10:00:00Z,c,m,1,0", "c,2018-04-01T09:00:00Z,c,m,1,0", "a,2018-04-01T10:00:00Z,c,m,1,0"].join("\n");
    const { dataset } = await loadCsv(file(text));
    expect(Array.from(eventOrder(dataset), (i) => dataset.transactionIds[i])).toEqual(["c", "a", "b"]);
  });

  it("refuses a header without the required columns", async () => {
    await expect(loadCsv(file("transaction_id,timestamp,amount\n"))).rejects.toThrow(/card_id, merchant_id, label/);
  });

  it("parses numbers and timestamps strictly", () => {
    const b = (s: string): [Buffer, number, number] => [Buffer.from(s), 0, s.length];
    expect(parseDecimal(...b("40.57"))).toBe(40.57);
    expect(parseDecimal(...b("7"))).toBe(7);
    for (const bad of ["", "1e3", "1.", "1.2.3", "-1", " 1"]) expect(parseDecimal(...b(bad))).toBeNaN();
    expect(parseIsoTimestamp(...b("2018-04-01T00:00:00Z"))).toBe(Date.UTC(2018, 3, 1));
    expect(parseIsoTimestamp(...b("2018-04-01T02:30:00+02:30"))).toBe(Date.UTC(2018, 3, 1));
    expect(parseIsoTimestamp(...b("2016-02-29T00:00:00Z"))).toBe(Date.UTC(2016, 1, 29));
    for (const bad of ["2018-04-01T00:00:00", "2017-02-29T00:00:00Z", "2018-04-01T24:00:00Z", "2018-04-01T00:00:00Zjunk", "April 1 2018"]) {
      expect(parseIsoTimestamp(...b(bad))).toBeNaN();
    }
    expect(splitQuoted('a,"b,""c""",')).toEqual(["a", 'b,"c"', ""]);
    expect(splitQuoted('a,"b')).toBeUndefined();
  });
});
