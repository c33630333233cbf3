// pubsite: theme toggle, publication filter, BibTeX copy. The page works without it.
(function () {
  "use strict";
  var root = document.documentElement;
  var KEY = "pubsite-theme";
  function stored() { try { return localStorage.getItem(KEY); } catch (e) { return null; } }
  function store(v) { try { localStorage.setItem(KEY, v); } catch (e) { /* private mode */ } }
  function systemDark() { return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches; }
  function current() { return root.getAttribute("data-theme") || (systemDark() ? "dark" : "light"); }
  var saved = stored();
  if (saved === "dark" || saved === "light") { root.setAttribute("data-theme", saved); }

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    var toggle = document.getElementById("theme-toggle");
    function label() {
      var dark = current() === "dark";
      toggle.setAttribute("aria-pressed", dark ? "true" : "false");
      toggle.textContent = dark ? "Light mode" : "Dark mode";
    }
    if (toggle) {
      label();
      toggle.addEventListener("click", function () {
        var next = current() === "dark" ? "light" : "dark";
        root.setAttribute("data-theme", next);
        store(next);
        label();
      });
    }

    var form = document.querySelector(".pub-filter");
    if (form) {
      form.hidden = false;
      var text = document.getElementById("pub-filter-text");
      var year = document.getElementById("pub-filter-year");
      var kind = document.getElementById("pub-filter-kind");
      var selected = document.getElementById("pub-filter-selected");
      var count = document.getElementById("pub-filter-count");
      var pubs = Array.prototype.slice.call(document.querySelectorAll(".pub"));
      var haystack = pubs.map(function (p) {
        var title = p.querySelector(".pub-title"), authors = p.querySelector(".pub-authors"),
            venue = p.querySelector(".pub-venue");
        return [title, authors, venue].map(function (n) { return n ? n.textContent : ""; })
          .join(" ").toLowerCase();
      });
      function apply() {
        var words = text.value.toLowerCase().split(/\s+/).filter(Boolean);
        var shown = 0;
        pubs.forEach(function (p, i) {
          var ok = words.every(function (w) { return haystack[i].indexOf(w) !== -1; }) &&
            (!year.value || p.getAttribute("data-year") === year.value) &&
            (!kind.value || p.getAttribute("data-kind") === kind.value) &&
            (!selected.checked || p.getAttribute("data-selected") === "true");
          p.hidden = !ok;
          if (ok) { shown += 1; }
        });
        document.querySelectorAll(".pub-group").forEach(function (h) {
          var list = h.nextElementSibling;
          h.hidden = list && !list.querySelector(".pub:not([hidden])");
        });
        count.textContent = shown === pubs.length ? "" : shown + " of " + pubs.length + " shown";
      }
      form.addEventListener("input", apply);
      form.addEventListener("submit", function (e) { e.preventDefault(); });
    }

    document.querySelectorAll(".copy-bibtex").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var code = button.parentNode.querySelector("code");
        var value = code ? code.textContent : "";
        function done() { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy BibTeX"; }, 1500); }
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(value).then(done, function () { fallback(value); done(); });
        } else { fallback(value); done(); }
      });
    });
    function fallback(value) {
      var area = document.createElement("textarea");
      area.value = value; document.body.appendChild(area); area.select();
      try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
      document.body.removeChild(area);
    }
  });
})();
