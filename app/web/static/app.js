"use strict";
// The chat page. Everything the server sends is put on the page with textContent.
(() => {
  const TIMEOUT_MS = 30000; // also the longest silence tolerated inside a stream
  const HISTORY_TURNS = 10;
  const $ = (id) => document.getElementById(id);
  const history = [];
  const measureCache = new Map(); // responses of /v1/measures/…, by URL
  let busy = false;
  let turnCount = 0;
  let measureList = null;
  let suggested = { zh: [], en: [] }; // /v1/suggestions: the welcome questions
  let documents = []; // /v1/documents: a filter is shown when there is more than one
  let narrowedTo = ""; // the doc_id the person narrowed the answers to; "" for all

  // ---- the page's words, in Chinese and English (the server's own words are not here)
  const WORDS = {
    zh: {
      lang: "zh-CN",
      title: "上海服务消费政策问答",
      heading: "服务消费政策问答",
      source: "依据《关于进一步扩大上海服务消费的若干措施》",
      tabs: "功能",
      tab_chat: "问答",
      tab_browse: "全部措施",
      tab_audience: "我是…",
      welcome: "您好！想了解上海扩大服务消费的哪些措施？",
      welcome_more: "我只根据这份文件（2025年12月25日印发）的16条措施回答，并注明出处。点一个问题试试：",
      question: "您的问题",
      placeholder: "输入您的问题",
      send: "发送",
      persona_group: "您的身份",
      persona: (labels) => `我是：${labels.join("、")}`,
      persona_clear: "清除身份",
      browse_hint: "16条措施，按部分分组。点一条查看原文。",
      audience_hint: "选择您的身份，看看哪些措施与您相关；之后的回答也会照顾到这个身份。",
      audience_group: "身份",
      audience_result: (label, count) => `与「${label}」相关的措施（${count}条）`,
      close: "关闭",
      searching: "正在查找相关措施…",
      more: "您还可以问：",
      read_whole: (label) => `查看第${label}条全文`,
      loading: "正在加载…",
      measure_failed: "没能打开这条措施",
      from: (title) => `出自《${title}》`,
      retry: "重试",
      timeout: "等待太久没有回应，请检查网络后重试。",
      network: "网络连接失败，请检查网络后重试。",
      rate_limited: (seconds) => `提问太频繁了，请${seconds ? `约 ${seconds} 秒后` : "稍等片刻"}再试。`,
      server: "服务暂时出了点问题，请稍后重试。",
      invalid: "这个问题没能提交，请修改后再试。",
      failed: "请求没有成功，请重试。",
      sources: () => `依据${documents.length}份上海政策文件`,
      welcome_more_corpus: "我只根据这些政策文件回答，并注明出处。点一个问题试试：",
      document_filter: "文件",
      all_documents: "全部文件",
      superseded: (title) => `${title}（已被取代）`,
      browse_hint_document: "点一条查看原文。",
    },
    en: {
      lang: "en",
      title: "Shanghai service consumption policy Q&A",
      heading: "Shanghai policy Q&A",
      source: "From Shanghai's 16 measures on service consumption (2025)",
      tabs: "Sections",
      tab_chat: "Ask",
      tab_browse: "Measures",
      tab_audience: "I am…",
      welcome: "Hello! Which of Shanghai's measures on service consumption would you like to know about?",
      welcome_more: "I answer only from the 16 measures of this document (issued 25 December 2025) and " +
        "say which measure each answer rests on. Try a question:",
      question: "Your question",
      placeholder: "Type your question",
      send: "Send",
      persona_group: "Who you are",
      persona: (labels) => `You are: ${labels.join(", ")}`,
      persona_clear: "Clear who you are",
      browse_hint: "The 16 measures, grouped by part. Pick one to read it.",
      audience_hint: "Pick who you are to see the measures for you; answers will then keep it in mind.",
      audience_group: "Who you are",
      audience_result: (label, count) => `Measures for ${label} (${count})`,
      close: "Close",
      searching: "Looking for the measures…",
      more: "You could also ask:",
      read_whole: (label) => `Read measure ${label} in full`,
      loading: "Loading…",
      measure_failed: "Could not open this measure",
      from: (title) => `From 《${title}》`,
      retry: "Try again",
      timeout: "No reply for too long. Check your connection and try again.",
      network: "Could not connect. Check your connection and try again.",
      rate_limited: (seconds) => `Too many questions at once. Try again ${seconds ? `in about ${seconds} s` : "in a moment"}.`,
      server: "Something went wrong on our side. Please try again shortly.",
      invalid: "This question could not be sent. Change it and try again.",
      failed: "The request did not succeed. Please try again.",
      sources: () => `From ${documents.length} Shanghai policy documents`,
      welcome_more_corpus: "I answer only from these policy documents and say which measure each " +
        "answer rests on. Try a question:",
      document_filter: "Document",
      all_documents: "All documents",
      superseded: (title) => `${title} (superseded)`,
      browse_hint_document: "Pick one to read it.",
    },
  };
  const englishPreferred = () => {
    for (const tag of navigator.languages || [navigator.language]) {
      if (/^zh\b/i.test(tag)) return false;
      if (/^en\b/i.test(tag)) return true;
    }
    return false;
  };
  let language = englishPreferred() ? "en" : "zh";
  const t = (key, ...args) => {
    const word = WORDS[language][key];
    return typeof word === "function" ? word(...args) : word;
  };

  // The language a message is written in, by the service's own rule (core/question.py's
  // is_english): English when Latin letters outnumber Chinese characters two to one; null
  // when it has neither ("16"), which leaves the page as it is.
  function writtenIn(text) {
    const latin = (text.match(/[A-Za-z]/g) || []).length;
    const chinese = (text.match(/[\u4e00-\u9fff]/g) || []).length;
    if (latin > 2 * chinese) return "en";
    return chinese ? "zh" : null;
  }

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
    if (error.kind === "timeout") return t("timeout");
    if (error.kind === "network") return t("network");
    if (error.status === 429 || error.code === "rate_limited") {
      return t("rate_limited", /^\d+$/.test(error.retryAfter) ? error.retryAfter : "");
    }
    if (error.status >= 500 || error.code === "internal_error") return t("server");
    if (error.status === 422) return t("invalid");
    return t("failed");
  }

  function errorBox(error, retry) {
    const box = el("div", { class: "error", role: "alert" }, el("p", { class: "error-title" }, headline(error)));
    const showDetail = error.detail && error.status > 0 && error.status < 500;
    if (showDetail) box.append(el("p", { class: "error-detail" }, error.detail));
    const again = () => {
      box.remove();
      retry();
    };
    box.append(el("button", { type: "button", class: "retry", onclick: again }, t("retry")));
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
        el("blockquote", { lang: "zh-CN" }, citation.quote), // the document's own words
        el("button", { type: "button", class: "link", onclick: () => openMeasure(citation.url) },
          t("read_whole", labelOf(citation))),
      );
      const chip = el("button", { type: "button", class: "cite", "aria-expanded": "false", "aria-controls": id },
        headingOf(citation));
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
    const text = el("p", { class: "answer-text" }, t("searching"));
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
      if (result.grounded) turn.root.append(el("p", { class: "more" }, t("more")));
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

  async function fetchAnswer(message, turn, choice) {
    const request = { message, history: history.slice(-HISTORY_TURNS) };
    if (choice !== null) request.persona = choice;
    if (narrowedTo) request.document = narrowedTo;
    const options = {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(request),
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
    const choice = chosen;
    try {
      const result = await fetchAnswer(message, turn, choice);
      showResult(turn, result);
      // a persona cleared or picked while the answer was on its way stays as the person set it
      if (chosen === choice) personaReplied(result.persona || []);
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
    setLanguage(writtenIn(message) || language);
    showView("chat");
    log.append(el("div", { class: "msg user" }, el("p", {}, message)));
    answer(message);
  }

  // ---- the whole measure, in a dialog
  const dialog = $("measure-dialog");

  // `url`: the measure's own, as a citation or a listing gives it
  async function openMeasure(url) {
    $("measure-title").textContent = t("loading");
    $("measure-section").textContent = "";
    $("measure-source").textContent = "";
    const body = $("measure-body");
    body.replaceChildren();
    if (!dialog.open) dialog.showModal();
    try {
      if (!measureCache.has(url)) measureCache.set(url, await getJSON(url));
      const measure = measureCache.get(url);
      $("measure-title").textContent = headingOf(measure);
      $("measure-section").textContent = measure.section;
      body.replaceChildren(...measure.sentences.map((sentence) => el("p", { lang: "zh-CN" }, sentence)));
      $("measure-source").textContent = t("from", measure.doc_title);
    } catch (error) {
      $("measure-title").textContent = t("measure_failed");
      body.replaceChildren(errorBox(error, () => openMeasure(url)));
    }
  }

  $("measure-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close(); // a tap on the backdrop
  });

  // the measures of a list are the default document's, or of `doc_id`
  function measureItems(measures, docId = "") {
    const urlOf = (number) => (docId ? `/v1/documents/${encodeURIComponent(docId)}/measures/${number}`
      : `/v1/measures/${number}`);
    return el("ul", { class: "measures" }, ...measures.map((measure) =>
      el("li", {}, el("button", { type: "button", class: "measure", onclick: () => openMeasure(urlOf(measure.measure)) },
        el("span", { class: "label" }, labelOf(measure)), el("span", {}, titleOf(measure))))));
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

  function renderBrowse({ measures }, docId = "") {
    const sections = new Map();
    for (const measure of measures) {
      if (!sections.has(measure.section)) sections.set(measure.section, []);
      sections.get(measure.section).push(measure);
    }
    $("browse-list").replaceChildren(...[...sections].flatMap(([section, items]) =>
      [section ? el("h2", { class: "sub" }, section) : null, measureItems(items, docId)]));
  }

  // the measures of the document the person narrowed to, else the default document's
  async function loadBrowse() {
    const docId = narrowedTo;
    const target = $("browse-list");
    $("browse-hint").textContent = t(docId ? "browse_hint_document" : "browse_hint");
    if (!docId) return loadMeasures(target, renderBrowse);
    try {
      const url = `/v1/documents/${encodeURIComponent(docId)}/measures`;
      if (!measureCache.has(url)) measureCache.set(url, await getJSON(url));
      if (narrowedTo === docId) renderBrowse(measureCache.get(url), docId);
    } catch (error) {
      target.replaceChildren(errorBox(error, loadBrowse));
    }
  }

  // ---- the document filter, shown once the service holds more than one document
  async function loadDocuments() {
    try {
      ({ documents } = await getJSON("/v1/documents"));
    } catch (_) {
      documents = []; // without the list the page answers from every document, as before
    }
    showDocuments();
  }

  function showDocuments() {
    const several = documents.length > 1;
    $("documents").hidden = !several;
    if (!several) return;
    $("source").dataset.i18n = "sources";
    $("welcome-more").dataset.i18n = "welcome_more_corpus";
    $("source").textContent = t("sources");
    $("welcome-more").textContent = t("welcome_more_corpus");
    const titleOfDocument = (doc) => {
      const title = (language === "en" && doc.title_en) || doc.title;
      return doc.status === "superseded" ? t("superseded", title) : title;
    };
    $("document").replaceChildren(
      el("option", { value: "" }, t("all_documents")),
      ...documents.map((doc) => el("option", { value: doc.doc_id }, titleOfDocument(doc))),
    );
    $("document").value = narrowedTo;
  }

  $("document").addEventListener("change", (event) => {
    narrowedTo = event.target.value;
    if (loaded.has("browse")) loadBrowse();
  });

  function renderAudiences({ audiences }) {
    $("audiences").replaceChildren(...audiences.map((audience) =>
      el("button", { type: "button", class: "chip", "aria-pressed": "false", "data-id": audience.id,
        onclick: () => pickAudience(audience) }, labelOf(audience))));
    showPersona();
  }

  function pickAudience(audience) {
    setPersona([audience], audience.id);
    listAudience(audience);
  }

  let listed = null; // the audience whose measures are listed
  async function listAudience(audience) {
    listed = audience;
    const result = $("audience-result");
    result.replaceChildren(el("p", { class: "hint" }, t("loading")));
    try {
      const url = `/v1/measures?audience=${encodeURIComponent(audience.id)}`;
      if (!measureCache.has(url)) measureCache.set(url, await getJSON(url));
      const { measures } = measureCache.get(url);
      if (listed !== audience) return; // another was picked meanwhile
      result.replaceChildren(el("h2", { class: "sub" }, t("audience_result", labelOf(audience), measures.length)),
        measureItems(measures));
    } catch (error) {
      result.replaceChildren(errorBox(error, () => listAudience(audience)));
    }
  }

  // ---- who the person is: the persona the service ranks answers for
  // `chosen` is what the requests say: null lets the service read it from what the person
  // said in the history; "" is cleared; an audience id is one picked under 我是….
  let persona = [];
  let chosen = null;

  function setPersona(audiences, choice) {
    persona = audiences;
    chosen = choice;
    showPersona();
  }

  function personaReplied(audiences) {
    const ids = audiences.map((audience) => audience.id).join(" ");
    if (audiences.length && ids !== chosen) {
      setPersona(audiences, null); // they said who they are: from now on the history says it
    } else if (audiences.length || !chosen) {
      // a picked audience stays even when a reply names none (the document's own facts)
      setPersona(audiences, chosen);
    }
  }

  function showPersona() {
    $("persona").hidden = persona.length === 0;
    $("persona-text").textContent = persona.length ? t("persona", persona.map(labelOf)) : "";
    const ids = new Set(persona.map((audience) => audience.id));
    for (const button of $("audiences").querySelectorAll(".chip")) {
      button.setAttribute("aria-pressed", String(ids.has(button.dataset.id)));
    }
  }

  $("persona-clear").addEventListener("click", () => {
    setPersona([], "");
    $("question").focus(); // the button is gone; the person goes on typing
  });

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
    if (name === "browse") loadBrowse();
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
      const { suggestions, suggestions_en: english } = await getJSON("/v1/suggestions");
      suggested = { zh: suggestions, en: english || suggestions };
      showSuggestions();
    } catch (error) {
      target.replaceChildren(errorBox(error, loadSuggestions));
    }
  }

  function showSuggestions() {
    const questions = suggested[language];
    if (questions.length) $("suggestions").replaceChildren(...chips(questions).children);
  }

  // ---- the page in the person's language: what is on it already, and what comes next
  // audiences have a label_en; measures and citations a number, written as English answers
  // write it ("measure (16)"), and a title_en
  const labelOf = (item) =>
    language === "en" ? item.label_en || (item.measure ? `(${item.measure})` : item.label) : item.label;
  const titleOf = (measure) => (language === "en" && measure.title_en) || measure.title;
  const headingOf = (measure) => `${labelOf(measure)}${language === "en" ? " " : ""}${titleOf(measure)}`;

  function setLanguage(next) {
    if (next === language && document.documentElement.lang === t("lang")) return;
    language = next;
    document.documentElement.lang = t("lang");
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll("[data-i18n-label]")) {
      node.setAttribute("aria-label", t(node.dataset.i18nLabel));
    }
    for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
      node.setAttribute("placeholder", t(node.dataset.i18nPlaceholder));
    }
    showSuggestions();
    showPersona();
    showDocuments();
    if (loaded.has("browse")) loadBrowse();
    if (measureList && loaded.has("audience")) renderAudiences(measureList);
    if (listed) listAudience(listed);
  }

  loaded.add("chat");
  setLanguage(language);
  loadSuggestions();
  loadDocuments();
})();
