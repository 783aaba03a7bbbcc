// The chat page in miniprogram-simulate, asking the real service through wx.request.
// POLICYBOT_URL names a running service; unset, one is started for these tests.
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const http = require("node:http");
const { launchApp, openPage, tick } = require("./wechat.js");
const { createRequestBridge } = require("./request-bridge.js");
const { startService } = require("./service.js");
const config = require("../config.js");

const QUESTION = "我家老人需要长期护理，有什么养老服务？";
const ELDERCARE = "（六）提升家政和银发服务消费品质";
const SERVER_FAULT = "something went wrong on our side; please try again";
const SHOWN_FAULT = `服务暂时出了点问题，请稍后重试。\n${SERVER_FAULT}（internal_error）`;

let service;
let faulty;

// A stand-in for a service in trouble: answers every request with `faulty.reply`.
function startFaultyService() {
  return new Promise((resolve) => {
    const state = { reply: null, url: "", close: null };
    const server = http.createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        const { status, headers, body } = state.reply;
        response.writeHead(status, headers);
        response.end(body);
      });
    });
    server.listen(0, "127.0.0.1", () => {
      state.url = `http://127.0.0.1:${server.address().port}`;
      state.close = () => new Promise((done) => server.close(done));
      resolve(state);
    });
  });
}

// The service's error body, as app/errors.py writes it.
function errorReply(status, code, message, headers = {}) {
  const body = JSON.stringify({ error: { code, message } });
  return { status, headers: { "content-type": "application/json", ...headers }, body };
}

// What the service itself answers, asked directly: the page must show the same. `message`
// is the question, or the whole request body.
function askService(path, message) {
  return new Promise((resolve, reject) => {
    const method = message === undefined ? "GET" : "POST";
    const headers = { "content-type": "application/json" };
    const request = http.request(`${service.url}${path}`, { method, headers, timeout: 10_000 }, (response) => {
      const parts = [];
      response.on("data", (part) => parts.push(part));
      response.on("end", () => resolve(JSON.parse(Buffer.concat(parts).toString("utf8"))));
    });
    request.on("timeout", () => request.destroy(new Error(`${path} timed out`)));
    request.on("error", reject);
    if (message !== undefined) request.write(JSON.stringify(typeof message === "string" ? { message } : message));
    request.end();
  });
}

before(async () => {
  service = await startService();
  faulty = await startFaultyService();
}, { timeout: 300_000 });

after(async () => {
  if (faulty) await faulty.close();
  if (service) await service.stop();
});

// A fresh app launch and chat page whose wx.request reaches `upstream` (the real service
// unless a test says otherwise).
async function open({ upstream = service.url, chunked = true, onChunkDelivered } = {}) {
  const app = launchApp();
  const bridge = createRequestBridge({ origin: config.apiBase, upstream, onChunkDelivered });
  wx.request = bridge.request;
  wx.canIUse = (schema) => schema !== "request.object.enableChunked" || chunked;
  const page = openPage("chat");
  await bridge.idle(); // the welcome suggestions
  return { app, bridge, page };
}

async function tap(page, bridge, selector) {
  const target = page.querySelector(selector);
  assert.ok(target, `nothing to tap at ${selector}`);
  target.dispatchEvent("tap");
  await tick();
  await bridge.idle();
}

async function send(page, bridge, question) {
  page.querySelector(".question").dispatchEvent("input", { detail: { value: question } });
  await tick();
  await tap(page, bridge, ".send");
}

const texts = (elements) => [...elements].map((element) => element.textContent.trim());
const pathOf = (entry) => entry.url.slice(config.apiBase.length);

// The conversation as the page renders it (the simulator prefixes its classes with "main--").
function shown(page) {
  return [...page.dom.querySelectorAll(".main--msg")].map((element) => ({
    role: element.classList.contains("main--user") ? "user" : "bot",
    text: element.querySelector(":scope > wx-text")?.textContent ?? "",
    citations: texts(element.querySelectorAll(".main--cite")),
    error: element.querySelector(".main--error > wx-text")?.textContent ?? "",
    retry: element.querySelector(".main--retry") !== null,
  }));
}

const asked = (text) => ({ role: "user", text, citations: [], error: "", retry: false });
const answered = (text, citations) => ({ role: "bot", text, citations, error: "", retry: false });
const failed = (error) => ({ role: "bot", text: "", citations: [], error, retry: true });

test("a typed question streams the real answer, cut anywhere, with its （六） citation", async () => {
  const expected = await askService("/v1/chat", QUESTION);
  const during = [];
  const { page, bridge } = await open({ onChunkDelivered: () => during.push(shown(page)[1]) });
  await send(page, bridge, QUESTION);

  assert.deepEqual(shown(page), [asked(QUESTION), answered(expected.answer, [ELDERCARE])]);
  assert.match(expected.answer, /护理型床位/);
  assert.equal(page.data.busy, false);
  assert.equal(page.data.input, "");

  const stream = bridge.log.find((entry) => pathOf(entry) === "/v1/chat/stream");
  assert.equal(stream.statusCode, 200);
  assert.ok(stream.chunks.length > 50, `${stream.chunks.length} chunks`);
  assert.ok(stream.cutInsideCharacter > 0, "no chunk ended inside a character");
  // the citation and the first words were on screen before the answer was complete
  const partial = during.find((message) =>
    message.citations.length && message.text && message.text !== expected.answer);
  assert.ok(partial, "the answer only appeared at the end");
  assert.ok(expected.answer.startsWith(partial.text));
  assert.deepEqual(partial.citations, [ELDERCARE]);
});

test("the next question sends the answered turn as history", async () => {
  const { page, bridge } = await open();
  await send(page, bridge, QUESTION);
  const first = shown(page)[1].text;
  await send(page, bridge, "第十二条讲的是什么？");

  const streams = bridge.log.filter((entry) => pathOf(entry) === "/v1/chat/stream");
  assert.deepEqual(streams.map((entry) => entry.data), [
    { message: QUESTION, history: [] },
    {
      message: "第十二条讲的是什么？",
      history: [{ role: "user", content: QUESTION }, { role: "assistant", content: first }],
    },
  ]);
  const reply = shown(page)[3];
  assert.match(reply.citations[0], /^（十二）/);
  assert.match(reply.text, /第（十二）条/);
});

test("a question the document does not cover is shown as such, with questions to try", async () => {
  const question = "上海明天会下雨吗？";
  const expected = await askService("/v1/chat", question);
  const { page, bridge } = await open();
  await send(page, bridge, question);

  assert.equal(expected.grounded, false);
  assert.deepEqual(shown(page)[1], answered(expected.answer, []));
  const reply = page.dom.querySelectorAll(".main--msg")[1];
  assert.ok(reply.classList.contains("main--not-covered"));
  assert.equal(reply.querySelector(".main--more > wx-text").textContent, "试试这些问题：");
  assert.deepEqual(texts(reply.querySelectorAll(".main--more .main--chip")), expected.suggestions);
  assert.ok(expected.suggestions.length > 0);
});

const failures = [
  {
    status: 429,
    reply: errorReply(429, "rate_limited", "too many requests: try again in 7 s", { "retry-after": "7" }),
    shows: "提问太频繁了，请稍等片刻再试。\ntoo many requests: try again in 7 s（rate_limited）",
  },
  { status: 500, reply: errorReply(500, "internal_error", SERVER_FAULT), shows: SHOWN_FAULT },
];

for (const failure of failures) {
  test(`a ${failure.status} is shown with the server's reason, and 重试 then gets the answer`, async () => {
    faulty.reply = failure.reply;
    const { page, bridge } = await open({ upstream: faulty.url });
    await send(page, bridge, QUESTION);

    assert.deepEqual(shown(page), [asked(QUESTION), failed(failure.shows)]);
    assert.equal(page.data.busy, false);

    bridge.upstream = service.url; // the service is well again
    await tap(page, bridge, ".retry");
    const expected = await askService("/v1/chat", QUESTION);
    assert.deepEqual(shown(page), [asked(QUESTION), answered(expected.answer, [ELDERCARE])]);
    const streams = bridge.log.filter((entry) => pathOf(entry) === "/v1/chat/stream");
    assert.deepEqual(streams.map((entry) => [entry.upstream, entry.statusCode, entry.data]), [
      [faulty.url, failure.status, { message: QUESTION, history: [] }],
      [service.url, 200, { message: QUESTION, history: [] }],
    ]);
  });
}

test("an error event after the answer began replaces it with the error", async () => {
  const citation = { measure: 6, label: "（六）", title: "提升家政和银发服务消费品质", quote: "……" };
  const events = [
    ["citations", { citations: [citation], grounded: true }],
    ["delta", { text: "根据第（六）条" }],
    ["error", { error: { code: "internal_error", message: SERVER_FAULT } }],
  ];
  faulty.reply = {
    status: 200,
    headers: { "content-type": "text/event-stream" },
    body: events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join(""),
  };
  const { page, bridge } = await open({ upstream: faulty.url });
  await send(page, bridge, QUESTION);

  assert.deepEqual(shown(page)[1], failed(SHOWN_FAULT)); // no sources of an answer not given
});

test("a request that reaches no service says the network failed", async () => {
  const closed = await startFaultyService();
  await closed.close(); // nothing listens on its port any more
  const { page, bridge } = await open({ upstream: closed.url });
  await send(page, bridge, QUESTION);

  assert.match(bridge.log.at(-1).errMsg, /^request:fail /);
  assert.deepEqual(shown(page)[1], failed("网络连接失败，请检查网络后重试。"));
});

test("where chunks cannot be read the page asks /v1/chat and shows the same answer", async () => {
  const expected = await askService("/v1/chat", QUESTION);
  const { page, bridge } = await open({ chunked: false });
  await send(page, bridge, QUESTION);

  assert.deepEqual(bridge.log.map(pathOf), ["/v1/suggestions", "/v1/chat"]);
  assert.deepEqual(shown(page)[1], answered(expected.answer, [ELDERCARE]));
});

test("a service without the stream endpoint (404) is asked on /v1/chat instead", async () => {
  faulty.reply = errorReply(404, "not_found", "no such endpoint");
  const expected = await askService("/v1/chat", QUESTION);
  const { page, bridge } = await open();
  bridge.upstream = (path) => (path === "/v1/chat/stream" ? faulty.url : service.url);
  await send(page, bridge, QUESTION);

  const requests = bridge.log.slice(1).map((entry) => [pathOf(entry), entry.statusCode]);
  assert.deepEqual(requests, [["/v1/chat/stream", 404], ["/v1/chat", 200]]);
  assert.deepEqual(shown(page)[1], answered(expected.answer, [ELDERCARE]));
});

test("the welcome questions are the service's suggestions, and a tap asks one", async () => {
  const { suggestions } = await askService("/v1/suggestions");
  const { page, bridge } = await open();
  assert.deepEqual(texts(page.dom.querySelectorAll(".main--welcome .main--chip")), suggestions);
  assert.ok(suggestions.length > 0);

  await tap(page, bridge, ".welcome .chip");
  const [question, reply] = shown(page);
  assert.equal(question.text, suggestions[0]);
  assert.equal(reply.error, "");
  assert.ok(reply.citations.length > 0, "the suggested question got no citation");
});

test("a citation opens its quote, and the quote's link shows the whole measure", async () => {
  const expected = await askService("/v1/chat", QUESTION);
  const measure = await askService("/v1/measures/6");
  const { page, bridge } = await open();
  await send(page, bridge, QUESTION);

  assert.equal(page.dom.querySelector(".main--quote"), null);
  await tap(page, bridge, ".cite");
  assert.equal(page.dom.querySelector(".main--quote > wx-text").textContent, expected.citations[0].quote);

  await tap(page, bridge, ".link");
  assert.equal(pathOf(bridge.log.at(-1)), "/v1/measures/6");
  assert.equal(page.dom.querySelector(".main--sheet-title").textContent, ELDERCARE);
  assert.deepEqual(texts(page.dom.querySelectorAll(".main--sentence")), measure.sentences);
  assert.ok(measure.sentences.length > 1);

  await tap(page, bridge, ".close");
  assert.equal(page.dom.querySelector(".main--sheet"), null);
});

test("the app keeps one client id across launches and sends it with every request", async () => {
  const first = launchApp().globalData.clientId;
  const { app, page, bridge } = await open();
  await send(page, bridge, QUESTION);

  assert.match(first, /^[0-9a-f]{32}$/);
  assert.equal(app.globalData.clientId, first);
  assert.deepEqual(bridge.log.map((entry) => entry.header["X-Client-Id"]), [first, first]);
});

test("with a login backend the app sends the wx.login code and keeps a good id it returns", async () => {
  const stored = launchApp().globalData.clientId;
  const login = createRequestBridge({ origin: "https://login.example.com", upstream: faulty.url });
  wx.request = login.request;
  config.identityUrl = "https://login.example.com/policybot-id";
  const launch = async (body) => {
    faulty.reply = { status: 200, headers: { "content-type": "application/json" }, body };
    const app = launchApp();
    await new Promise((resolve) => setTimeout(resolve, 10)); // wx.login answers in a timer
    await login.idle();
    return app.globalData.clientId;
  };
  const good = "c2VydmVyLXNpZGUgaGFzaA==";
  try {
    assert.equal(await launch('{"client_id": "not a valid id!"}'), stored);
    assert.equal(await launch("plain text"), stored);
    assert.equal(await launch(JSON.stringify({ client_id: good })), good);
  } finally {
    config.identityUrl = "";
  }
  const sent = login.log.map((entry) => [entry.method, entry.data]);
  assert.deepEqual(sent, Array(3).fill(["POST", { code: "123456789" }]));
  assert.equal(launchApp().globalData.clientId, good, "the id was not kept");
});

test("a stated persona is shown, and its ✕ sends persona \"\" from then on", async () => {
  const { page, bridge } = await open();
  await send(page, bridge, "我们是开健身房的");
  assert.equal(page.dom.querySelector(".main--persona-text").textContent, "我是：体育爱好者");

  await tap(page, bridge, ".persona-clear");
  assert.equal(page.dom.querySelector(".main--persona"), null);
  await send(page, bridge, "有啥能用上的政策");
  await send(page, bridge, "再说说体育方面的");

  const sent = bridge.log.filter((entry) => pathOf(entry) === "/v1/chat/stream").map((entry) => entry.data);
  assert.ok(!("persona" in sent[0]));
  assert.deepEqual(sent.map((body) => body.persona), [undefined, "", ""]);
  assert.equal(page.dom.querySelector(".main--persona"), null);
  // the service answered the cleared requests for no one; without "" it reads the history
  assert.deepEqual((await askService("/v1/chat", sent[1])).persona, []);
  const { persona: unsaid, ...rest } = sent[1];
  assert.equal(unsaid, "");
  assert.deepEqual((await askService("/v1/chat", rest)).persona.map((audience) => audience.id), ["sports_fans"]);
});

test("saying who one is after clearing shows the new persona and lets the history speak", async () => {
  const { page, bridge } = await open({ chunked: false });
  await send(page, bridge, "我们是开健身房的");
  await tap(page, bridge, ".persona-clear");
  await send(page, bridge, "我们是开餐厅的");
  assert.equal(page.dom.querySelector(".main--persona-text").textContent, "我是：餐饮企业");
  await send(page, bridge, "有啥能用上的政策");

  const sent = bridge.log.filter((entry) => pathOf(entry) === "/v1/chat").map((entry) => entry.data.persona);
  assert.deepEqual(sent, [undefined, "", undefined]);
  assert.match(shown(page)[5].citations[0], /^（五）/);
});
