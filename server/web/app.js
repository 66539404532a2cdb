// chatbi chat page: one conversation with the ask API. Every piece of text
// from the server is put in the page with textContent, never as HTML.
"use strict";

// The key is remembered for this browser session only.
const state = { conversation: "", key: sessionStorage.getItem("chatbi.key") || "" };

async function api(path, body) {
  const headers = { "Content-Type": "application/json", "X-Chatbi-Client": "page" };
  if (state.key) headers.Authorization = "Bearer " + state.key;
  const resp = await fetch(path, body ? { method: "POST", headers, body: JSON.stringify(body) } : { headers });
  let data = {};
  try { data = await resp.json(); } catch (e) { data = {}; }
  if (resp.status === 401) { $("keyBox").hidden = false; $("apiKey").focus(); }
  if (!resp.ok) {
    const msg = (data.error && data.error.message) || ("请求失败（HTTP " + resp.status + "）");
    throw new Error(msg);
  }
  return data;
}

function scrollDown() { const m = $("messages"); m.scrollTop = m.scrollHeight; }

function addMessage(node) { $("messages").append(node); scrollDown(); return node; }

// fmt shows a value as people read it: rates and shares (a column named
// …率 or …占比) are fractions in the API (0.2297) and percents here (23.0%);
// money (…金额, …价, 预测价值, 销售额) has two decimals and separators; other
// decimals at most two places.
function fmt(v, col) {
  if (v === null || v === undefined) return "-";
  if (typeof v === "number" && col && /(率|占比)$/.test(col)) return (v * 100).toFixed(1) + "%";
  if (typeof v === "number" && col && /(金额|价|价值|销售额|消费)(（.*）)?$/.test(col)) {
    return v.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  if (typeof v === "number") return Number.isInteger(v) ? v.toLocaleString("zh-CN") : v.toLocaleString("zh-CN", { maximumFractionDigits: 2 });
  return String(v);
}

// label is a column as people read it (the API keeps machine names).
const columnLabels = { customer_id: "客户编号" };
const label = (col) => columnLabels[col] || col;

async function ask(question) {
  question = question.trim();
  if (!question) return;
  addMessage(el("div", { class: "msg user" }, question));
  const pending = addMessage(el("div", { class: "msg bot thinking" }, "正在查询…"));
  $("send").disabled = true;
  try {
    const body = { question, limit: 20 };
    if (state.conversation) body.conversation_id = state.conversation;
    const a = await api("/api/v1/ask", body);
    state.conversation = a.conversation_id;
    const shown = renderAnswer(a, question);
    pending.replaceWith(shown);
    shown.scrollIntoView({ block: "start" });
    loadHistory();
  } catch (e) {
    pending.replaceWith(el("div", { class: "msg error" }, e.message));
  } finally {
    $("send").disabled = false;
    scrollDown();
  }
}

// feedbackBar rates an answer 👍 / 👎; a 👎 asks what was wrong (optional).
function feedbackBar(a) {
  const bar = el("div", { class: "feedback" }, "这个回答：");
  const send = async (rating, comment) => {
    await api("/api/v1/answers/" + encodeURIComponent(a.answer_id) + "/feedback", { rating, comment: comment || "" });
    bar.querySelectorAll("button.rate").forEach((b) => b.classList.toggle("chosen", b.dataset.rating === rating));
  };
  const why = el("input", { class: "why", placeholder: "哪里不对？（可选）", maxlength: "500", hidden: "" });
  const whySend = el("button", { type: "button", class: "whysend", hidden: "", onclick: async () => { await send("down", why.value); whySend.textContent = "已提交"; } }, "提交");
  bar.append(
    el("button", { type: "button", class: "rate up", "data-rating": "up", onclick: () => send("up") }, "👍 有帮助"),
    el("button", { type: "button", class: "rate down", "data-rating": "down", onclick: () => { send("down"); why.hidden = false; whySend.hidden = false; } }, "👎 没帮助"),
    why, whySend);
  return bar;
}

// saveList saves a customer list under a name (保存为人群) to use in later
// questions: 在「名字」里近30天没下单的.
function saveList(a) {
  const name = el("input", { class: "listname", placeholder: "人群名称，如：双11召回名单", maxlength: "30" });
  const out = el("span", { class: "hint" });
  const btn = el("button", { type: "button", class: "savelist", onclick: async () => {
    try {
      const r = await api("/api/v1/cohorts", { answer_id: a.answer_id, name: name.value.trim() });
      out.textContent = "已保存「" + r.name + "」（" + r.size + " 人），可以这样问：在「" + r.name + "」里近30天没下单的";
    } catch (e) { out.textContent = e.message; }
  } }, "保存为人群");
  return el("div", { class: "feedback savebar" }, name, btn, out);
}

function renderAnswer(a, question) {
  const box = el("div", { class: "msg bot answer", "data-status": a.status, "data-type": a.answer_type || "" });
  if (a.status === "clarify") {
    box.append(renderClarify(a, question));
    if (a.answer_id) box.append(feedbackBar(a));
    return box;
  }
  if (a.answer_type === "customers") {
    box.append(el("p", { class: "count" }, "共 ", el("b", { class: "total" }, fmt(a.total)), " 位客户"));
  } else if (a.answer_type === "count") {
    box.append(el("p", { class: "count" }, a.columns[0] + "：", el("b", { class: "total" }, fmt(a.rows[0] && a.rows[0][0], a.columns[0]))));
  }
  if (a.insight) box.append(el("p", { class: "insight" }, a.insight.summary));
  box.append(el("div", { class: "explain" }, a.explanation));
  for (const sg of a.strategies || []) {
    box.append(el("div", { class: "strategy" }, el("div", { class: "strategy-title" }, "运营建议 · " + sg.segment), el("p", {}, sg.action)));
  }
  const empty = a.answer_type !== "count" && a.rows.length === 0;
  if (empty) {
    box.append(el("p", { class: "empty" }, a.answer_type === "customers" ? "没有符合条件的客户。可以放宽条件再问，例如去掉时间或换一个分群。" : "没有数据。"));
  } else if (a.answer_type === "table") {
    box.append(/^月份$/.test(a.columns[0]) ? lineChart(a) : barChart(a));
  }
  if (a.answer_type === "count" && a.plan && a.plan.answer === "count" && !(a.plan.measures || []).some((m) => m !== "customers")) {
    // A number of customers: one click to the list (and its exports).
    box.append(el("div", { class: "downloads" }, el("button", { type: "button", class: "showlist", onclick: () => ask("这些客户有哪些") }, "查看名单")));
  }
  if (a.answer_type !== "count" && !empty) {
    const holder = el("div", { class: "tablewrap" });
    box.append(holder);
    const pager = el("div", { class: "pager" });
    box.append(pager);
    renderPage(holder, pager, a, 0, 20);
  }
  if (a.export) {
    box.append(el("div", { class: "downloads" }, "下载完整结果：",
      el("a", { href: a.export.csv, class: "csv", download: "" }, "CSV"),
      el("a", { href: a.export.xlsx, class: "xlsx", download: "" }, "Excel")));
  }
  box.append(el("details", { class: "sql" }, el("summary", {}, "查看 SQL（" + fmt(a.elapsed_ms) + " ms）"), el("pre", {}, a.sql),
    a.sql_inlined ? el("p", { class: "hint" }, "代入参数后（可直接粘贴到其他工具）：") : null,
    a.sql_inlined ? el("pre", { class: "inlined" }, a.sql_inlined) : null));
  if (a.answer_type === "customers" && a.answer_id) box.append(saveList(a));
  if (a.answer_id) box.append(feedbackBar(a));
  return box;
}

function renderTable(a) {
  const numeric = a.columns.map((_, i) => a.rows.some((r) => typeof r[i] === "number"));
  const cell = (v, i) => {
    const col = a.columns[i];
    if (col === "预测价值" && (v === null || v === 0)) {
      // Nothing to predict from: a customer who never bought, or no model fit.
      return el("td", { class: "num", title: "没有预测：从未购买的客户，或数据太少、模型没有拟合" }, "—");
    }
    return el("td", numeric[i] ? { class: "num" } : {}, fmt(v, col));
  };
  return el("table", {},
    el("thead", {}, el("tr", {}, ...a.columns.map((c) => el("th", {}, label(c))))),
    el("tbody", {}, ...a.rows.map((r) => el("tr", {}, ...r.map(cell)))));
}

function renderPage(holder, pager, a, offset, limit) {
  holder.replaceChildren(renderTable(a));
  pager.replaceChildren();
  if (a.answer_type !== "customers" || !a.answer_id || a.total <= limit) return;
  const pages = Math.ceil(a.total / limit), page = Math.floor(offset / limit) + 1;
  const go = async (off) => {
    try {
      const next = await api("/api/v1/answers/" + encodeURIComponent(a.answer_id) + "?limit=" + limit + "&offset=" + off);
      renderPage(holder, pager, Object.assign({}, a, { rows: next.rows, total: next.total }), off, limit);
    } catch (e) { pager.append(el("span", { class: "unknown" }, e.message)); }
  };
  pager.append(
    el("button", { type: "button", class: "prev", onclick: () => go(offset - limit), ...(page <= 1 ? { disabled: "" } : {}) }, "上一页"),
    el("span", { class: "pageinfo" }, "第 " + page + " / " + pages + " 页"),
    el("button", { type: "button", class: "next", onclick: () => go(offset + limit), ...(page >= pages ? { disabled: "" } : {}) }, "下一页"));
}

// lineChart draws a monthly answer; a month the data only partly covers
// (the as-of month, or a window starting mid-month) is drawn hollow and
// labelled 部分月份.
function lineChart(a) {
  const NS = "http://www.w3.org/2000/svg";
  const rows = a.rows.filter((r) => typeof r[1] === "number");
  const max = Math.max(...rows.map((r) => r[1]), 0) || 1;
  const w = 560, h = 200, pad = 64, step = rows.length > 1 ? (w - 2 * pad) / (rows.length - 1) : 0;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("class", "chart line");
  svg.setAttribute("viewBox", `0 0 ${w} ${h + 30}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", a.columns[1] + " 折线图");
  const x = (i) => pad + i * step, y = (v) => h - 10 - (h - 50) * v / max;
  const path = document.createElementNS(NS, "polyline");
  path.setAttribute("class", "series");
  path.setAttribute("points", rows.map((r, i) => x(i) + "," + y(r[1])).join(" "));
  svg.append(path);
  const partial = partialMonths(a);
  rows.forEach((r, i) => {
    const dot = document.createElementNS(NS, "circle");
    dot.setAttribute("cx", x(i)); dot.setAttribute("cy", y(r[1])); dot.setAttribute("r", 4);
    dot.setAttribute("class", partial.has(r[0]) ? "dot partial" : "dot");
    const t = document.createElementNS(NS, "text");
    t.setAttribute("x", x(i)); t.setAttribute("y", h + 14); t.setAttribute("text-anchor", "middle");
    t.textContent = String(r[0]).slice(2) + (partial.has(r[0]) ? "*" : "");
    const v = document.createElementNS(NS, "text");
    v.setAttribute("x", x(i)); v.setAttribute("y", y(r[1]) - 8); v.setAttribute("text-anchor", "middle");
    v.textContent = fmt(r[1], a.columns[1]);
    svg.append(dot, t, v);
  });
  const wrap = el("div", { class: "chartwrap" }, svg);
  if (partial.size) wrap.append(el("p", { class: "hint partialnote" }, "* 部分月份：数据只覆盖该月的一部分，与整月不可直接比较"));
  return wrap;
}

// partialMonths are the months (YYYY-MM) of a monthly answer that its
// window or the as-of date cuts short.
function partialMonths(a) {
  const out = new Set();
  const p = a.plan || {};
  const asOf = p.as_of || "";
  if (asOf && asOf.slice(8) !== lastDay(asOf)) out.add(asOf.slice(0, 7));
  if (p.window && p.window.from && p.window.from.slice(8) !== "01") out.add(p.window.from.slice(0, 7));
  return out;
}

function lastDay(d) {
  const [y, m] = d.split("-").map(Number);
  return String(new Date(y, m, 0).getDate()).padStart(2, "0");
}

function barChart(a) {
  const NS = "http://www.w3.org/2000/svg";
  const rows = a.rows.filter((r) => typeof r[r.length - 1] === "number");
  const max = Math.max(...rows.map((r) => r[r.length - 1]), 0) || 1;
  const labelOf = (r) => r.slice(0, -1).filter((c) => typeof c !== "number").join(" → ") || String(r[0]);
  const longest = Math.max(0, ...rows.map((r) => labelOf(r).length));
  const labelW = Math.min(320, Math.max(110, 13 * longest + 10));
  const rowH = 24, valueW = 90, width = 560 + labelW - 110;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("class", "chart");
  svg.setAttribute("viewBox", `0 0 ${width} ${rows.length * rowH + 6}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", a.columns[a.columns.length - 1] + " 柱状图");
  rows.forEach((r, i) => {
    const v = r[r.length - 1], y = i * rowH + 4;
    const label = document.createElementNS(NS, "text");
    label.setAttribute("x", 0); label.setAttribute("y", y + 15);
    label.textContent = labelOf(r);
    const bar = document.createElementNS(NS, "rect");
    bar.setAttribute("class", "bar"); bar.setAttribute("x", labelW); bar.setAttribute("y", y + 2);
    bar.setAttribute("height", rowH - 8); bar.setAttribute("width", Math.max(1, (width - labelW - valueW) * v / max));
    const val = document.createElementNS(NS, "text");
    val.setAttribute("x", width - valueW + 6); val.setAttribute("y", y + 15); val.textContent = fmt(v, a.columns[a.columns.length - 1]);
    svg.append(label, bar, val);
  });
  return svg;
}

function renderClarify(a, question) {
  const c = a.clarification || {};
  const frag = el("div", { class: "clarify" });
  frag.append(el("p", {}, c.message || "这个问题有部分没能理解。"));
  const chips = el("ul", { class: "chips" });
  let replaced = false;
  // A suggestion for an unknown span replaces that span in the question.
  const chars = Array.from(question);
  for (const u of c.unknown || []) {
    for (const s of u.suggestions || []) {
      replaced = true;
      const fixed = chars.slice(0, u.span.start).join("") + s + chars.slice(u.span.end).join("");
      chips.append(el("li", {}, el("button", { type: "button", class: "chip", title: fixed, onclick: () => ask(fixed) }, s)));
    }
  }
  if (!replaced) {
    for (const s of c.suggestions || []) {
      chips.append(el("li", {}, el("button", { type: "button", class: "chip", onclick: () => ask(s) }, s)));
    }
  }
  frag.append(chips);
  return frag;
}

// loadHistory lists the user's conversations (kept by the server: a reload
// or another browser shows them); opening one shows its questions and
// continues it.
async function loadHistory() {
  try {
    const h = await api("/api/v1/conversations");
    $("history").replaceChildren(...(h.conversations || []).slice(0, 15).map((c) => el("li", {},
      el("button", { type: "button", onclick: () => openConversation(c.id) }, c.first_question),
      el("span", { class: "size" }, c.turns + " 问"))));
  } catch (e) { /* no app database (the command line): no history */ }
}

async function openConversation(id) {
  const c = await api("/api/v1/conversations/" + encodeURIComponent(id));
  addMessage(el("div", { class: "msg bot hint" }, "已打开历史对话，可以接着问。"));
  for (const t of c.turns) {
    addMessage(el("div", { class: "msg user" }, t.question));
    addMessage(el("div", { class: "msg bot hint history-turn" }, t.status === "ok" ? "（当时已回答）" : "（当时需要澄清" + (t.unknown && t.unknown[0] ? "：「" + t.unknown[0] + "」" : "") + "）"));
  }
  state.conversation = id;
}

async function loadPanel() {
  try {
    const cat = await api("/api/v1/catalog");
    $("asof").textContent = "数据截至 " + cat.as_of;
    $("examples").replaceChildren(...cat.examples.map((q) => el("li", {}, el("button", { type: "button", onclick: () => ask(q) }, q))));
    const seg = await api("/api/v1/segments");
    for (const [id, list] of [["rfm", seg.rfm], ["lifecycle", seg.lifecycle], ["tags", seg.tags || []]]) {
      $(id).replaceChildren(...list.map((s) => el("li", {},
        el("button", { type: "button", class: "name", onclick: () => ask(s.name + "有哪些") }, s.name),
        el("span", { class: "size" }, fmt(s.customers) + " 人"),
        el("div", { class: "def" }, s.definition))));
    }
  } catch (e) {
    $("examples").replaceChildren(el("li", { class: "unknown" }, e.message));
  }
  loadHistory();
}

document.addEventListener("DOMContentLoaded", () => {
  $("apiKey").value = state.key;
  $("apiKey").addEventListener("change", (e) => { state.key = e.target.value.trim(); sessionStorage.setItem("chatbi.key", state.key); $("keyBox").hidden = !!state.key; loadPanel(); });
  $("askForm").addEventListener("submit", (e) => { e.preventDefault(); const q = $("question").value; $("question").value = ""; ask(q); });
  $("question").addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); $("askForm").requestSubmit(); } });
  $("newConv").addEventListener("click", () => { state.conversation = ""; addMessage(el("div", { class: "msg bot hint" }, "已开始新的对话。")); });
  $("togglePanel").addEventListener("click", () => { const open = $("panel").classList.toggle("open"); $("togglePanel").setAttribute("aria-expanded", open); });
  loadPanel();
});
