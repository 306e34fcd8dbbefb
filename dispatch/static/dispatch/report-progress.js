// Report centre: while a report is queued or being built, poll its status (the API) and move its
// progress bar; reload the page once it is finished so the download link appears. No inline script (CSP).
(function () {
  "use strict";
  var busy = document.querySelectorAll('[data-report-state="queued"], [data-report-state="running"]');
  if (!busy.length) { return; }
  function poll(element) {
    fetch(element.getAttribute("data-report-status"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (report) {
        if (!report) { return; }
        var bar = element.querySelector("progress");
        if (bar) { bar.value = report.progress; bar.textContent = report.progress + "%"; }
        if (report.status === "done" || report.status === "failed") { window.location.reload(); return; }
        window.setTimeout(function () { poll(element); }, 1500);
      })
      .catch(function () { window.setTimeout(function () { poll(element); }, 5000); });
  }
  busy.forEach(poll);
})();
