// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  var DRAFT_KEY = "misskissing.draft";

  function onWritePage() {
    var form = document.getElementById("write-form");
    if (!form) return;
    var body = document.getElementById("body");
    var to = document.getElementById("addressed_to");
    var status = document.getElementById("draft-status");
    // Drafts live only in this browser: nothing reaches the server before Enshrine.
    try {
      var saved = JSON.parse(window.localStorage.getItem(DRAFT_KEY) || "null");
      if (saved && !body.value) { body.value = saved.body || ""; to.value = saved.to || ""; status.textContent = "Your draft was restored from this device."; }
    } catch (e) { /* storage unavailable: drafts are a convenience */ }
    var timer = null;
    function save() {
      try {
        window.localStorage.setItem(DRAFT_KEY, JSON.stringify({ body: body.value, to: to.value }));
        status.textContent = "Draft saved on this device only.";
      } catch (e) { status.textContent = ""; }
    }
    [body, to].forEach(function (el) {
      el.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(save, 400); });
    });
    form.addEventListener("submit", function (event) {
      if (!window.confirm("Once enshrined, this letter can never be edited or taken back. Enshrine it now?")) {
        event.preventDefault();
        return;
      }
      try { window.localStorage.removeItem(DRAFT_KEY); } catch (e) { /* nothing to clear */ }
    });
  }

  function onHeartForms() {
    document.querySelectorAll("form.heart-form").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = form.querySelector("button.heart");
        button.disabled = true;
        fetch(form.getAttribute("data-api"), { method: "POST", credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, json: j }; }); })
          .then(function (res) {
            if (res.ok) {
              form.querySelector(".count").textContent = String(res.json.hearts);
              button.setAttribute("aria-pressed", "true");
            }
          })
          .catch(function () { form.submit(); })
          .finally(function () { button.disabled = false; });
      });
    });
  }

  function onReceiptPage() {
    var receipt = document.getElementById("receipt");
    if (!receipt) return;
    var state = receipt.getAttribute("data-status");
    if (state !== "pending" && state !== "screening") return;
    var token = window.location.pathname.split("/").pop();
    var tries = 0;
    function poll() {
      tries += 1;
      fetch("/api/v1/receipts/" + encodeURIComponent(token), { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (j) {
          if (j.status && j.status !== state) { window.location.replace(window.location.pathname); return; }
          if (tries < 150) setTimeout(poll, 2000);
        })
        .catch(function () { if (tries < 150) setTimeout(poll, 5000); });
    }
    setTimeout(poll, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    onWritePage();
    onHeartForms();
    onReceiptPage();
  });
})();
