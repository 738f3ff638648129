// The worker app on the phone: installs the service worker, keeps today's and tomorrow's
// visit pages for offline reading, and queues check-in, check-out (with the service log)
// and completion in IndexedDB with the phone's own time and one idempotency key per step.
// The queue is sent oldest first, each step once, whenever the network is there; the
// portal answers a replayed key as already done (services/care/domain/sync.py).
// Texts come from data attributes the templates render in the reader's language.
(function () {
  "use strict";
  var CACHE = "sanlian-worker-v1";
  var app = document.querySelector("[data-worker-app]");
  if (!app || !window.indexedDB) return;
  var user = app.dataset.user;
  var status = document.querySelector("[data-queue-status]");
  var flushing = false;

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("sanlian-worker", 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("steps", { keyPath: "seq", autoIncrement: true });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("steps", mode);
        var result = work(tx.objectStore("steps"));
        tx.oncomplete = function () { resolve(result && result.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  function queued() {
    return withStore("readonly", function (store) { return store.getAll(); }).then(function (all) {
      return (all || []).filter(function (item) { return item.user === user; });
    });
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
    return withStore("readwrite", function (store) { return store.add(item); });
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
        flush();
      });
  }

  // --- sending, oldest first, each step once ------------------------------------------------

  function currentCsrf() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function send(item) {
    var body = new URLSearchParams(item.fields);
    body.set("key", item.key);
    body.set("step", item.step);
    body.set("device_at", item.device_at);
    return fetch(item.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": currentCsrf() || item.csrf, Accept: "application/json" },
    });
  }

  function forget(item) {
    return withStore("readwrite", function (store) { return store.delete(item.seq); });
  }

  // Sent (2xx) or refused by the portal (a JSON 4xx): off the queue. No network, a server
  // error, a signed-out session or a stale CSRF token: kept, and tried again later.
  function settle(item, response) {
    var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
    if (response.redirected || response.status >= 500 || (!response.ok && !json)) {
      return Promise.reject(new Error("later"));
    }
    if (response.ok) return forget(item).then(function () { return ""; });
    return response.json().then(function (answer) {
      return forget(item).then(function () {
        return status.dataset.textRefused + " " + (answer.errors || []).join(" ");
      });
    });
  }

  function flush() {
    if (flushing || !navigator.onLine) return Promise.resolve();
    flushing = true;
    var sent = 0;
    var refused = [];
    // Steps queued while sending join the end of the run: the page reloads once, at the end.
    function next(items) {
      if (!items.length) {
        return queued().then(function (rest) { return rest.length ? next(rest) : null; });
      }
      var item = items[0];
      return send(item)
        .then(function (response) { return settle(item, response); })
        .then(function (refusal) {
          sent += 1;
          if (refusal) refused.push(refusal);
          return next(items.slice(1));
        });
    }
    return queued()
      .then(next)
      .then(
        function () {
          flushing = false;
          if (refused.length) sessionStorage.setItem("sanlian-refused", refused.join(" "));
          if (sent && app.dataset.visit) window.location.reload();
          else if (sent) sayCount([], status && status.dataset.textSent);
        },
        function () {
          flushing = false;
          return queued().then(function (items) { sayCount(items, status && status.dataset.textLater); });
        }
      );
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
    var ready = Promise.resolve();
    if (navigator.onLine) {
      var worker = "serviceWorker" in navigator
        ? navigator.serviceWorker.register(app.dataset.serviceWorker, { scope: "/" }).then(function () {
            return navigator.serviceWorker.ready;
          })
        : Promise.resolve();
      ready = Promise.all([worker, keepPages()]).then(flush);
    }
    ready.then(function () { app.dataset.offlineReady = "1"; });
  }

  start();
})();
