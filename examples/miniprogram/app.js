// The client id the service rate-limits by (the X-Client-Id header): stable and
// pseudonymous. In production your own backend turns the wx.login code into the openid
// (code2Session), keeps the session_key on the server and returns a salted hash of the
// openid; the session_key never reaches this code or the policy service. Without such a
// backend (a demo), a random id kept in local storage stands in for it.
const config = require("./config.js");

const STORAGE_KEY = "policybot_client_id";

function randomId() {
  let id = "";
  for (let index = 0; index < 32; index += 1) id += Math.floor(Math.random() * 16).toString(16);
  return id;
}

function storedClientId() {
  let id = "";
  try {
    id = wx.getStorageSync(STORAGE_KEY);
  } catch (error) {
    id = "";
  }
  if (!id) {
    id = randomId();
    wx.setStorageSync(STORAGE_KEY, id);
  }
  return id;
}

App({
  globalData: { clientId: "" },

  onLaunch() {
    this.globalData.clientId = storedClientId();
    if (config.identityUrl) this.fetchClientId();
  },

  fetchClientId() {
    wx.login({
      success: ({ code }) => {
        wx.request({
          url: config.identityUrl,
          method: "POST",
          data: { code },
          success: (res) => {
            // the backend answers JSON; anything else (text, bytes, an error status) is ignored
            const body = res.statusCode === 200 && typeof res.data === "object" &&
              !(res.data instanceof ArrayBuffer) ? res.data : null;
            const id = body && body.client_id;
            if (typeof id === "string" && /^[A-Za-z0-9_.:=+/-]{1,64}$/.test(id)) {
              this.globalData.clientId = id;
              wx.setStorageSync(STORAGE_KEY, id);
            }
          },
        });
      },
    });
  },
});
