// Search over the archive's digests without a server: the data is in search-index.js (window.UNIONWATCH_SEARCH),
// each digest with its words as the archive's search tokens (stems in Latin letters, pipeline/topics/search_terms.py).
// The box filters the list of weeks below it. A query word is cut roughly to its stem here (no stemmer in the
// browser): trailing vowels dropped, Cyrillic spelled in Latin as the tokens are, then matched as a prefix.
// Results are built with textContent only, so nothing in a digest can become markup here.
(function () {
  "use strict";
  var data = window.UNIONWATCH_SEARCH || { digests: [] };
  var box = document.getElementById("search");
  var matched = document.getElementById("matched");
  if (!box || !matched) { return; }
  var byWeek = {};
  data.digests.forEach(function (d) { byWeek[d.week] = d; });
  var weeks = Array.prototype.slice.call(document.querySelectorAll(".week[data-week]"));

  var LETTERS = { "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "iu", "я": "ia", "і": "i", "ў": "u", "ї": "i", "є": "e", "ґ": "g" };
  var FOLD = [["kh", "h"], ["y", "i"], ["j", "i"], ["w", "v"], ["x", "ks"]];
  var ALIASES = [["belor", "belar"], ["rossi", "russi"], ["moskv", "mosco"]];

  function prefix(word) {
    var w = word.toLowerCase().replace(/[аеёиоуыэюяьйaeiouy]{1,2}$/, "");
    var t = "";
    for (var i = 0; i < w.length; i++) { t += LETTERS.hasOwnProperty(w[i]) ? LETTERS[w[i]] : w[i]; }
    FOLD.forEach(function (f) { t = t.split(f[0]).join(f[1]); });
    ALIASES.forEach(function (a) { if (t.indexOf(a[0]) === 0) { t = a[1] + t.slice(a[0].length); } });
    return t.slice(0, Math.max(3, Math.min(t.length, Math.max(5, t.length - 3))));
  }

  function has(d, p) {
    return d.tokens.some(function (t) { return t.indexOf(p) === 0; });
  }

  function snippet(text, words) {
    var lower = text.toLowerCase();
    for (var i = 0; i < words.length; i++) {
      var at = lower.indexOf(words[i].toLowerCase().slice(0, 4));
      if (at >= 0) {
        var start = Math.max(0, at - 70);
        var end = Math.min(text.length, at + 120);
        return (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
      }
    }
    return "";
  }

  function run() {
    var query = box.value.trim();
    var words = query.split(/[^0-9A-Za-z\u00C0-\u024F\u0400-\u04FF]+/).filter(function (w) { return w.length > 1; });
    var prefixes = words.map(prefix).filter(function (p) { return p.length > 0; });
    var shown = 0;
    weeks.forEach(function (el) {
      var d = byWeek[el.getAttribute("data-week")];
      var old = el.querySelector(".snippet");
      if (old) { old.parentNode.removeChild(old); }
      var hit = !prefixes.length || (d && prefixes.every(function (p) { return has(d, p); }));
      el.hidden = !hit;
      if (hit) { shown += 1; }
      if (hit && prefixes.length && d) {
        var text = document.createElement("p");
        text.className = "snippet";
        text.textContent = snippet(d.text, words);
        el.appendChild(text);
      }
    });
    matched.hidden = !prefixes.length;
    matched.textContent = prefixes.length
      ? shown + " of " + weeks.length + (weeks.length === 1 ? " digest matches" : " digests match") + " “" + query + "”"
      : "";
  }

  box.addEventListener("input", run);
  if (location.hash.indexOf("#q=") === 0) {
    box.value = decodeURIComponent(location.hash.slice(3));
    run();
  }
})();
