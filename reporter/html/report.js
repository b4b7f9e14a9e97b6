// wsconform report: filters and case details, driven by the URL hash so
// that any view can be linked to (and scripted: #v=FAILED&open=0/5.19&wire=1).
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.case"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("tbody.section"));
  var inputs = { v: $("f-v"), s: $("f-s"), l: $("f-l"), q: $("f-q") };

  function readHash() {
    var st = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
      if (!kv) return;
      var i = kv.indexOf("=");
      var k = i < 0 ? kv : kv.slice(0, i);
      st[decodeURIComponent(k)] = i < 0 ? "1" : decodeURIComponent(kv.slice(i + 1).replace(/\+/g, " "));
    });
    return st;
  }

  function writeHash(st) {
    var parts = [];
    Object.keys(st).forEach(function (k) {
      if (st[k]) parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(st[k]));
    });
    var h = parts.length ? "#" + parts.join("&") : "#";
    if (location.hash !== h) location.hash = h;
  }

  function matches(row, st) {
    if (st.s && row.dataset.section !== st.s) return false;
    if (st.v) {
      if (st.v === "gate") {
        if (!row.querySelector("td.gating")) return false;
      } else if (row.dataset.verdicts.split("|").indexOf(st.v) < 0) return false;
    }
    if (st.l && (" " + row.dataset.labels + " ").indexOf(" " + st.l + " ") < 0) return false;
    if (st.q && row.dataset.search.indexOf(st.q.toLowerCase()) < 0) return false;
    return true;
  }

  function filter(st) {
    var shown = 0;
    rows.forEach(function (row) {
      var ok = matches(row, st);
      row.hidden = !ok;
      if (ok) shown++;
    });
    sections.forEach(function (sec) {
      sec.hidden = !sec.querySelector("tr.case:not([hidden])");
    });
    $("shown").textContent = shown;
    document.body.dataset.shown = shown;
  }

  function renderWire(details) {
    var body = details.querySelector(".wirebody");
    if (body.dataset.done) return;
    body.dataset.done = "1";
    var entries = JSON.parse($(details.dataset.wire).textContent) || [];
    var table = document.createElement("table");
    table.className = "wirelog";
    entries.forEach(function (e) {
      var tr = table.insertRow();
      tr.className = "entry " + e.dir;
      var cells = [
        ((e.at_ns || 0) / 1e6).toFixed(3) + " ms",
        e.dir === "tx" ? "→ tx" : e.dir === "rx" ? "← rx" : "·",
        e.octets ? e.octets + " B" : "",
        e.frame || e.text || "",
        e.hex || ""
      ];
      var cls = ["at", "dir", "octets", "what", "hex"];
      cells.forEach(function (text, i) {
        var td = tr.insertCell();
        td.className = cls[i];
        td.textContent = text;
      });
    });
    if (!entries.length) body.textContent = "empty";
    body.appendChild(table);
  }

  function openDetail(st) {
    Array.prototype.forEach.call(document.querySelectorAll("article.detail:not([hidden])"), function (a) {
      if (a.dataset.key !== st.open) a.hidden = true;
    });
    if (!st.open) return;
    var art = $("detail-" + st.open);
    if (!art) return;
    art.hidden = false;
    var wire = art.querySelector("details.wire");
    if (st.wire) wire.open = true;
    if (wire.open) renderWire(wire);
    var row = document.getElementById("case-" + art.dataset.key.slice(art.dataset.key.indexOf("/") + 1));
    if (row) {
      var box = row.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) row.scrollIntoView({ block: "center" });
    }
  }

  function apply() {
    var st = readHash();
    Object.keys(inputs).forEach(function (k) { inputs[k].value = st[k] || ""; });
    filter(st);
    openDetail(st);
  }

  function fromInputs() {
    var st = readHash();
    Object.keys(inputs).forEach(function (k) { st[k] = inputs[k].value; });
    writeHash(st);
  }

  Object.keys(inputs).forEach(function (k) {
    inputs[k].addEventListener(k === "q" ? "input" : "change", fromInputs);
  });
  $("f-clear").addEventListener("click", function () { writeHash({}); });
  $("f-close").addEventListener("change", function (ev) {
    document.body.classList.toggle("noclose", !ev.target.checked);
  });
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest("a[data-open], a[data-close]");
    if (!a) return;
    ev.preventDefault();
    var st = readHash();
    st.open = a.dataset.open || "";
    delete st.wire;
    writeHash(st);
  });
  document.addEventListener("toggle", function (ev) {
    if (ev.target.matches && ev.target.matches("details.wire") && ev.target.open) renderWire(ev.target);
  }, true);
  window.addEventListener("hashchange", apply);
  apply();
})();
