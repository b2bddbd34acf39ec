// medcode UI behaviour. The note never leaves this page except in the
// analyze request: the evidence view is built here, from the textarea's
// text and the byte offsets the server returned.
(function () {
  "use strict";

  var encoder = new TextEncoder();

  // indexOfByte maps UTF-8 byte offsets (the server's) to string indexes
  // (JavaScript's UTF-16), or null for an offset inside a character.
  function indexOfByte(text) {
    var map = new Map();
    var b = 0, i = 0;
    for (var ch of text) {
      map.set(b, i);
      b += encoder.encode(ch).length;
      i += ch.length;
    }
    map.set(b, i);
    return function (off) { return map.has(off) ? map.get(off) : null; };
  }

  function parseSpans(attr) {
    return (attr || "").split(/\s+/).filter(Boolean).map(function (s) {
      var p = s.split("-");
      return { start: parseInt(p[0], 10), end: parseInt(p[1], 10) };
    });
  }

  function noteSource() {
    return document.getElementById("note") || document.getElementById("note-recall");
  }

  // render rebuilds the note view of one result with its evidence marked.
  function render(result) {
    var view = result.querySelector(".note-text");
    var source = noteSource();
    if (!view || !source) { return; }
    var text = source.value;
    var status = result.querySelector(".note-status");
    view.textContent = "";
    if (!text) {
      if (status) { status.textContent = "Paste the note to see its evidence here. It stays in your browser."; }
      return;
    }
    var toIndex = indexOfByte(text);
    var cover = []; // [{start, end, anchor, phi}]
    result.querySelectorAll("[data-evidence]").forEach(function (el) {
      parseSpans(el.getAttribute("data-evidence")).forEach(function (s) {
        var a = toIndex(s.start), b = toIndex(s.end);
        if (a !== null && b !== null && a < b) {
          cover.push({ start: a, end: b, anchor: el.id, phi: el.getAttribute("data-kind") === "phi" });
        }
      });
    });
    var cuts = new Set([0, text.length]);
    cover.forEach(function (c) { cuts.add(c.start); cuts.add(c.end); });
    var points = Array.from(cuts).sort(function (x, y) { return x - y; });
    var frag = document.createDocumentFragment();
    for (var k = 0; k + 1 < points.length; k++) {
      var a = points[k], b = points[k + 1];
      var piece = text.slice(a, b);
      var anchors = [], phi = false;
      cover.forEach(function (c) {
        if (c.start <= a && b <= c.end) {
          if (anchors.indexOf(c.anchor) < 0) { anchors.push(c.anchor); }
          phi = phi || c.phi;
        }
      });
      if (!anchors.length) {
        frag.appendChild(document.createTextNode(piece));
        continue;
      }
      var mark = document.createElement("a");
      mark.className = phi ? "ev phi" : "ev";
      mark.href = "#" + anchors[0];
      mark.setAttribute("data-anchors", anchors.join(" "));
      mark.title = anchors.map(codeOf).join(", ");
      mark.textContent = piece;
      frag.appendChild(mark);
    }
    view.appendChild(frag);
    checkHash(result, text, status);
  }

  function codeOf(anchorID) {
    var el = document.getElementById(anchorID);
    var code = el && el.querySelector(".code");
    return code ? code.textContent.trim() : (el ? el.textContent.trim() : anchorID);
  }

  function checkHash(result, text, status) {
    var want = result.getAttribute("data-note-sha256");
    if (!status) { return; }
    var source = noteSource();
    if (source && source.getAttribute("data-source") === "retained") {
      status.textContent = "The note the organization retained under its BAA; this view is in the audit log.";
      return;
    }
    if (!want || !(window.crypto && crypto.subtle)) {
      status.textContent = "Drawn by your browser from the text you entered; the server never sends it back.";
      return;
    }
    crypto.subtle.digest("SHA-256", encoder.encode(text)).then(function (buf) {
      var hex = Array.from(new Uint8Array(buf)).map(function (x) { return x.toString(16).padStart(2, "0"); }).join("");
      status.textContent = hex === want
        ? "Drawn by your browser from the note you analysed; the server never sends it back."
        : "This text differs from the analysed note, so the highlights may not line up.";
      status.classList.toggle("warn", hex !== want);
    });
  }

  // highlight marks the evidence of one row (a code or an identifier).
  function highlight(result, anchorID, scroll) {
    result.querySelectorAll(".ev.active, .active-row").forEach(function (el) {
      el.classList.remove("active", "active-row");
    });
    var row = document.getElementById(anchorID);
    if (row) { row.classList.add("active-row"); }
    var first = null;
    result.querySelectorAll(".ev").forEach(function (m) {
      if ((" " + m.getAttribute("data-anchors") + " ").indexOf(" " + anchorID + " ") >= 0) {
        m.classList.add("active");
        first = first || m;
      }
    });
    if (scroll && first) { first.scrollIntoView({ block: "nearest", behavior: "smooth" }); }
  }

  function wire(result) {
    if (result.dataset.wired) { render(result); return; }
    result.dataset.wired = "1";
    result.addEventListener("click", function (e) {
      var btn = e.target.closest(".show-evidence");
      if (btn) {
        var row = btn.closest("[data-evidence]");
        if (row) { highlight(result, row.id, true); }
        return;
      }
      var mark = e.target.closest(".ev");
      if (mark) {
        highlight(result, mark.getAttribute("data-anchors").split(" ")[0], false);
      }
    });
    result.addEventListener("mouseover", function (e) {
      var row = e.target.closest("tr[data-evidence], li[data-evidence]");
      if (row) { highlight(result, row.id, false); }
    });
    result.addEventListener("focusin", function (e) {
      var row = e.target.closest("[data-evidence]");
      if (row && row.id) { highlight(result, row.id, false); }
    });
    render(result);
  }

  function wireAll(root) {
    root.querySelectorAll(".result").forEach(wire);
  }

  // A chosen .txt file is read into the textarea, so the browser holds the
  // text to draw the evidence view, and only the textarea is sent.
  function wireFile() {
    var file = document.getElementById("file");
    var note = document.getElementById("note");
    if (!file || !note) { return; }
    file.addEventListener("change", function () {
      var f = file.files && file.files[0];
      if (!f) { return; }
      f.text().then(function (text) {
        note.value = text.replace(/\r\n/g, "\n");
        file.value = "";
        note.focus();
      });
    });
  }

  function wireRecall() {
    var recall = document.getElementById("note-recall");
    if (!recall) { return; }
    var timer = null;
    recall.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { wireAll(document); }, 200);
    });
  }

  // In BAA mode a feedback form may carry the note: only when its box is
  // ticked does the note on this page go into the form.
  function wireFeedback() {
    document.querySelectorAll("form[data-attach-note]").forEach(function (form) {
      form.addEventListener("submit", function () {
        var box = form.querySelector("input[name=attach_note]");
        var field = form.querySelector("input[name=note]");
        var source = noteSource();
        field.value = box.checked && source ? source.value : "";
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireFile();
    wireRecall();
    wireFeedback();
    wireAll(document);
    document.body.addEventListener("htmx:afterSettle", function (e) { wireAll(e.target); });
  });
})();
