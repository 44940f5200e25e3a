// The unit's reply page (rectification letter): one form for every problem's answer and the report.
// Saves the typed text as a draft a few seconds after the last keystroke, and once more when the page is hidden
// or left (sendBeacon); warns before leaving while something typed is not saved yet. The draft endpoint answers
// JSON for this script only; people see a short Chinese status line.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form) { return; }
  var url = form.getAttribute("data-autosave");
  var statusLine = form.querySelector("[data-autosave-status]");
  var DELAY = 3000;
  var dirty = false;      // typed since the last save that the server confirmed (or that is in flight)
  var inFlight = false;
  var leaving = false;    // the form itself is being sent: no guard, no beacon
  var timer = null;
  var filesPending = false; // files chosen but not sent yet (they go up with 保存 or 报送 only)

  function show(text) { if (statusLine) { statusLine.textContent = text; } }

  function payload() {
    var data = new FormData();
    var fields = form.querySelectorAll("textarea[name], input[type=hidden][name]");
    for (var i = 0; i < fields.length; i++) { data.append(fields[i].name, fields[i].value); }
    return data;
  }

  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, DELAY);
  }

  function save() {
    timer = null;
    if (!dirty || leaving) { return; }
    if (inFlight) { schedule(); return; }
    inFlight = true;
    dirty = false;
    show("正在自动保存…");
    fetch(url, { method: "POST", body: payload(), credentials: "same-origin",
                 headers: { "Accept": "application/json" } })
      .then(function (resp) {
        return resp.json().then(function (body) { return { ok: resp.ok && body.ok, body: body }; });
      })
      .then(function (res) {
        if (res.ok) {
          show(dirty ? "有未保存的修改" : "草稿已自动保存（" + res.body.saved_at + "）");
        } else {
          dirty = true;
          show("未能自动保存：" + (res.body.message || "请点“保存”。"));
        }
      })
      .catch(function () {
        dirty = true;
        show("未能自动保存（网络中断？），请稍后点“保存”。");
      })
      .then(function () {
        inFlight = false;
        if (dirty && !leaving) { schedule(); }
      });
  }

  function changed(ev) {
    if (ev.target && ev.target.type === "file") {
      filesPending = true;
      show("已选择文件，请点“保存”上传。");
      return;
    }
    dirty = true;
    show("有未保存的修改");
    schedule();
  }

  function flush() {
    if (!dirty || leaving) { return; }
    var data = payload();
    var sent = false;
    if (navigator.sendBeacon) { sent = navigator.sendBeacon(url, data); }
    if (!sent) {
      fetch(url, { method: "POST", body: data, credentials: "same-origin", keepalive: true });
    }
    dirty = false;
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () { leaving = true; if (timer) { clearTimeout(timer); } });
  window.addEventListener("beforeunload", function (ev) {
    if ((dirty || filesPending) && !leaving) {
      ev.preventDefault();
      ev.returnValue = "有未保存的修改";
      return "有未保存的修改";
    }
    return undefined;
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { flush(); }
  });
  window.addEventListener("pagehide", flush);
})();
