// The worker app on the phone: installs the service worker, keeps today's and tomorrow's
// visit pages for offline reading, and queues check-in, check-out (with the service log)
// and completion in IndexedDB with the phone's own time and one idempotency key per step.
// The queue (static/js/step_queue.js) is sent oldest first, each step once, by this page
// while it is open and by the service worker's Background Sync after it is closed; the
// portal answers a replayed key as already done (services/care/domain/sync.py).
// Texts come from data attributes the templates render in the reader's language.
(function () {
  "use strict";
  var CACHE = "sanlian-worker-v1";
  var app = document.querySelector("[data-worker-app]");
  if (!app || !window.indexedDB || !window.SanlianQueue) return;
  var user = app.dataset.user;
  var status = document.querySelector("[data-queue-status]");
  var flushing = false;

  var Queue = window.SanlianQueue;

  function queued() {
    return Queue.queued(user);
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  function sayCount(items, extra) {
    if (!status) return;
    var text = items.length ? status.dataset.textQueued.replace("%(count)s", String(items.length)) : "";
    say([text, extra || ""].filter(Boolean).join(" "));
  }

  // --- the visit page: queue the steps, and show what is queued ----------------------------

  function showQueuedState(items) {
    var visit = app.dataset.visit;
    if (!visit) return;
    var mine = items.filter(function (item) { return item.visit === visit; });
    var steps = mine.map(function (item) { return item.step; });
    var checkedIn = steps.indexOf("check_in") >= 0;
    var done = steps.indexOf("complete") >= 0;
    document.querySelectorAll("[data-step-form]").forEach(function (form) {
      var after = form.dataset.stepForm === "after_check_in";
      if (done) form.hidden = true;
      else if (checkedIn) form.hidden = !after;
    });
    document.querySelectorAll("[data-step-done]").forEach(function (note) {
      note.hidden = !done;
    });
  }

  function enqueue(form, submitter) {
    var fields = {};
    new FormData(form).forEach(function (value, name) { fields[name] = String(value); });
    var csrf = fields.csrfmiddlewaretoken;
    delete fields.csrfmiddlewaretoken;
    var item = {
      user: user,
      visit: app.dataset.visit,
      url: app.dataset.stepUrl,
      step: submitter.dataset.step,
      key: newKey(),
      device_at: new Date().toISOString(),
      fields: fields,
      csrf: csrf,
    };
    return Queue.add(item);
  }

  // Background Sync: the service worker sends the queue when the network returns, even
  // after this page is closed. Where the browser has none, the "online" event below does
  // it while the page is open (it does too where it has one: the first to come sends).
  function requestSync() {
    if (!("serviceWorker" in navigator) || !("SyncManager" in window)) return Promise.resolve();
    return navigator.serviceWorker.ready
      .then(function (registration) { return registration.sync.register(Queue.TAG); })
      .catch(function () { return null; });
  }

  function onSubmit(event) {
    var submitter = event.submitter;
    if (event.defaultPrevented || !submitter || !submitter.dataset.step) return;
    event.preventDefault();
    enqueue(event.target, submitter)
      .then(queued)
      .then(function (items) {
        showQueuedState(items);
        sayCount(items);
        requestSync();
        return flush();
      });
  }

  // --- sending, oldest first, each step once ------------------------------------------------

  function currentCsrf() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function sent(result) {
    var refused = result.refused.map(function (words) { return status.dataset.textRefused + " " + words; });
    if (refused.length) sessionStorage.setItem("sanlian-refused", refused.join(" "));
    if (result.sent && app.dataset.visit) window.location.reload();
    else if (result.sent) sayCount([], status && status.dataset.textSent);
  }

  function flush() {
    if (flushing || !navigator.onLine) return Promise.resolve();
    flushing = true;
    return Queue.drain(user, currentCsrf()).then(
      function (result) {
        flushing = false;
        sent(result);
      },
      function () {
        flushing = false;
        return queued().then(function (items) { sayCount(items, status && status.dataset.textLater); });
      }
    );
  }

  // The service worker sent the queue (Background Sync): show what the portal now says.
  function onWorkerMessage(event) {
    if (event.data && event.data.type === "steps-sent") sent(event.data);
  }

  // --- offline reading: the worker's pages of today and tomorrow ---------------------------

  var ASSETS = "link[rel=stylesheet], link[rel=manifest], script[src]";

  function assetsOf(root) {
    return Array.prototype.map.call(root.querySelectorAll(ASSETS), function (asset) {
      return asset.getAttribute("href") || asset.getAttribute("src");
    });
  }

  // Keeps one page, and the scripts and styles it names, in the worker's cache.
  function keep(cache, url, done) {
    if (done[url]) return Promise.resolve();
    done[url] = true;
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok || response.redirected) return null;
      var html = (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
      var stored = cache.put(url, response.clone());
      if (!html) return stored;
      return Promise.all([stored, response.text()]).then(function (results) {
        var page = new DOMParser().parseFromString(results[1], "text/html");
        return Promise.all(assetsOf(page).map(function (asset) { return keep(cache, asset, done); }));
      });
    });
  }

  function keepPages() {
    if (!window.caches) return Promise.resolve();
    var urls = [window.location.pathname].concat(assetsOf(document));
    document.querySelectorAll("[data-offline-page]").forEach(function (link) {
      urls.push(link.getAttribute("href"));
    });
    return caches.open(CACHE).then(function (cache) {
      var done = {};
      return Promise.all(urls.map(function (url) { return keep(cache, url, done); }));
    });
  }

  function start() {
    document.querySelectorAll("form[data-step-form]").forEach(function (form) {
      form.addEventListener("submit", onSubmit);
    });
    var refused = sessionStorage.getItem("sanlian-refused");
    sessionStorage.removeItem("sanlian-refused");
    queued().then(function (items) {
      showQueuedState(items);
      sayCount(items, refused || "");
    });
    window.addEventListener("online", flush);
    if ("serviceWorker" in navigator) navigator.serviceWorker.addEventListener("message", onWorkerMessage);
    var ready = Queue.signedIn(user);
    if (navigator.onLine) {
      var worker = "serviceWorker" in navigator
        ? navigator.serviceWorker.register(app.dataset.serviceWorker, { scope: "/" }).then(function () {
            return navigator.serviceWorker.ready;
          })
        : Promise.resolve();
      ready = Promise.all([ready, worker, keepPages()]).then(flush);
    }
    ready.then(function () { app.dataset.offlineReady = "1"; });
  }

  start();
})();
