// The worker app's service worker (served at /sw.js so its scope is the whole site).
// It keeps the worker's "my visits" page and today's and tomorrow's visit pages readable
// without a network: pages are fetched from the network first and their last good copy
// is answered offline; static files are answered from the cache and refreshed behind.
// Steps taken offline are queued by static/js/visit_queue.js in IndexedDB; the page sends
// them while it is open, and this worker's Background Sync ("sync" event) sends them when
// the network returns after the page was closed (static/js/step_queue.js, shared by both).
"use strict";

// The view serving /sw.js writes the static file's address in (hashed in production).
importScripts("__STEP_QUEUE_URL__");

var CACHE = "sanlian-worker-v1";
var PAGES = /^\/services\/visits\/(mine\/|\d+\/)$/;
var MATCH = { ignoreVary: true, ignoreSearch: true };

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) { return name.indexOf("sanlian-worker-") === 0 && name !== CACHE; })
            .map(function (name) { return caches.delete(name); })
        );
      })
      .then(function () { return self.clients.claim(); })
  );
});

function pageFromNetwork(request, path) {
  return fetch(request)
    .then(function (response) {
      // A redirect (to the login page) or an error page is not the worker's page.
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(path, copy); });
      }
      return response;
    })
    .catch(function () {
      return caches.match(path, MATCH).then(function (cached) {
        return cached || Response.error();
      });
    });
}

function staticFile(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request, MATCH).then(function (cached) {
      var fresh = fetch(request)
        .then(function (response) {
          if (response.ok) cache.put(request, response.clone());
          return response;
        })
        .catch(function () { return cached || Response.error(); });
      return cached || fresh;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0 || url.pathname === "/manifest.webmanifest") {
    event.respondWith(staticFile(request));
  } else if (PAGES.test(url.pathname)) {
    event.respondWith(pageFromNetwork(request, url.pathname));
  }
});

// Signing out forgets the cached pages (they show residents' names); the queue of steps
// not yet sent stays on the phone until its owner signs in again.
self.addEventListener("message", function (event) {
  if (event.data === "forget-pages") caches.delete(CACHE);
});

function tellPages(result) {
  return self.clients.matchAll({ type: "window" }).then(function (pages) {
    pages.forEach(function (page) {
      page.postMessage({ type: "steps-sent", sent: result.sent, refused: result.refused });
    });
  });
}

// The queue of the worker signed in on this phone, when the browser says the network is
// back; a step that must wait rejects, and the browser tries again later (with backoff).
self.addEventListener("sync", function (event) {
  if (event.tag !== SanlianQueue.TAG) return;
  event.waitUntil(
    SanlianQueue.currentUser().then(function (user) {
      return SanlianQueue.drain(user).then(
        function (result) { return result.sent ? tellPages(result) : null; },
        function (error) {
          return (error.sent ? tellPages(error) : Promise.resolve()).then(function () { throw error; });
        }
      );
    })
  );
});
