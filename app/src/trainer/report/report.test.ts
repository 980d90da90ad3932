import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { curves } from "../metrics";
import { renderReport } from "./html";
import { Canvas, crc32, encodePng } from "./png";

function chunks(png: Buffer): { type: string; data: Buffer; crcOk: boolean }[] {
  const out = [];
  for (let p = 8; p < png.length; ) {
    const len = png.readUInt32BE(p);
    const type = png.toString("latin1", p + 4, p + 8);
    const data = png.subarray(p + 8, p + 8 + len);
    out.push({ type, data, crcOk: crc32(png.subarray(p + 4, p + 8 + len)) === png.readUInt32BE(p + 8 + len) });
    p += 12 + len;
  }
  return out;
}

describe("PNG charts and HTML report", () => {
  it("encodes a valid PNG whose pixels decode back", () => {
    expect(crc32(Buffer.from("IEND"))).toBe(0xae426082);
    const c = new Canvas(3, 2, [255, 255, 255]);
    c.set(1, 0, [10, 20, 30]);
    const png = encodePng(c.width, c.height, c.pixels);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const cs = chunks(png);
    expect(cs.map((x) => x.type)).toEqual(["IHDR", "IDAT", "IEND"]);
    expect(cs.every((x) => x.crcOk)).toBe(true);
    expect([cs[0]!.data.readUInt32BE(0), cs[0]!.data.readUInt32BE(4)]).toEqual([3, 2]);
    const raw = inflateSync(cs[1]!.data);
    expect(raw.length).toBe(2 * (1 + 9));
    expect([...raw.subarray(4, 7)]).toEqual([10, 20, 30]);
  });

  it("renders a self-contained page with the metrics table and four charts", () => {
    const scores = [0.9, 0.8, 0.3, 0.2, 0.1];
    const labels = [1, 0, 1, 0, 0];
    const metrics = { auc: 0.75, averagePrecision: 0.8333, cardPrecisionAt100: 0.02, recallAt1PctFpr: 0.5, rows: 5, frauds: 2 };
    const r = renderReport({
      title: "Fraud model <v1>",
      version: "v1",
      facts: [["Windows", "train 2018-07-25..2018-07-31"]],
      models: [{ name: "XGBoost", metrics, curves: curves(scores, labels), color: [200, 0, 0] }],
      scores,
      labels,
      importance: [{ feature: "amount", gain: 3, cover: 2, splits: 1 }],
      notes: ["Promotion: promoted"],
    });
    expect(Object.keys(r.files).sort()).toEqual(["feature-importance.png", "index.html", "precision-recall.png", "roc.png", "score-distribution.png"]);
    const html = r.files["index.html"]!.toString();
    expect(html).toContain("Fraud model &#60;v1&#62;");
    expect(html).toContain("<td>0.8333</td>");
    expect(html.match(/data:image\/png;base64,/g)).toHaveLength(4);
    for (const name of ["roc.png", "precision-recall.png", "score-distribution.png", "feature-importance.png"]) {
      expect(chunks(r.files[name]!).every((c) => c.crcOk)).toBe(true);
    }
  });
});
