// pubsite: theme toggle, publication filter, BibTeX copy. The page works without it.
(function () {
  "use strict";
  var root = document.documentElement;
  var KEY = "pubsite-theme";
  function stored() { try { return localStorage.getItem(KEY); } catch (e) { return null; } }
  function store(v) {
    try { if (v) { localStorage.setItem(KEY, v); } else { localStorage.removeItem(KEY); } }
    catch (e) { /* private mode */ }
  }

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  // The filter: words in the title, authors and venue (short and full names), year,
  // type, selected; its state is the page's URL, so that a filtered list can be shared
  // and survives a reload.
  function filter(form) {
    form.hidden = false;
    var text = document.getElementById("pub-filter-text");
    var year = document.getElementById("pub-filter-year");
    var kind = document.getElementById("pub-filter-kind");
    var selected = document.getElementById("pub-filter-selected");
    var count = document.getElementById("pub-filter-count");
    var clear = document.getElementById("pub-filter-clear");
    var pubs = Array.prototype.slice.call(document.querySelectorAll(".pub"));
    var haystack = pubs.map(function (p) {
      var parts = [".pub-title", ".pub-authors", ".pub-venue"].map(function (s) {
        var n = p.querySelector(s); return n ? n.textContent : "";
      });
      p.querySelectorAll(".pub-venue [title]").forEach(function (n) { parts.push(n.title); });
      return parts.join(" ").toLowerCase();
    });
    var params = new URLSearchParams(location.search);
    text.value = params.get("q") || "";
    year.value = params.get("year") || "";
    kind.value = params.get("type") || "";
    selected.checked = params.get("selected") === "1";
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
      var active = words.length || year.value || kind.value || selected.checked;
      count.textContent = !active ? "" : shown === 0 ? "No publication matches." :
        shown + " of " + pubs.length + " shown";
      clear.hidden = !active;
      var q = new URLSearchParams();
      if (text.value) { q.set("q", text.value); }
      if (year.value) { q.set("year", year.value); }
      if (kind.value) { q.set("type", kind.value); }
      if (selected.checked) { q.set("selected", "1"); }
      var search = q.toString();
      history.replaceState(null, "", location.pathname + (search ? "?" + search : "") + location.hash);
    }
    form.addEventListener("input", apply);
    form.addEventListener("reset", function () { setTimeout(apply, 0); });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    apply();
  }

  ready(function () {
    // Theme: System (the default: follows the system), Light or Dark, remembered.
    var choice = document.getElementById("theme-choice");
    if (choice) {
      var saved = stored();
      choice.value = saved === "light" || saved === "dark" ? saved : "system";
      choice.parentNode.hidden = false;
      choice.addEventListener("change", function () {
        if (choice.value === "system") { root.removeAttribute("data-theme"); store(null); }
        else { root.setAttribute("data-theme", choice.value); store(choice.value); }
      });
    }

    var form = document.querySelector(".pub-filter");
    if (form) { filter(form); }

    // Long author lists: the short form with "… 9 more …", which expands in place.
    document.querySelectorAll(".authors-short").forEach(function (short) {
      var full = short.previousElementSibling;
      full.hidden = true;
      short.hidden = false;
      short.querySelectorAll(".authors-more").forEach(function (more) {
        more.addEventListener("click", function () {
          short.hidden = true;
          full.hidden = false;
          full.setAttribute("tabindex", "-1");
          full.focus();
        });
      });
    });

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
