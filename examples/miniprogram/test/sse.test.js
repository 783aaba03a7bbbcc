// node --test examples/miniprogram/test/
const test = require("node:test");
const assert = require("node:assert/strict");
const { createUtf8Decoder, createEventStream, decodeUtf8 } = require("../utils/sse.js");

const encode = (text) => new TextEncoder().encode(text);

function split(bytes, sizes) {
  const pieces = [];
  let start = 0;
  for (const size of sizes) {
    pieces.push(bytes.slice(start, start + size).buffer);
    start += size;
  }
  pieces.push(bytes.slice(start).buffer);
  return pieces;
}

function collect(pieces) {
  const events = [];
  const stream = createEventStream((event) => events.push(event));
  for (const piece of pieces) stream.feed(piece);
  stream.end();
  return events;
}

test("decodes Chinese, symbols and emoji like TextDecoder", () => {
  const text = "（六）提升家政和银发服务消费品质 ¥100 👵 ok";
  assert.equal(decodeUtf8(encode(text)), text);
});

test("a character split across chunks at every byte offset comes out whole", () => {
  const text = "养老服务👵消费";
  const bytes = encode(text);
  for (let cut = 0; cut <= bytes.length; cut += 1) {
    const decoder = createUtf8Decoder();
    const decoded = decoder.decode(bytes.slice(0, cut).buffer, false) +
      decoder.decode(bytes.slice(cut).buffer, false) + decoder.decode(null, true);
    assert.equal(decoded, text, `cut at byte ${cut}`);
    assert.ok(!decoded.includes("\ufffd"));
  }
});

test("one-byte chunks decode to the same text", () => {
  const text = "持续发展助医陪诊、助浴、助行等养老服务新业态。";
  const bytes = encode(text);
  const decoder = createUtf8Decoder();
  let decoded = "";
  for (const byte of bytes) decoded += decoder.decode(Uint8Array.of(byte).buffer, false);
  assert.equal(decoded + decoder.decode(null, true), text);
});

test("malformed bytes become U+FFFD and a truncated end is flushed as one", () => {
  assert.equal(decodeUtf8(Uint8Array.of(0x61, 0xff, 0x62)), "a\ufffdb");
  assert.equal(decodeUtf8(Uint8Array.of(0xc0, 0x80)), "\ufffd\ufffd");
  const decoder = createUtf8Decoder();
  assert.equal(decoder.decode(Uint8Array.of(0x61, 0xe5, 0x85).buffer, false), "a");
  assert.equal(decoder.decode(null, true), "\ufffd\ufffd");
});

const body =
  'event: citations\ndata: {"citations":[{"measure":6,"label":"（六）"}],"grounded":true}\n\n' +
  'event: delta\ndata: {"text":"根据第（六）条"}\n\n' +
  'event: delta\ndata: {"text":"「提升家政和银发服务消费品质」"}\n\n' +
  ": a comment line keeps the connection open\n\n" +
  'event: done\ndata: {"answer":"根据第（六）条「提升家政和银发服务消费品质」","replaced":false}\n\n';

test("events split on blank lines, whatever the chunk boundaries", () => {
  const bytes = encode(body);
  const whole = collect([bytes.buffer]);
  assert.deepEqual(whole.map((event) => event.event), ["citations", "delta", "delta", "done"]);
  const texts = whole.filter((e) => e.event === "delta").map((e) => JSON.parse(e.data).text);
  assert.equal(texts.join(""), "根据第（六）条「提升家政和银发服务消费品质」");
  for (const size of [1, 2, 5, 7, 13, 64]) {
    const sizes = Array.from({ length: Math.ceil(bytes.length / size) }, () => size);
    assert.deepEqual(collect(split(bytes, sizes)), whole, `chunks of ${size} bytes`);
  }
});

test("CRLF framing and a final event without a blank line are read", () => {
  const events = collect([encode('event: delta\r\ndata: {"text":"好"}\r\n\r\nevent: done\r\ndata: {}').buffer]);
  assert.deepEqual(events, [{ event: "delta", data: '{"text":"好"}' }, { event: "done", data: "{}" }]);
});

test("the raw text is kept for an error body that arrived in chunks", () => {
  const stream = createEventStream(() => {});
  const bytes = encode('{"error":{"code":"rate_limited","message":"请稍后再试"}}');
  for (const piece of split(bytes, [10, 3, 3])) stream.feed(piece);
  stream.end();
  assert.equal(JSON.parse(stream.text()).error.message, "请稍后再试");
});
