// The real policybot service for the page tests: the one at POLICYBOT_URL, or else one
// started here from the repository's .venv (POLICYBOT_BIN overrides the executable) on a
// free loopback port, with a store of its own in a temporary directory, and stopped after.
const { execFile, spawn } = require("node:child_process");
const fs = require("node:fs");
const http = require("node:http");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");

const REPOSITORY = path.resolve(__dirname, "..", "..", "..");
const INGEST_TIMEOUT_MS = 180_000;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function status(url) {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 2_000 }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(0));
  });
}

// The environment of the test run without POLICYBOT_* settings, so a developer's model or
// Chroma server does not change the answers under test.
function serviceEnvironment(storeDir) {
  const env = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("POLICYBOT_")) env[name] = value;
  }
  return { ...env, POLICYBOT_STORE_DIR: storeDir, POLICYBOT_RATE_LIMIT_PER_MINUTE: "0" };
}

function ingest(executable, env, cwd) {
  return new Promise((resolve, reject) => {
    execFile(executable, ["ingest"], { env, cwd, timeout: INGEST_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error) reject(new Error(`policybot ingest failed: ${error.message}\n${stdout}${stderr}`));
      else resolve();
    });
  });
}

function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    child.once("exit", () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

async function startService() {
  if (process.env.POLICYBOT_URL) {
    return { url: process.env.POLICYBOT_URL.replace(/\/+$/, ""), stop: async () => {} };
  }
  const executable = process.env.POLICYBOT_BIN || path.join(REPOSITORY, ".venv", "bin", "policybot");
  if (!fs.existsSync(executable)) {
    throw new Error(`${executable} not found: run \`make install\` in ${REPOSITORY}, or set POLICYBOT_URL`);
  }
  // the store and the working directory (where a .env would be read) are the test's own
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), "policybot-miniprogram-"));
  const env = serviceEnvironment(storeDir);
  const removeStore = () => fs.rmSync(storeDir, { recursive: true, force: true });
  try {
    await ingest(executable, env, storeDir);
  } catch (error) {
    removeStore();
    throw error;
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(executable, ["serve", "--host", "127.0.0.1", "--port", String(port)], {
    env,
    cwd: storeDir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const keep = (bytes) => {
    log = (log + bytes.toString("utf8")).slice(-8_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const stop = async () => {
    process.removeListener("exit", killOnExit);
    await stopProcess(child);
    removeStore();
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while ((await status(`${url}/readyz`)) !== 200) {
    const exited = child.exitCode !== null;
    if (exited || Date.now() > deadline) {
      await stop();
      const why = exited ? `exited with ${child.exitCode}` : `was not ready in ${READY_TIMEOUT_MS} ms`;
      throw new Error(`policybot serve ${why}:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, stop };
}

module.exports = { startService };
