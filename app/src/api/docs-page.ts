/**
 * Interactive API docs at /docs: one self-contained page (no CDN: clusters and laptops may have no
 * internet) that reads the OpenAPI document and renders each operation with a try-it form.
 * Rendering uses textContent only: nothing from the document or a response is parsed as HTML.
 */
export function docsPage(specUrl: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fraud scoring API</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2733;background:#f6f8fa}
header{background:#1d2733;color:#fff;padding:16px 24px}header h1{margin:0;font-size:22px}
main{max-width:980px;margin:0 auto;padding:16px 24px}
.key{margin:12px 0;padding:12px;background:#fff;border:1px solid #d0d7de;border-radius:6px}
.op{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin:12px 0}
.op summary{cursor:pointer;padding:10px 12px;display:flex;gap:12px;align-items:center}
.m{font-weight:700;font-family:monospace;padding:2px 8px;border-radius:4px;color:#fff;min-width:44px;text-align:center}
.GET{background:#1f6feb}.POST{background:#2da44e}
.path{font-family:monospace;font-weight:600}.body{padding:0 12px 12px}
textarea{width:100%;min-height:140px;font:13px monospace;box-sizing:border-box}
input{font:14px monospace;padding:4px;width:320px}
pre{background:#f3f4f6;padding:8px;overflow:auto;font-size:12px;max-height:360px}
button{padding:6px 14px;font-weight:600;cursor:pointer}.status{font-weight:700;margin-left:8px}
table{border-collapse:collapse}td{padding:2px 10px 2px 0;vertical-align:top}
</style></head>
<body><header><h1 id="title">Fraud scoring API</h1><div id="version"></div></header>
<main>
<p id="description"></p>
<div class="key"><label>X-API-Key <input id="apikey" type="password" autocomplete="off" placeholder="paste an API key"></label>
<small> used by every "Send" below; it stays in this page.</small></div>
<div id="ops">Loading the OpenAPI document…</div>
</main>
<script>
"use strict";
const el = (tag, attrs, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) k === "class" ? (e.className = v) : e.setAttribute(k, v);
  for (const kid of kids) e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  return e;
};
function resolve(spec, node, depth) {
  if (depth > 6 || node === null || typeof node !== "object") return node;
  if (node.$ref) return resolve(spec, node.$ref.slice(2).split("/").reduce((o, k) => o[k], spec), depth + 1);
  if (Array.isArray(node)) return node.map((n) => resolve(spec, n, depth + 1));
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolve(spec, v, depth + 1)]));
}
function operation(spec, path, method, op) {
  const M = method.toUpperCase();
  const body = el("div", { class: "body" });
  if (op.description) body.append(el("p", {}, op.description));
  const params = {};
  for (const p of op.parameters || []) {
    const input = el("input", { value: p.example || "", "aria-label": p.name });
    params[p.name] = input;
    body.append(el("p", {}, el("label", {}, p.name + " (" + p.in + ") ", input)));
  }
  let textarea;
  const content = op.requestBody && op.requestBody.content["application/json"];
  if (content) {
    const schema = resolve(spec, content.schema, 0);
    const example = content.example || schema.example || {};
    textarea = el("textarea", { "aria-label": "request body" });
    textarea.value = JSON.stringify(example, null, 2);
    body.append(el("p", {}, "Request body (application/json):"), textarea);
    const fields = el("details", {}, el("summary", {}, "Request schema"), el("pre", {}, JSON.stringify(schema, null, 2)));
    body.append(fields);
  }
  const rows = Object.entries(op.responses || {}).map(([code, r]) => el("tr", {}, el("td", {}, code), el("td", {}, r.description || "")));
  body.append(el("p", {}, "Responses:"), el("table", {}, ...rows));
  const status = el("span", { class: "status" });
  const out = el("pre", { class: "response" });
  const send = el("button", { type: "button" }, "Send");
  send.addEventListener("click", async () => {
    let url = path;
    for (const [name, input] of Object.entries(params)) url = url.replace("{" + name + "}", encodeURIComponent(input.value));
    const headers = {};
    const key = document.getElementById("apikey").value;
    if (key) headers["X-API-Key"] = key;
    if (textarea) headers["Content-Type"] = "application/json";
    status.textContent = "…";
    try {
      const r = await fetch(url, { method: M, headers, body: textarea ? textarea.value : undefined });
      const text = await r.text();
      status.textContent = r.status + " " + r.statusText;
      try { out.textContent = JSON.stringify(JSON.parse(text), null, 2); } catch { out.textContent = text; }
    } catch (e) { status.textContent = "request failed"; out.textContent = String(e); }
  });
  body.append(el("p", {}, send, status), out);
  return el("details", { class: "op", id: M + " " + path },
    el("summary", {}, el("span", { class: "m " + M }, M), el("span", { class: "path" }, path), el("span", {}, op.summary || "")), body);
}
fetch(${JSON.stringify(specUrl)}).then((r) => r.json()).then((spec) => {
  document.getElementById("title").textContent = spec.info.title;
  document.getElementById("version").textContent = "version " + spec.info.version + " · OpenAPI " + spec.openapi;
  document.getElementById("description").textContent = spec.info.description || "";
  const ops = document.getElementById("ops");
  ops.textContent = "";
  for (const [path, item] of Object.entries(spec.paths)) for (const [method, op] of Object.entries(item)) ops.append(operation(spec, path, method, op));
  if (ops.firstElementChild) ops.firstElementChild.open = true;
}).catch((e) => { document.getElementById("ops").textContent = "Could not load the OpenAPI document: " + e; });
</script></body></html>`;
}
