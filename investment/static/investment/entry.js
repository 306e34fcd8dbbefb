// The CSP forbids inline styles (style-src 'self'): htmx must not copy style attributes while it
// settles a swapped form (it does by default, and the browser reports each copy as a violation).
if (window.htmx) {
  window.htmx.config.attributesToSettle = ["class", "width", "height"];
}

// Entry forms and the monthly sheet swap their own part of the page (htmx). A refused save comes
// back as 422 (a field to fix) or 409 (someone else saved first) with the form to show: swap it
// in like a success instead of htmx's default of ignoring error answers.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if (status === 409 || status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// After a swap, put the focus on the first marked field without scrolling the page.
document.addEventListener("htmx:afterSwap", function () {
  var invalid = document.querySelector("[aria-invalid='true']");
  if (invalid && typeof invalid.focus === "function") {
    invalid.focus({ preventScroll: true });
  }
});

// The reviewer's "verify the ticked" button counts what is ticked.
document.addEventListener("change", function (event) {
  if (!event.target.matches("input[name='entries']")) return;
  var button = document.getElementById("verify-many-button");
  if (!button) return;
  var ticked = document.querySelectorAll("input[name='entries']:checked").length;
  button.disabled = ticked === 0;
  var count = button.querySelector("[data-count]");
  if (count) count.textContent = String(ticked);
});
