// The offline queue of a worker's visit steps, shared by the page (static/js/visit_queue.js)
// and the service worker (static/js/service-worker.js, through importScripts): the steps
// wait in IndexedDB and are sent oldest first, each once. Two senders never run together
// (a Web Lock where the browser has one); a step whose answer got lost is sent again with
// the same idempotency key, which the portal answers as already done
// (services/care/domain/sync.py), so nothing happens twice either way.
(function (scope) {
  "use strict";
  var DB = "sanlian-worker";
  var TAG = "sanlian-steps";

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 2);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains("steps")) {
          db.createObjectStore("steps", { keyPath: "seq", autoIncrement: true });
        }
        // Whose steps the service worker may send: the user signed in on this phone.
        if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta");
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(name, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode);
        var result = work(tx.objectStore(name));
        tx.oncomplete = function () { db.close(); resolve(result && result.result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function signedIn(user) {
    return withStore("meta", "readwrite", function (store) {
      return user ? store.put(user, "user") : store.delete("user");
    });
  }

  function currentUser() {
    return withStore("meta", "readonly", function (store) { return store.get("user"); });
  }

  function queued(user) {
    return withStore("steps", "readonly", function (store) { return store.getAll(); }).then(function (all) {
      return (all || []).filter(function (item) { return user && item.user === user; });
    });
  }

  function add(item) {
    return withStore("steps", "readwrite", function (store) { return store.add(item); });
  }

  function forget(item) {
    return withStore("steps", "readwrite", function (store) { return store.delete(item.seq); });
  }

  function send(item, csrf) {
    var body = new URLSearchParams(item.fields);
    body.set("key", item.key);
    body.set("step", item.step);
    body.set("device_at", item.device_at);
    return fetch(item.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf || item.csrf, Accept: "application/json" },
    });
  }

  // Sent (2xx) or refused by the portal (a JSON 4xx): off the queue, with the refusal's
  // words. No network, a server error, a signed-out session or a stale CSRF token: kept,
  // and tried again later (a rejection).
  function settle(item, response) {
    var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
    if (response.redirected || response.status >= 500 || (!response.ok && !json)) {
      return Promise.reject(new Error("later"));
    }
    if (response.ok) return forget(item).then(function () { return null; });
    return response.json().then(function (answer) {
      return forget(item).then(function () { return (answer.errors || []).join(" ") || "?"; });
    });
  }

  function exclusively(work) {
    var locks = scope.navigator && scope.navigator.locks;
    return locks ? locks.request(TAG, work) : work();
  }

  // Sends `user`'s queue, steps queued meanwhile included; resolves {sent, refused} or
  // rejects (with .sent) when a step has to wait for later.
  function drain(user, csrf) {
    return exclusively(function () {
      var result = { sent: 0, refused: [] };
      function next(items) {
        if (!items.length) {
          return queued(user).then(function (rest) { return rest.length ? next(rest) : result; });
        }
        return send(items[0], csrf)
          .then(function (response) { return settle(items[0], response); })
          .then(function (refusal) {
            result.sent += 1;
            if (refusal) result.refused.push(refusal);
            return next(items.slice(1));
          });
      }
      return queued(user).then(next).catch(function (error) {
        error.sent = result.sent;
        error.refused = result.refused;
        throw error;
      });
    });
  }

  scope.SanlianQueue = {
    TAG: TAG,
    add: add,
    queued: queued,
    drain: drain,
    signedIn: signedIn,
    currentUser: currentUser,
  };
})(self);
