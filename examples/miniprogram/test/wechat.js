// WeChat's runtime, as much of it as the chat page meets, on top of miniprogram-simulate:
// a DOM for the simulator to render into (jsdom, as under jest), App and getApp, Page
// built on the simulator's Component, local storage, and wx.request and wx.canIUse set by
// each test. The page's own files (wxml compiled by WeChat's wcc, wxss, js) are loaded as
// they are.
const path = require("node:path");
const { JSDOM } = require("jsdom");

const ROOT = path.resolve(__dirname, "..");

const dom = new JSDOM("<!doctype html><html><head></head><body></body></html>", {
  pretendToBeVisual: true,
  url: "https://servicewechat.com/",
});
for (const name of Object.getOwnPropertyNames(dom.window)) {
  if (!(name in globalThis)) globalThis[name] = dom.window[name];
}
// node has event classes of its own; the DOM's elements accept only jsdom's
for (const name of ["Event", "CustomEvent", "EventTarget"]) globalThis[name] = dom.window[name];
globalThis.window = dom.window;
globalThis.document = dom.window.document;

const simulate = require("miniprogram-simulate"); // defines Component and wx

// wx.setStorageSync and friends keep values for the life of the test process
const storage = new Map();
Object.assign(globalThis.wx, {
  getStorageSync: (key) => (storage.has(key) ? storage.get(key) : ""),
  setStorageSync: (key, value) => void storage.set(key, value),
  removeStorageSync: (key) => void storage.delete(key),
  clearStorageSync: () => storage.clear(),
});

let app = null;
globalThis.App = (options) => {
  app = options;
};
globalThis.getApp = () => app;

// A page as the runtime builds one: `data` is its data, functions are its methods
// (lifecycle hooks included), other fields are deep-copied onto each instance, and onLoad
// runs when the page is attached.
globalThis.Page = (options) => {
  const methods = {};
  const fields = {};
  for (const [name, value] of Object.entries(options)) {
    if (name === "data") continue;
    if (typeof value === "function") methods[name] = value;
    else fields[name] = value;
  }
  globalThis.Component({
    data: options.data,
    methods,
    lifetimes: {
      created() {
        Object.assign(this, structuredClone(fields));
      },
      attached() {
        if (this.onLoad) this.onLoad({});
      },
    },
  });
};

// Launches app.js afresh, as a cold start does (storage survives).
function launchApp() {
  const file = require.resolve(path.join(ROOT, "app.js"));
  delete require.cache[file];
  require(file);
  app.onLaunch({});
  return app;
}

// Opens pages/chat/chat: loads its wxml, wxss and js, renders and attaches it (onLoad).
function openPage(name) {
  const id = simulate.load(path.join(ROOT, "pages", name, name), { rootPath: ROOT });
  const page = simulate.render(id);
  page.attach(document.createElement("page-root"));
  return page;
}

// Lets queued events (the simulator dispatches them in a microtask) and timers run.
function tick() {
  return new Promise((resolve) => setImmediate(resolve));
}

module.exports = { launchApp, openPage, tick, ROOT };
