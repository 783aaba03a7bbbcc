// Server-Sent Events over wx.request({enableChunked: true}).
//
// The mini-program runtime has no TextDecoder, and a chunk may end in the middle of a
// character (each Chinese character is three bytes of UTF-8), so the bytes of an
// incomplete trailing character are kept and put in front of the next chunk.

/** @param {number} lead */
function sequenceLength(lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead < 0xe0) return 2;
  if (lead >= 0xe0 && lead < 0xf0) return 3;
  if (lead >= 0xf0 && lead < 0xf5) return 4;
  return 0; // a continuation byte or a byte UTF-8 never uses
}

/** @param {number} codePoint */
function codePointString(codePoint) {
  if (codePoint < 0x10000) return String.fromCharCode(codePoint);
  const offset = codePoint - 0x10000;
  return String.fromCharCode(0xd800 + (offset >> 10), 0xdc00 + (offset & 0x3ff));
}

// Decodes complete UTF-8; each malformed byte becomes U+FFFD.
/** @param {Uint8Array} bytes */
function decodeUtf8(bytes) {
  let text = "";
  let index = 0;
  while (index < bytes.length) {
    const length = sequenceLength(bytes[index]);
    if (length === 0 || index + length > bytes.length) {
      text += "\ufffd";
      index += 1;
      continue;
    }
    let codePoint = length === 1 ? bytes[index] : bytes[index] & (0xff >> (length + 1));
    let valid = true;
    for (let next = 1; next < length; next += 1) {
      const byte = bytes[index + next];
      if ((byte & 0xc0) !== 0x80) {
        valid = false;
        break;
      }
      codePoint = (codePoint << 6) | (byte & 0x3f);
    }
    const overlong = (length === 3 && codePoint < 0x800) || (length === 4 && codePoint < 0x10000);
    const surrogate = codePoint >= 0xd800 && codePoint <= 0xdfff;
    if (!valid || overlong || surrogate || codePoint > 0x10ffff) {
      text += "\ufffd";
      index += 1;
      continue;
    }
    text += codePointString(codePoint);
    index += length;
  }
  return text;
}

// Where the last complete character ends: a lead byte among the last three bytes whose
// sequence runs past the end starts an incomplete character.
/** @param {Uint8Array} bytes */
function completeLength(bytes) {
  for (let index = bytes.length - 1; index >= Math.max(0, bytes.length - 3); index -= 1) {
    if ((bytes[index] & 0xc0) === 0x80) continue;
    const length = sequenceLength(bytes[index]);
    return length > 0 && index + length > bytes.length ? index : bytes.length;
  }
  return bytes.length;
}

function createUtf8Decoder() {
  let carried = new Uint8Array(0);
  return {
    /**
     * @param {ArrayBuffer | Uint8Array | null} chunk
     * @param {boolean} final no more bytes will follow
     */
    decode(chunk, final) {
      const incoming = chunk ? new Uint8Array(chunk) : new Uint8Array(0);
      const bytes = new Uint8Array(carried.length + incoming.length);
      bytes.set(carried, 0);
      bytes.set(incoming, carried.length);
      const end = final ? bytes.length : completeLength(bytes);
      carried = bytes.slice(end);
      return decodeUtf8(bytes.subarray(0, end));
    },
  };
}

/** @typedef {{event: string, data: string}} SseEvent */

// One event block ("event: delta\ndata: {...}") to {event, data}; null for comments.
/**
 * @param {string} block
 * @returns {SseEvent | null}
 */
function parseEvent(block) {
  let event = "message";
  const data = [];
  for (const line of block.split(/\r\n|\r|\n/)) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  return data.length ? { event, data: data.join("\n") } : null;
}

// Feed it decoded text in any pieces; it calls onEvent once per complete event.
/** @param {(event: SseEvent) => void} onEvent */
function createSseParser(onEvent) {
  let buffer = "";
  /** @param {string[]} blocks */
  function emit(blocks) {
    for (const block of blocks) {
      const parsed = parseEvent(block);
      if (parsed) onEvent(parsed);
    }
  }
  return {
    /** @param {string} text */
    push(text) {
      buffer += text;
      // a lone "\r" at the end may be the first half of "\r\n": wait for the next piece
      const blocks = buffer.split(/\r\n\r\n|\n\n|\r\r|\r\n\n|\n\r\n/);
      buffer = /** @type {string} */ (blocks.pop()); // split always returns one piece or more
      emit(blocks);
    },
    end() {
      const rest = buffer;
      buffer = "";
      emit([rest]);
    },
  };
}

// Bytes in, events out: what a requestTask's onChunkReceived feeds.
/** @param {(event: SseEvent) => void} onEvent */
function createEventStream(onEvent) {
  const decoder = createUtf8Decoder();
  const parser = createSseParser(onEvent);
  let text = "";
  return {
    /** @param {ArrayBuffer | Uint8Array} chunk */
    feed(chunk) {
      const piece = decoder.decode(chunk, false);
      text += piece;
      parser.push(piece);
    },
    end() {
      const piece = decoder.decode(null, true);
      text += piece;
      parser.push(piece);
      parser.end();
    },
    // everything received, for an error body that arrived as chunks
    text() {
      return text;
    },
  };
}

module.exports = { createUtf8Decoder, createSseParser, createEventStream, decodeUtf8, parseEvent };
