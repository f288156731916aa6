// Search over the archive's digests without a server: the data is in search-index.js (window.UNIONWATCH_SEARCH).
// Results are built with textContent only, so nothing in a digest can become markup here.
(function () {
  "use strict";
  var data = window.UNIONWATCH_SEARCH || { digests: [] };
  var box = document.getElementById("search");
  var out = document.getElementById("results");
  if (!box || !out) { return; }

  function snippet(text, term) {
    var at = text.indexOf(term);
    if (at < 0) { return ""; }
    var start = Math.max(0, at - 70);
    var end = Math.min(text.length, at + term.length + 90);
    return (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
  }

  function run() {
    var query = box.value.toLowerCase().trim();
    out.textContent = "";
    if (!query) { out.hidden = true; return; }
    var terms = query.split(/\s+/);
    var hits = data.digests.filter(function (d) {
      return terms.every(function (t) { return d.text.indexOf(t) >= 0; });
    });
    out.hidden = false;
    var summary = document.createElement("p");
    summary.className = "meta";
    summary.textContent = hits.length + (hits.length === 1 ? " digest matches" : " digests match") + " “" + query + "”";
    out.appendChild(summary);
    var list = document.createElement("ul");
    hits.forEach(function (d) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = d.url;
      link.textContent = d.week + " (" + d.period + ")";
      item.appendChild(link);
      var text = document.createElement("div");
      text.className = "snippet";
      text.textContent = snippet(d.text, terms[0]);
      item.appendChild(text);
      list.appendChild(item);
    });
    out.appendChild(list);
  }

  box.addEventListener("input", run);
  if (location.hash.indexOf("#q=") === 0) {
    box.value = decodeURIComponent(location.hash.slice(3));
    run();
  }
})();
