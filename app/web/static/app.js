"use strict";
// The chat page. Everything the server sends is put on the page with textContent.
(() => {
  const TIMEOUT_MS = 30000; // also the longest silence tolerated inside a stream
  const HISTORY_TURNS = 10;
  const $ = (id) => document.getElementById(id);
  const history = [];
  const measureCache = new Map();
  let busy = false;
  let turnCount = 0;
  let measureList = null;

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  // ---- requests: every one has a deadline, every failure becomes a RequestError
  class RequestError extends Error {
    constructor(kind, { status = 0, code = "", detail = "", retryAfter = "" } = {}) {
      super(kind);
      Object.assign(this, { kind, status, code, detail, retryAfter });
    }
  }

  function deadline(ms = TIMEOUT_MS) {
    const controller = new AbortController();
    let timer;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(), ms);
    };
    arm();
    return { signal: controller.signal, arm, clear: () => clearTimeout(timer) };
  }

  function asRequestError(error, signal) {
    if (error instanceof RequestError) return error;
    return new RequestError(signal.aborted ? "timeout" : "network");
  }

  async function httpError(response) {
    let body = {};
    try {
      body = await response.json();
    } catch (_) {
      // a proxy's HTML error page: the status says enough
    }
    const error = (body && body.error) || {};
    return new RequestError("http", {
      status: response.status,
      code: error.code || "",
      detail: typeof error.message === "string" ? error.message : "",
      retryAfter: response.headers.get("Retry-After") || "",
    });
  }

  async function getJSON(url) {
    const timer = deadline();
    try {
      const response = await fetch(url, { signal: timer.signal });
      if (!response.ok) throw await httpError(response);
      return await response.json();
    } catch (error) {
      throw asRequestError(error, timer.signal);
    } finally {
      timer.clear();
    }
  }

  function headline(error) {
    if (error.kind === "timeout") return "等待太久没有回应，请检查网络后重试。";
    if (error.kind === "network") return "网络连接失败，请检查网络后重试。";
    if (error.status === 429 || error.code === "rate_limited") {
      const wait = /^\d+$/.test(error.retryAfter) ? `约 ${error.retryAfter} 秒后` : "稍等片刻";
      return `提问太频繁了，请${wait}再试。`;
    }
    if (error.status >= 500 || error.code === "internal_error") {
      return "服务暂时出了点问题，请稍后重试。";
    }
    if (error.status === 422) return "这个问题没能提交，请修改后再试。";
    return "请求没有成功，请重试。";
  }

  function errorBox(error, retry) {
    const box = el("div", { class: "error", role: "alert" }, el("p", { class: "error-title" }, headline(error)));
    const showDetail = error.detail && error.status > 0 && error.status < 500;
    if (showDetail) box.append(el("p", { class: "error-detail" }, error.detail));
    const again = () => {
      box.remove();
      retry();
    };
    box.append(el("button", { type: "button", class: "retry", onclick: again }, "重试"));
    return box;
  }

  // ---- chat
  const log = $("log");
  const scrollDown = () => {
    log.scrollTop = log.scrollHeight;
  };

  function chips(questions, className = "chips") {
    const row = el("div", { class: className });
    for (const question of questions) {
      row.append(el("button", { type: "button", class: "chip", onclick: () => ask(question) }, question));
    }
    return row;
  }

  function citationList(citations) {
    const turn = ++turnCount;
    const list = el("div", { class: "citations" });
    citations.forEach((citation, index) => {
      const id = `quote-${turn}-${index}`;
      const panel = el(
        "div",
        { class: "quote", id, hidden: "" },
        el("blockquote", {}, citation.quote),
        el("button", { type: "button", class: "link", onclick: () => openMeasure(citation.measure) },
          `查看第${citation.label}条全文`),
      );
      const chip = el("button", { type: "button", class: "cite", "aria-expanded": "false", "aria-controls": id },
        `${citation.label}${citation.title}`);
      chip.addEventListener("click", () => {
        const open = chip.getAttribute("aria-expanded") === "true";
        chip.setAttribute("aria-expanded", String(!open));
        panel.hidden = open;
        if (!open) panel.scrollIntoView({ block: "nearest" });
      });
      list.append(chip, panel);
    });
    return list;
  }

  function answerBubble() {
    const text = el("p", { class: "answer-text" }, "正在查找相关措施…");
    const root = el("div", { class: "msg bot pending" }, text);
    log.append(root);
    scrollDown();
    const started = () => {
      if (root.classList.contains("pending")) {
        root.classList.remove("pending");
        text.textContent = "";
      }
    };
    return { root, text, started, cited: null };
  }

  function showCitations(turn, citations) {
    turn.started();
    const list = citationList(citations);
    if (turn.cited) turn.cited.replaceWith(list);
    else turn.root.append(list);
    turn.cited = list;
  }

  function showResult(turn, result) {
    turn.started();
    turn.text.textContent = result.answer;
    if (result.citations.length) showCitations(turn, result.citations);
    else if (turn.cited) turn.cited.remove();
    if (!result.grounded) turn.root.classList.add("not-covered");
    if (result.suggestions.length) {
      // a declined question's answer already ends by offering these
      if (result.grounded) turn.root.append(el("p", { class: "more" }, "您还可以问："));
      turn.root.append(chips(result.suggestions));
    }
    scrollDown();
  }

  function parseEvent(block) {
    let type = "message";
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith("event:")) type = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    return data.length ? { type, data: JSON.parse(data.join("\n")) } : null;
  }

  async function readStream(response, turn, timer) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder("utf-8");
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      timer.arm();
      buffer += decoder.decode(value || new Uint8Array(0), { stream: !done });
      const blocks = buffer.split(/\r?\n\r?\n/);
      buffer = done ? "" : blocks.pop();
      for (const block of blocks) {
        const event = parseEvent(block);
        if (!event) continue;
        if (event.type === "citations") showCitations(turn, event.data.citations);
        else if (event.type === "delta") {
          turn.started();
          turn.text.textContent += event.data.text;
          scrollDown();
        } else if (event.type === "done") return event.data;
        else if (event.type === "error") {
          const error = event.data.error || {};
          throw new RequestError("http", { status: error.code === "rate_limited" ? 429 : 500,
            code: error.code || "", detail: error.message || "" });
        }
      }
      if (done) throw new RequestError("network"); // the stream ended before its answer
    }
  }

  async function fetchAnswer(message, turn) {
    const options = {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ message, history: history.slice(-HISTORY_TURNS) }),
    };
    const timer = deadline();
    try {
      const stream = await fetch("/v1/chat/stream", { ...options, signal: timer.signal });
      const type = stream.headers.get("Content-Type") || "";
      if (stream.ok && type.startsWith("text/event-stream")) return await readStream(stream, turn, timer);
      // a server without streaming answers 404 or 405: ask the plain endpoint instead
      if (!stream.ok && stream.status !== 404 && stream.status !== 405) throw await httpError(stream);
      timer.arm();
      const plain = await fetch("/v1/chat", { ...options, signal: timer.signal });
      if (!plain.ok) throw await httpError(plain);
      return await plain.json();
    } catch (error) {
      throw asRequestError(error, timer.signal);
    } finally {
      timer.clear();
    }
  }

  async function answer(message) {
    busy = true;
    $("send").disabled = true;
    log.setAttribute("aria-busy", "true");
    const turn = answerBubble();
    try {
      const result = await fetchAnswer(message, turn);
      showResult(turn, result);
      history.push({ role: "user", content: message }, { role: "assistant", content: result.answer });
    } catch (error) {
      turn.root.remove();
      log.append(errorBox(error, () => answer(message)));
      scrollDown();
    } finally {
      busy = false;
      $("send").disabled = false;
      log.setAttribute("aria-busy", "false");
    }
  }

  function ask(text) {
    const message = text.trim();
    if (busy || !message) return;
    showView("chat");
    log.append(el("div", { class: "msg user" }, el("p", {}, message)));
    answer(message);
  }

  // ---- the whole measure, in a dialog
  const dialog = $("measure-dialog");

  async function openMeasure(number) {
    $("measure-title").textContent = "正在加载…";
    $("measure-section").textContent = "";
    $("measure-source").textContent = "";
    const body = $("measure-body");
    body.replaceChildren();
    if (!dialog.open) dialog.showModal();
    try {
      if (!measureCache.has(number)) measureCache.set(number, await getJSON(`/v1/measures/${number}`));
      const measure = measureCache.get(number);
      $("measure-title").textContent = `${measure.label}${measure.title}`;
      $("measure-section").textContent = measure.section;
      body.replaceChildren(...measure.sentences.map((sentence) => el("p", {}, sentence)));
      $("measure-source").textContent = `出自《${measure.doc_title}》`;
    } catch (error) {
      $("measure-title").textContent = "没能打开这条措施";
      body.replaceChildren(errorBox(error, () => openMeasure(number)));
    }
  }

  $("measure-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close(); // a tap on the backdrop
  });

  function measureItems(measures) {
    return el("ul", { class: "measures" }, ...measures.map((measure) =>
      el("li", {}, el("button", { type: "button", class: "measure", onclick: () => openMeasure(measure.measure) },
        el("span", { class: "label" }, measure.label), el("span", {}, measure.title)))));
  }

  // ---- browsing and "我是…"
  async function loadMeasures(target, render) {
    try {
      measureList = measureList || (await getJSON("/v1/measures"));
      render(measureList);
    } catch (error) {
      target.replaceChildren(errorBox(error, () => loadMeasures(target, render)));
    }
  }

  function renderBrowse({ measures }) {
    const sections = new Map();
    for (const measure of measures) {
      if (!sections.has(measure.section)) sections.set(measure.section, []);
      sections.get(measure.section).push(measure);
    }
    $("browse-list").replaceChildren(...[...sections].flatMap(([section, items]) =>
      [el("h2", { class: "sub" }, section), measureItems(items)]));
  }

  function renderAudiences({ audiences }) {
    $("audiences").replaceChildren(...audiences.map((audience) =>
      el("button", { type: "button", class: "chip", "aria-pressed": "false", "data-id": audience.id,
        onclick: (event) => pickAudience(audience, event.currentTarget) }, audience.label)));
  }

  async function pickAudience(audience, button) {
    for (const other of $("audiences").children) other.setAttribute("aria-pressed", String(other === button));
    const result = $("audience-result");
    result.replaceChildren(el("p", { class: "hint" }, "正在加载…"));
    try {
      const { measures } = await getJSON(`/v1/measures?audience=${encodeURIComponent(audience.id)}`);
      result.replaceChildren(el("h2", { class: "sub" }, `与「${audience.label}」相关的措施（${measures.length}条）`),
        measureItems(measures));
    } catch (error) {
      result.replaceChildren(errorBox(error, () => pickAudience(audience, button)));
    }
  }

  // ---- views
  const loaded = new Set();
  function showView(name) {
    for (const tab of document.querySelectorAll(".tab")) {
      const active = tab.dataset.view === name;
      tab.setAttribute("aria-pressed", String(active));
      $(`view-${tab.dataset.view}`).hidden = !active;
    }
    if (loaded.has(name)) return;
    loaded.add(name);
    if (name === "browse") loadMeasures($("browse-list"), renderBrowse);
    if (name === "audience") loadMeasures($("audiences"), renderAudiences);
  }

  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => showView(tab.dataset.view));
  }

  $("ask").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("question");
    if (busy || !input.value.trim()) return;
    ask(input.value);
    input.value = "";
  });

  async function loadSuggestions() {
    const target = $("suggestions");
    try {
      const { suggestions } = await getJSON("/v1/suggestions");
      target.replaceChildren(...chips(suggestions).children);
    } catch (error) {
      target.replaceChildren(errorBox(error, loadSuggestions));
    }
  }

  loaded.add("chat");
  loadSuggestions();
})();
