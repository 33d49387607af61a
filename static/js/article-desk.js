// The article form's safety net (see editorial/collab.py): keeps what the editor
// types (on the server every few seconds of typing and when the page is hidden,
// and in this browser), asks before leaving with unsaved changes, says who else
// has the article open and when they save, and survives an expired session.
// Loaded as a file under the Content-Security-Policy; no framework. The admin
// puts form media in <head>, before the form exists: start once it is parsed.
(function start() {
  "use strict";
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
    return;
  }
  var form = document.getElementById("article_form");
  var config = document.getElementById("desk-config");
  if (!form || !config) { return; }

  var data = config.dataset;
  var TYPING_PAUSE = 3000;
  var dirty = false;
  var submitting = false;
  var sessionLost = false;
  var typingTimer = null;

  function text(id) { return document.getElementById(id); }

  function say(id, message) {
    var element = text(id);
    if (!element) { return; }
    element.textContent = message;
    element.hidden = !message;
  }

  function token() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function setToken(value) {
    if (!value) { return; }
    document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) {
      input.value = value;
    });
  }

  // What the form would send, without files and the buttons.
  function typed() {
    var body = new FormData(form);
    var skip = [];
    body.forEach(function (value, key) {
      if (typeof value !== "string" || key === "_action" || key === "_take") { skip.push(key); }
    });
    skip.forEach(function (key) { body.delete(key); });
    return body;
  }

  function keepLocally() {
    try {
      var fields = {};
      typed().forEach(function (value, key) {
        (fields[key] = fields[key] || []).push(value);
      });
      window.localStorage.setItem(data.storageKey, JSON.stringify({ at: Date.now(), fields: fields }));
    } catch (error) { /* private mode or full: the server copy remains */ }
  }

  function post(url, body, keepalive) {
    return window.fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token(), "Accept": "application/json" },
      keepalive: Boolean(keepalive),
    });
  }

  function lost() {
    if (sessionLost) { return; }
    sessionLost = true;
    var panel = text("desk-session");
    if (panel) { panel.hidden = false; }
    waitForLogin();
  }

  function waitForLogin() {
    window.setTimeout(function () {
      window.fetch(data.sessionUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (response.status === 401) { waitForLogin(); return null; }
          return response.json();
        })
        .then(function (answer) {
          if (!answer) { return; }
          setToken(answer.csrf);
          sessionLost = false;
          var panel = text("desk-session");
          if (panel) { panel.hidden = true; }
          autosave();
        })
        .catch(waitForLogin);
    }, 4000);
  }

  function answered(response) {
    if (response.status === 401) { lost(); return null; }
    if (response.status === 403) { refreshToken(); return null; }
    return response.ok ? response.json() : null;
  }

  function refreshToken() {
    window.fetch(data.sessionUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.status === 401 ? (lost(), null) : response.json(); })
      .then(function (answer) { if (answer) { setToken(answer.csrf); } })
      .catch(function () { /* offline: the next attempt tries again */ });
  }

  function autosave() {
    if (!dirty || submitting) { return; }
    keepLocally();
    // Logged out, it would be refused (and, once logged in again elsewhere,
    // carry a stale CSRF token): waitForLogin sends it when it can.
    if (sessionLost) { return; }
    post(data.autosaveUrl, typed())
      .then(answered)
      .then(function (answer) {
        if (!answer) { return; }
        setToken(answer.csrf);
        say("desk-autosave-status", data.textSaved.replace("%s", answer.saved_at));
      })
      .catch(function () { say("desk-autosave-status", data.textOffline); });
  }

  function typing() {
    dirty = true;
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(autosave, TYPING_PAUSE);
  }

  form.addEventListener("input", typing);
  form.addEventListener("change", typing);

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && dirty && !submitting) {
      keepLocally();
      if (sessionLost) { return; }
      if (navigator.sendBeacon) {
        navigator.sendBeacon(data.autosaveUrl, typed());
      } else {
        post(data.autosaveUrl, typed(), true);
      }
    }
  });

  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitting) {
      event.preventDefault();
      event.returnValue = data.textUnsaved;
      return data.textUnsaved;
    }
    return undefined;
  });

  form.addEventListener("submit", function (event) {
    if (sessionLost) {
      // Sent now, it would meet the login page and be lost: keep it here.
      event.preventDefault();
      var panel = text("desk-session");
      if (panel) { panel.hidden = false; panel.scrollIntoView(); }
      return;
    }
    submitting = true;
    try { window.localStorage.removeItem(data.storageKey); } catch (error) { /* ignore */ }
  });

  // The offer to restore an autosave: "Discard them" needs the script.
  document.querySelectorAll("[data-desk-discard]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      post(data.discardUrl, new FormData()).then(function () {
        var offer = text("desk-autosave-offer");
        if (offer) { offer.remove(); }
      });
    });
  });

  // Who else has the article open, and whether they saved since this form
  // was opened.
  if (data.presenceUrl) {
    var base = form.querySelector("input[name=base_revision]");
    // This page's own name: leaving it must not end the presence another tab
    // (or the page after a save) has already announced.
    var tab = Math.random().toString(36).slice(2) + Date.now().toString(36);
    var heartbeat = function () {
      var body = new FormData();
      body.append("base_revision", base ? base.value : "");
      body.append("tab", tab);
      post(data.presenceUrl, body)
        .then(answered)
        .then(function (answer) {
          if (!answer) { return; }
          setToken(answer.csrf);
          var others = answer.others.map(function (other) {
            return other.name + " (" + other.since + ")";
          });
          say("desk-presence", others.length ? data.textPresent.replace("%s", others.join(", ")) : "");
          var newer = text("desk-newer");
          // The conflict panel already shows that revision side by side.
          if (newer && answer.newer && answer.newer.number > Number(newer.dataset.shown || 0)) {
            newer.textContent = data.textNewer
              .replace("%(name)s", answer.newer.by)
              .replace("%(time)s", answer.newer.at) + " ";
            var link = document.createElement("a");
            link.href = answer.newer.compare_url;
            link.target = "_blank";
            link.rel = "noopener";
            link.textContent = data.textCompare;
            newer.appendChild(link);
            newer.hidden = false;
          }
        })
        .catch(function () { /* offline: try again at the next beat */ });
    };
    heartbeat();
    window.setInterval(heartbeat, (Number(data.heartbeat) || 15) * 1000);
    window.addEventListener("pagehide", function () {
      if (navigator.sendBeacon && data.leaveUrl) {
        var body = new FormData();
        body.append("csrfmiddlewaretoken", token());
        body.append("tab", tab);
        navigator.sendBeacon(data.leaveUrl, body);
      }
    });
  }
})();
