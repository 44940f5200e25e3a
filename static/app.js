// Behaviour shared by all pages. No inline scripts anywhere: the Content-Security-Policy forbids them.
document.addEventListener("click", function (ev) {
  var el = ev.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    ev.preventDefault();
  }
});
// Disable submit buttons once a form is sent, so a double click does not post twice.
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  if (form.dataset.submitted) { ev.preventDefault(); return; }
  form.dataset.submitted = "1";
  setTimeout(function () { delete form.dataset.submitted; }, 5000);
});
// Elements marked data-print print the page.
document.addEventListener("click", function (ev) {
  if (ev.target.closest("[data-print]")) { window.print(); }
});
