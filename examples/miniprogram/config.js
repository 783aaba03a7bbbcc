// Where the mini-program finds the service. The domain must be listed under
// 开发管理 → 开发设置 → 服务器域名 → request合法域名 (see docs/WECHAT.md).
module.exports = {
  apiBase: "https://policybot.example.com",
  // Your own backend's login endpoint: it takes the wx.login code, calls code2Session,
  // keeps the session_key to itself and returns {"client_id": salted hash of the openid}.
  // Empty: a random id kept in local storage is used instead (fine for a demo).
  identityUrl: "",
  timeoutMs: 30000,
  historyTurns: 10,
};
