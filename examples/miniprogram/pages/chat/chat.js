// The chat page: asks /v1/chat/stream where the runtime can read chunks, /v1/chat
// otherwise, and shows the answer with its citations. wx.request calls `success` for
// every HTTP status, so each handler checks res.statusCode itself.
const config = require("../../config.js");
const { createEventStream, decodeUtf8 } = require("../../utils/sse.js");

// What the service sends (its OpenAPI schema has the full shapes) and what the page shows.
/**
 * @typedef {{measure: number, label: string, title: string, quote: string}} Citation
 * @typedef {{id: string, label: string}} Audience
 * @typedef {{answer: string, citations: Citation[], grounded: boolean, suggestions: string[],
 *   persona: Audience[]}} ChatReply
 * @typedef {{error?: {code: string, message: string}}} ErrorBody
 * @typedef {{role: "user" | "assistant", content: string}} Turn
 * @typedef {{message: string, history: Turn[], persona?: string}} ChatRequest
 * @typedef {Citation & {open: boolean}} CitationChip
 * @typedef {{id: number, role: "user", text: string}} UserMessage
 * @typedef {{id: number, role: "bot", text: string, pending: boolean, grounded: boolean,
 *   citations: CitationChip[], suggestions: string[], error: string, question: string}} BotMessage
 * @typedef {{heading: string, section: string, sentences: string[], error: string}} Sheet
 * @typedef {{messages: (UserMessage | BotMessage)[], input: string, busy: boolean,
 *   welcome: string[], lastId: string, sheet: Sheet | null, persona: string}} ChatData
 * @typedef {WechatMiniprogram.IAnyObject} AnyObject
 */
/**
 * @template {AnyObject} Dataset
 * @typedef {WechatMiniprogram.BaseEvent<AnyObject, Dataset>} Tap a tap on an element with data-* fields
 */

function headers() {
  return { "Content-Type": "application/json", "X-Client-Id": getApp().globalData.clientId };
}

// A response body as an object: wx.request hands over an object, a string or bytes.
/**
 * @param {string | AnyObject | ArrayBuffer | undefined} data
 * @returns {any} the parsed JSON, or null
 */
function parseBody(data) {
  let text = data;
  if (data instanceof ArrayBuffer) text = decodeUtf8(new Uint8Array(data));
  if (typeof text !== "string") return data || null;
  try {
    return JSON.parse(text);
  } catch (error) {
    return null;
  }
}

/**
 * @param {number} statusCode 0 when there was no response
 * @param {ErrorBody | null} body
 */
function problemText(statusCode, body) {
  let headline = "请求没有成功，请重试。";
  if (statusCode === 0) headline = "网络连接失败，请检查网络后重试。";
  else if (statusCode === 429) headline = "提问太频繁了，请稍等片刻再试。";
  else if (statusCode >= 500) headline = "服务暂时出了点问题，请稍后重试。";
  const detail = body && body.error ? body.error : null;
  return detail && detail.message ? `${headline}\n${detail.message}（${detail.code}）` : headline;
}

/**
 * @param {Citation} citation
 * @returns {CitationChip}
 */
function citationChip(citation) {
  return {
    measure: citation.measure,
    label: citation.label,
    title: citation.title,
    quote: citation.quote,
    open: false,
  };
}

let nextId = 0;

Page({
  data: /** @type {ChatData} */ ({ messages: [], input: "", busy: false, welcome: [], lastId: "",
    sheet: null, persona: "" }),
  history: /** @type {Turn[]} */ ([]),
  // What the requests say about who the person is: null lets the service read it from what
  // they said in the history; "" is cleared (✕) until they say who they are again.
  chosen: /** @type {string | null} */ (null),

  onLoad() {
    this.loadSuggestions();
  },

  loadSuggestions() {
    wx.request({
      url: `${config.apiBase}/v1/suggestions`,
      header: headers(),
      timeout: config.timeoutMs,
      success: (res) => {
        const listing = res.statusCode === 200 ? parseBody(res.data) : null;
        if (listing) this.setData({ welcome: listing.suggestions });
      },
    });
  },

  /** @param {WechatMiniprogram.Input} event */
  onInput(event) {
    this.setData({ input: event.detail.value });
  },

  onSend() {
    const message = this.data.input.trim();
    if (!message || this.data.busy) return;
    this.setData({ input: "" });
    this.ask(message);
  },

  /** @param {Tap<{question: string}>} event */
  onSuggestion(event) {
    this.ask(event.currentTarget.dataset.question);
  },

  /** @param {string} message */
  ask(message) {
    if (this.data.busy) return;
    nextId += 1;
    const index = this.data.messages.length;
    this.setData({ [`messages[${index}]`]: { id: nextId, role: "user", text: message } });
    this.answer(message);
  },

  /** @param {string} message */
  answer(message) {
    nextId += 1;
    const index = this.data.messages.length;
    this.setData({
      [`messages[${index}]`]: { id: nextId, role: "bot", text: "正在查找相关措施…", pending: true,
        grounded: true, citations: [], suggestions: [], error: "", question: message },
      busy: true,
      lastId: `m${nextId}`,
    });
    /** @type {ChatRequest} */
    const body = { message, history: this.history.slice(-config.historyTurns) };
    if (this.chosen !== null) body.persona = this.chosen;
    if (wx.canIUse("request.object.enableChunked")) this.streamAnswer(index, body);
    else this.plainAnswer(index, body);
  },

  /**
   * @param {number} index
   * @param {ChatRequest} body
   */
  streamAnswer(index, body) {
    let settled = false;
    let text = "";
    /** @param {() => void} work */
    const settle = (work) => {
      if (settled) return;
      settled = true;
      work();
    };
    const stream = createEventStream((event) => {
      if (settled) return;
      if (event.event === "citations") {
        /** @type {{citations: Citation[]}} */
        const sources = JSON.parse(event.data);
        this.setData({ [`messages[${index}].citations`]: sources.citations.map(citationChip),
          [`messages[${index}].pending`]: false, [`messages[${index}].text`]: text });
      } else if (event.event === "delta") {
        text += JSON.parse(event.data).text;
        this.setData({ [`messages[${index}].text`]: text, [`messages[${index}].pending`]: false });
      } else if (event.event === "done") {
        settle(() => this.finish(index, body, JSON.parse(event.data)));
      } else if (event.event === "error") {
        settle(() => this.fail(index, 500, JSON.parse(event.data)));
      }
    });
    const task = wx.request({
      url: `${config.apiBase}/v1/chat/stream`,
      method: "POST",
      data: body,
      header: headers(),
      timeout: config.timeoutMs,
      enableChunked: true,
      responseType: "arraybuffer",
      success: (res) => {
        if (res.statusCode === 200) stream.end();
        if (res.statusCode === 404 || res.statusCode === 405) {
          // a server without streaming: ask the plain endpoint
          settle(() => this.plainAnswer(index, body));
        } else if (res.statusCode !== 200) {
          const errorBody = parseBody(res.data) || parseBody(stream.text());
          settle(() => this.fail(index, res.statusCode, errorBody));
        } else {
          settle(() => this.fail(index, 0, null)); // the stream ended before its answer
        }
      },
      fail: () => settle(() => this.fail(index, 0, null)),
    });
    task.onChunkReceived((res) => stream.feed(res.data));
  },

  /**
   * @param {number} index
   * @param {ChatRequest} body
   */
  plainAnswer(index, body) {
    wx.request({
      url: `${config.apiBase}/v1/chat`,
      method: "POST",
      data: body,
      header: headers(),
      timeout: config.timeoutMs,
      success: (res) => {
        const parsed = parseBody(res.data);
        if (res.statusCode === 200 && parsed) this.finish(index, body, parsed);
        else this.fail(index, res.statusCode, parsed);
      },
      fail: () => this.fail(index, 0, null),
    });
  },

  /**
   * @param {number} index
   * @param {ChatRequest} body
   * @param {ChatReply} reply
   */
  finish(index, body, reply) {
    this.history.push({ role: "user", content: body.message }, { role: "assistant", content: reply.answer });
    // a persona cleared while the answer was on its way stays cleared
    const sent = body.persona === undefined ? null : body.persona;
    if (sent === this.chosen) this.showPersona(reply.persona || []);
    this.setData({
      [`messages[${index}].text`]: reply.answer,
      [`messages[${index}].pending`]: false,
      [`messages[${index}].grounded`]: reply.grounded,
      [`messages[${index}].citations`]: reply.citations.map(citationChip),
      [`messages[${index}].suggestions`]: reply.suggestions,
      busy: false,
    });
  },

  /** @param {Audience[]} persona the audiences the answer was ranked for */
  showPersona(persona) {
    if (persona.length) this.chosen = null; // they said who they are: the history says it now
    this.setData({ persona: persona.map((audience) => audience.label).join("、") });
  },

  onClearPersona() {
    this.chosen = "";
    this.setData({ persona: "" });
  },

  /**
   * @param {number} index
   * @param {number} statusCode 0 when there was no response
   * @param {ErrorBody | null} body
   */
  fail(index, statusCode, body) {
    this.setData({
      [`messages[${index}].text`]: "",
      [`messages[${index}].citations`]: [], // a stream may have sent them before it failed
      [`messages[${index}].pending`]: false,
      [`messages[${index}].error`]: problemText(statusCode, body),
      busy: false,
    });
  },

  /** @param {Tap<{index: number}>} event */
  onRetry(event) {
    const index = event.currentTarget.dataset.index;
    const failed = this.data.messages[index];
    if (failed.role !== "bot") return;
    this.setData({ messages: this.data.messages.slice(0, index) });
    this.answer(failed.question);
  },

  /** @param {Tap<{msg: number, cite: number}>} event */
  onToggleCitation(event) {
    const { msg, cite } = event.currentTarget.dataset;
    const message = this.data.messages[msg];
    if (message.role !== "bot") return;
    const path = `messages[${msg}].citations[${cite}].open`;
    this.setData({ [path]: !message.citations[cite].open });
  },

  /** @param {Tap<{measure: number}>} event */
  onShowMeasure(event) {
    const number = event.currentTarget.dataset.measure;
    this.setData({ sheet: { heading: "正在加载…", section: "", sentences: [], error: "" } });
    wx.request({
      url: `${config.apiBase}/v1/measures/${number}`,
      header: headers(),
      timeout: config.timeoutMs,
      success: (res) => {
        const measure = parseBody(res.data);
        if (res.statusCode !== 200 || !measure) {
          this.setData({ "sheet.error": problemText(res.statusCode, measure) });
          return;
        }
        this.setData({ sheet: { heading: `${measure.label}${measure.title}`,
          section: measure.section, sentences: measure.sentences, error: "" } });
      },
      fail: () => this.setData({ "sheet.error": problemText(0, null) }),
    });
  },

  onCloseMeasure() {
    this.setData({ sheet: null });
  },
});
