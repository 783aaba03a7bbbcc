// wx.request as WeChat's runtime performs it, made with node's http module: the page's
// https origin is mapped to a loopback server, as the legal-domain list maps a domain to
// the service, and the real response bytes reach the page.
//
// What the runtime does, and this does too:
// - GET data becomes a query string, POST data is sent as JSON (content-type defaults to
//   application/json); `timeout` ends the request with fail.
// - `success` is called for every HTTP status; `fail` only when there is no response.
// - Without enableChunked, `data` is the whole body: an ArrayBuffer for responseType
//   "arraybuffer", else text, JSON-parsed when dataType is "json" (the default).
// - With enableChunked, the body reaches requestTask.onChunkReceived listeners as
//   ArrayBuffers, each in its own callback, and `success` comes after the last one with an
//   empty `data` (what devices do: the body is only in the chunks).
// Chunks are cut again at fixed odd offsets of the body, so some end inside a multi-byte
// UTF-8 character whatever the network did.
const http = require("node:http");

const CUTS = [5, 1, 2, 7, 3, 11, 4, 13]; // bytes in each piece, repeated

function isContinuationByte(byte) {
  return (byte & 0xc0) === 0x80;
}

function toArrayBuffer(bytes) {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

function requestBody(method, header, data) {
  if (data === undefined || data === null || method === "GET") return null;
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  const type = Object.entries(header).find(([name]) => name.toLowerCase() === "content-type");
  if (type && !type[1].startsWith("application/json")) {
    throw new Error(`the bridge sends JSON bodies only, not ${type[1]}`);
  }
  return Buffer.from(JSON.stringify(data), "utf8");
}

function queryString(data) {
  if (!data || typeof data !== "object") return "";
  const pairs = Object.entries(data).map(([key, value]) =>
    `${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
  return pairs.join("&");
}

function createRequestBridge({ origin, upstream, onChunkDelivered = () => {} }) {
  const inFlight = new Set();
  const bridge = {
    origin, // what the page asks for, e.g. https://policybot.example.com
    // where it is served, e.g. http://127.0.0.1:8123, or a function of the path; it may
    // change between requests
    upstream,
    log: [], // one entry a request: what was sent, what came back, how it was cut
    request,
    idle,
  };

  function request(options) {
    const chunkListeners = new Set();
    const headerListeners = new Set();
    let outgoing = null;
    let finished = false;
    const entry = {
      url: options.url,
      method: (options.method || "GET").toUpperCase(),
      header: { ...(options.header || {}) },
      data: options.data,
      upstream: "",
      statusCode: null,
      chunks: [],
      cutInsideCharacter: 0,
      errMsg: "",
    };
    bridge.log.push(entry);

    let settle;
    inFlight.add(new Promise((resolve) => (settle = resolve)));
    let timer = null;
    // calls success or fail (then complete) once, in a macrotask of its own
    const done = (callback, result) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      setImmediate(() => {
        try {
          if (callback) callback(result);
          if (options.complete) options.complete(result);
        } finally {
          settle();
        }
      });
    };
    const fail = (errMsg) => {
      if (finished) return;
      entry.errMsg = errMsg;
      if (outgoing) outgoing.destroy();
      done(options.fail, { errMsg });
    };

    const task = {
      onChunkReceived: (listener) => chunkListeners.add(listener),
      offChunkReceived: (listener) => chunkListeners.delete(listener),
      onHeadersReceived: (listener) => headerListeners.add(listener),
      offHeadersReceived: (listener) => headerListeners.delete(listener),
      abort: () => fail("request:fail abort"),
    };

    if (!options.url.startsWith(`${bridge.origin}/`)) {
      fail(`request:fail url not in domain list`);
      return task;
    }
    const header = { ...entry.header };
    if (!Object.keys(header).some((name) => name.toLowerCase() === "content-type")) {
      header["content-type"] = "application/json";
    }
    let body;
    try {
      body = requestBody(entry.method, header, options.data);
    } catch (error) {
      fail(`request:fail ${error.message}`);
      return task;
    }
    const path = options.url.slice(bridge.origin.length);
    const { upstream: where } = bridge;
    entry.upstream = typeof where === "function" ? where(path.split("?")[0]) : where;
    let target = entry.upstream + path;
    if (entry.method === "GET" && queryString(options.data)) {
      target += (target.includes("?") ? "&" : "?") + queryString(options.data);
    }
    if (body) header["content-length"] = String(body.length);

    // pieces wait in a queue and are handed over one a macrotask, in order
    const queue = [];
    let cutIndex = 0;
    let nextCut = CUTS[0];
    let pumping = false;
    let ended = null;
    const pump = () => {
      if (finished) return;
      if (queue.length) {
        const piece = queue.shift();
        entry.chunks.push(piece.length);
        if (entry.chunks.length > 1 && isContinuationByte(piece[0])) entry.cutInsideCharacter += 1;
        for (const listener of chunkListeners) listener({ data: toArrayBuffer(piece) });
        onChunkDelivered(entry);
        setImmediate(pump);
      } else if (ended) {
        pumping = false;
        done(options.success, ended);
      } else {
        pumping = false;
      }
    };
    const enqueue = (bytes) => {
      let start = 0;
      while (start < bytes.length) {
        const length = Math.min(nextCut, bytes.length - start);
        queue.push(bytes.subarray(start, start + length));
        start += length;
        nextCut -= length;
        if (nextCut === 0) {
          cutIndex = (cutIndex + 1) % CUTS.length;
          nextCut = CUTS[cutIndex];
        }
      }
      if (!pumping) {
        pumping = true;
        setImmediate(pump);
      }
    };

    outgoing = http.request(target, { method: entry.method, headers: header }, (response) => {
      entry.statusCode = response.statusCode;
      const result = {
        statusCode: response.statusCode,
        header: response.headers,
        cookies: [],
        errMsg: "request:ok",
        data: "",
      };
      response.on("error", (error) => fail(`request:fail ${error.code || error.message}`));
      for (const listener of headerListeners) listener({ header: result.header, statusCode: result.statusCode });
      if (options.enableChunked) {
        response.on("data", enqueue);
        response.on("end", () => {
          ended = result;
          if (!pumping) {
            pumping = true;
            setImmediate(pump);
          }
        });
        return;
      }
      const parts = [];
      response.on("data", (bytes) => parts.push(bytes));
      response.on("end", () => {
        const whole = Buffer.concat(parts);
        if (options.responseType === "arraybuffer") {
          result.data = toArrayBuffer(whole);
        } else {
          result.data = whole.toString("utf8");
          if ((options.dataType || "json") === "json") {
            try {
              result.data = JSON.parse(result.data);
            } catch (error) {
              // not JSON: the runtime hands over the text
            }
          }
        }
        done(options.success, result);
      });
    });
    timer = setTimeout(() => fail("request:fail timeout"), options.timeout || 60_000);
    outgoing.on("error", (error) => fail(`request:fail ${error.code || error.message}`));
    if (body) outgoing.write(body);
    outgoing.end();
    return task;
  }

  // Resolves once every request started so far, and any its callbacks started, has ended.
  async function idle() {
    while (inFlight.size) {
      const waiting = [...inFlight];
      await Promise.all(waiting);
      for (const promise of waiting) inFlight.delete(promise);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  return bridge;
}

module.exports = { createRequestBridge };
