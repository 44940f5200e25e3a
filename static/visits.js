// The visit form: add and remove problem rows, keep the 立行立改 field in view only when it applies.
(function () {
  var form = document.getElementById("visit-form");
  if (!form) { return; }
  var counter = 0;

  function syncFixAction(row) {
    var checked = row.querySelector("[data-disposition]:checked");
    var fix = row.querySelector("[data-fix-action]");
    if (!fix) { return; }
    var show = !checked || checked.value === "立行立改" || fix.value;
    fix.closest("div").querySelectorAll("[data-fix-action], label[for='" + fix.id + "']").forEach(function (el) {
      el.classList.toggle("d-none", !show);
    });
  }

  // With scripts, rows are added on demand; the one spare row that serves browsers without scripts goes.
  form.querySelectorAll("details.add-problem").forEach(function (el) { el.remove(); });
  form.querySelectorAll("[data-add-problem]").forEach(function (btn) {
    btn.classList.remove("d-none");
    btn.addEventListener("click", function () {
      var itemId = btn.getAttribute("data-add-problem");
      var tpl = document.getElementById("problem-template-" + itemId);
      var list = form.querySelector("[data-problem-list='" + itemId + "']");
      counter += 1;
      var key = "j" + Date.now().toString(36) + counter;
      var wrap = document.createElement("div");
      wrap.innerHTML = tpl.innerHTML.split("__KEY__").join(key);
      var row = wrap.firstElementChild;
      list.appendChild(row);
      syncFixAction(row);
      var desc = row.querySelector("textarea");
      if (desc) { desc.focus(); }
    });
  });

  form.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-remove-row]");
    if (btn) { btn.closest("[data-problem-row]").remove(); }
  });

  form.addEventListener("change", function (ev) {
    if (ev.target.matches("[data-disposition]")) {
      syncFixAction(ev.target.closest("[data-problem-row]"));
    }
  });
  form.querySelectorAll("[data-problem-row]").forEach(syncFixAction);

  // Warn before leaving with unsaved changes.
  var dirty = false;
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (ev) {
    if (dirty) { ev.preventDefault(); ev.returnValue = ""; }
  });
})();
