// chatbi admin page: the correction queue with a form to teach each word,
// the teachings with undo, and the usage figures. Server text is put in
// the page with textContent, never as HTML.
"use strict";

const state = { key: sessionStorage.getItem("chatbi.adminKey") || "" };

async function api(method, path, body) {
  const headers = {};
  if (body) headers["Content-Type"] = "application/json";
  if (state.key) headers.Authorization = "Bearer " + state.key;
  const resp = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  let data = {};
  try { data = await resp.json(); } catch (e) { data = {}; }
  if (resp.status === 401 || resp.status === 403) $("keyBox").hidden = false;
  return { status: resp.status, data };
}

const kinds = [["alias", "同义词（等于已认识的词）"], ["filler", "无意义的填充词"], ["buy", "表示“买过”"], ["who", "表示“客户/人”"]];

function teachForm(span) {
  const word = el("input", { class: "word", value: span });
  const kind = el("select", { class: "kind" }, ...kinds.map(([v, t]) => el("option", { value: v }, t)));
  const target = el("input", { class: "target", placeholder: "等于哪个词，如：口红" });
  const out = el("div", { class: "result" });
  const form = el("form", { class: "teach" }, "教它：", word, " 是 ", kind, target, el("button", { type: "submit" }, "保存"), out);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { word: word.value.trim(), kind: kind.value, target: kind.value === "alias" ? target.value.trim() : "" };
    const r = await api("POST", "/api/v1/admin/teachings", body);
    if (r.status === 201) { out.textContent = "已保存，立即生效"; load(); return; }
    if (r.status === 409) {
      out.replaceChildren("没有保存：会改变这些已验证的回答：", el("ul", {}, ...r.data.conflicts.map((c) => el("li", {}, c.question))));
      return;
    }
    out.textContent = (r.data.error && r.data.error.message) || ("保存失败（HTTP " + r.status + "）");
  });
  return form;
}

// exampleButton saves a question, as it reads now, as a verified example
// that later teachings must not change.
function exampleButton(question) {
  const out = el("span", { class: "hint" });
  const b = el("button", { type: "button", class: "ghost example", onclick: async () => {
    const r = await api("POST", "/api/v1/admin/examples", { question });
    out.textContent = r.status === 201 ? " 已存为示例" : " " + ((r.data.error && r.data.error.message) || "保存失败");
  } }, "存为示例");
  return el("span", {}, " ", b, out);
}

function renderQueue(groups) {
  if (!groups.length) { $("queue").replaceChildren(el("p", { class: "hint" }, "没有待处理的问题。")); return; }
  $("queue").replaceChildren(...groups.map((g) => el("div", { class: "qgroup", "data-span": g.span },
    el("h3", {}, g.span ? "「" + g.span + "」" : "（被点 👎 的回答）", el("span", { class: "size" }, " " + g.count + " 次"), g.taught ? el("span", { class: "taught" }, " 已教") : null),
    el("ul", {}, ...g.entries.map((e) => el("li", {}, e.question, el("span", { class: "hint" }, "  " + e.at.slice(0, 16).replace("T", " ") + " · " + (e.caller || "") + (e.rating === "down" ? " · 👎" : "")), exampleButton(e.question),
      e.message ? el("div", { class: "hint" }, e.message) : null,
      e.plan ? el("details", { class: "sql" }, el("summary", {}, "当时的理解（Plan）"), el("pre", {}, JSON.stringify(e.plan, null, 2))) : null))),
    g.span && !g.taught ? teachForm(g.span) : null)));
}

function renderTeachings(ts) {
  $("teachings").tBodies[0].replaceChildren(...ts.map((t) => el("tr", { "data-id": String(t.id) },
    el("td", {}, t.word), el("td", {}, t.kind === "alias" ? "= " + t.target : t.kind), el("td", {}, t.taught_by), el("td", {}, t.taught_at.slice(0, 16).replace("T", " ")),
    el("td", {}, t.undone_at ? "已撤销（" + t.undone_by + "）" : "生效中"),
    el("td", {}, t.undone_at ? "" : el("button", { type: "button", class: "undo", onclick: async () => { await api("DELETE", "/api/v1/admin/teachings/" + t.id); load(); } }, "撤销")))));
}

function bars(title, rows, value, fmt) {
  const max = Math.max(...rows.map(value), 0) || 1;
  return el("div", { class: "usagechart" }, el("h3", {}, title), ...rows.map((r) => el("div", { class: "ubar" },
    el("span", { class: "ulabel" }, r.day || r.label), el("span", { class: "ufill", style: "width:" + Math.round(240 * value(r) / max) + "px" }), el("span", {}, fmt(value(r))))));
}

function renderUsage(u) {
  const days = u.days || [];
  const pct = (v) => (v * 100).toFixed(1) + "%";
  $("usage").replaceChildren(
    bars("每天的问题数", days, (d) => d.questions, String),
    bars("没看懂（澄清）比例", days, (d) => d.clarify_rate, pct),
    bars("👎 比例", days, (d) => d.down_rate, pct),
    bars("p99 延迟（毫秒）", days, (d) => d.p99_ms, (v) => v.toFixed(0)),
    bars("按渠道", u.channels || [], (c) => c.count, String),
    bars("最常见的没看懂的词", u.top_unknown || [], (c) => c.count, String));
}

async function load() {
  const q = await api("GET", "/api/v1/admin/queue");
  if (q.status !== 200) { $("status").textContent = (q.data.error && q.data.error.message) || "需要管理员权限"; return; }
  $("status").textContent = "";
  renderQueue(q.data.groups || []);
  const t = await api("GET", "/api/v1/admin/teachings");
  renderTeachings(t.data.teachings || []);
  const u = await api("GET", "/api/v1/admin/usage");
  renderUsage(u.data || {});
}

document.addEventListener("DOMContentLoaded", () => {
  $("apiKey").value = state.key;
  $("apiKey").addEventListener("change", (e) => { state.key = e.target.value.trim(); sessionStorage.setItem("chatbi.adminKey", state.key); load(); });
  load();
});
