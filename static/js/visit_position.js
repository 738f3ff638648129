// Field visit verification: ask for the phone's position once, when a check-in or check-out
// form is submitted, fill its hidden fields, then submit. Without a fix (refused, no signal,
// timeout) the form is submitted anyway: the portal records "no position", never refuses.
(function () {
  "use strict";
  var TIMEOUT_MS = 10000;

  function setStatus(form, text) {
    var status = form.querySelector("[data-position-status]");
    if (status) status.textContent = text;
  }

  function fill(form, coords) {
    form.querySelector("input[name=lat]").value = String(coords.latitude);
    form.querySelector("input[name=lon]").value = String(coords.longitude);
    form.querySelector("input[name=accuracy_m]").value = String(Math.round(coords.accuracy));
  }

  function send(form, submitter) {
    form.dataset.positionAsked = "1";
    if (form.requestSubmit) form.requestSubmit(submitter || undefined);
    else form.submit();
  }

  function onSubmit(event) {
    var form = event.target;
    if (form.dataset.positionAsked || !navigator.geolocation) return;
    event.preventDefault();
    var submitter = event.submitter;
    var status = form.querySelector("[data-position-status]");
    setStatus(form, (status && status.dataset.askingText) || "…");
    navigator.geolocation.getCurrentPosition(
      function (position) {
        fill(form, position.coords);
        send(form, submitter);
      },
      function () {
        send(form, submitter);
      },
      { enableHighAccuracy: true, timeout: TIMEOUT_MS, maximumAge: 60000 }
    );
  }

  document.querySelectorAll("form[data-visit-position]").forEach(function (form) {
    form.addEventListener("submit", onSubmit);
  });
})();
