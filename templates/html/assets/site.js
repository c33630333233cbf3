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

  // What a visitor types and what the page says compare folded: without accents (Unicode
  // NFD, combining marks dropped: "Müller", "García", "Nguyễn"), the letters NFD keeps
  // whole spelled as they are typed on an English keyboard, one apostrophe for the
  // curly ones, and commas as spaces ("Xing, Eric" is the words "xing" and "eric").
  var LETTERS = {"ø": "o", "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d",
    "þ": "th", "ı": "i", "ħ": "h", "ŋ": "n", "ŧ": "t"};
  var MARKS = /\p{M}/gu;
  var OTHER = /[øłßæœđðþıħŋŧ]/g;
  var QUOTES = /[\u2018\u2019\u02bc\u0060\u00b4]/g;
  function fold(text) {
    return text.normalize("NFD").replace(MARKS, "").toLowerCase()
      .replace(OTHER, function (c) { return LETTERS[c]; }).replace(QUOTES, "'")
      .replace(/,/g, " ");
  }

  // The filter: words in the title, authors, venue (short and full names) and keywords,
  // year, type, selected; its state is the page's URL, so that a filtered list can be
  // shared and survives a reload. Typing runs it once the keys pause (a list of a
  // thousand entries would otherwise be filtered and laid out again on every key).
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
      parts.push(p.getAttribute("data-keywords") || "");
      return fold(parts.join(" "));
    });
    var groups = Array.prototype.slice.call(document.querySelectorAll(".pub-group"));
    var params = new URLSearchParams(location.search);
    text.value = params.get("q") || "";
    year.value = params.get("year") || "";
    kind.value = params.get("type") || "";
    selected.checked = params.get("selected") === "1";
    function apply() {
      var words = fold(text.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      pubs.forEach(function (p, i) {
        var ok = words.every(function (w) { return haystack[i].indexOf(w) !== -1; }) &&
          (!year.value || p.getAttribute("data-year") === year.value) &&
          (!kind.value || p.getAttribute("data-kind") === kind.value) &&
          (!selected.checked || p.getAttribute("data-selected") === "true");
        if (p.hidden === ok) { p.hidden = !ok; }  // untouched entries are not laid out again
        if (ok) { shown += 1; }
      });
      groups.forEach(function (h) {
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
    var pending = 0;
    form.addEventListener("input", function (e) {
      clearTimeout(pending);
      if (e.target === text) { pending = setTimeout(apply, 150); } else { apply(); }
    });
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

    // Long author lists: the short form with "9 more authors", which expands in place;
    // the full list ends with a button that shows fewer again.
    document.querySelectorAll(".authors-short").forEach(function (short) {
      var full = short.previousElementSibling;
      var fewer = document.createElement("button");
      fewer.type = "button";
      fewer.className = "authors-fewer";
      fewer.textContent = "show fewer";
      full.appendChild(fewer);
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
      fewer.addEventListener("click", function () {
        full.hidden = true;
        short.hidden = false;
        short.querySelector(".authors-more").focus();
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
