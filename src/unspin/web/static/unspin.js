/* unspin page: renders an analysis (the JSON of `unspin analyze --format json`).
 *
 * Used twice: by the web page (form -> /api/v1/analyze) and inlined into the standalone HTML
 * report (data from the JSON script element with id "unspin-data").
 *
 * Article text is untrusted: every piece of it reaches the DOM through textContent,
 * createTextNode or setAttribute, never through innerHTML or markup strings.
 * (This file is inlined inside a script element: it must never contain that element's closing tag.)
 */
(function () {
  "use strict";

  // Keys the view draws itself; any other key of the JSON is shown generically.
  var KNOWN_KEYS = ["unspin", "language", "text_chars", "spans", "techniques", "text"];
  var FALLBACK_COLOUR = "#999999";
  var HEX = /^#[0-9a-fA-F]{6}$/;

  // -- small DOM helpers ------------------------------------------------------------------
  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (attrs[k] === null || attrs[k] === undefined || attrs[k] === false) return;
        if (k === "text") node.textContent = String(attrs[k]);
        else if (k === "className") node.className = attrs[k];
        else node.setAttribute(k, attrs[k] === true ? "" : String(attrs[k]));
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function rgba(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + ((n >> 16) & 255) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function score(x) {
    return typeof x === "number" && isFinite(x) ? x.toFixed(2) : "?";
  }

  function humanKey(key) {
    var s = String(key).replace(/_/g, " ");
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  // -- technique lookup -------------------------------------------------------------------
  function Catalogue(list) {
    this.byName = {};
    this.order = [];
    var self = this;
    (list || []).forEach(function (t) {
      if (!t || typeof t.name !== "string") return;
      self.byName[t.name] = t;
      self.order.push(t.name);
    });
  }
  Catalogue.prototype.get = function (name) {
    var t = this.byName[name];
    return {
      name: String(name),
      display: t && t.display ? String(t.display) : String(name),
      explanation: t && t.explanation ? String(t.explanation) : "",
      colour: t && HEX.test(t.colour) ? t.colour : FALLBACK_COLOUR,
    };
  };

  // -- the article with its spans -----------------------------------------------------------
  /* Spans may nest or cross. The text is cut at every span boundary; each piece is wrapped in
   * marks for the spans covering it, outermost first. A span that crosses another is split into
   * several marks; its first mark is the one that takes keyboard focus. */
  function validSpans(doc) {
    var n = typeof doc.text === "string" ? doc.text.length : 0;
    return (Array.isArray(doc.spans) ? doc.spans : [])
      .map(function (s, i) { return { i: i, start: s.start, end: s.end, technique: String(s.technique), score: s.score }; })
      .filter(function (s) {
        return Number.isInteger(s.start) && Number.isInteger(s.end) && s.start >= 0 && s.start < s.end && s.end <= n;
      })
      .sort(function (a, b) { return a.start - b.start || b.end - a.end || a.i - b.i; });
  }

  function buildArticle(text, spans, cat, descIds) {
    var root = h("div", { className: "unspin-article", id: "unspin-article" });
    var cuts = [0, text.length];
    spans.forEach(function (s) { cuts.push(s.start, s.end); });
    cuts = cuts.filter(function (v, i, a) { return a.indexOf(v) === i; }).sort(function (a, b) { return a - b; });
    var stack = []; // [{span, node}]
    var started = {};
    var marks = [];
    for (var c = 0; c + 1 < cuts.length; c++) {
      var a = cuts[c], b = cuts[c + 1];
      var covering = spans.filter(function (s) { return s.start <= a && s.end >= b; });
      var keep = 0;
      while (keep < stack.length && keep < covering.length && stack[keep].span === covering[keep]) keep++;
      stack.length = keep;
      for (var k = keep; k < covering.length; k++) {
        var s = covering[k];
        var t = cat.get(s.technique);
        var mark = h("mark", { className: "unspin-span", "data-span": s.i, "data-technique": s.technique });
        mark.style.setProperty("--c", t.colour);
        mark.style.setProperty("--bg", rgba(t.colour, 0.22));
        if (!started[s.i]) {
          started[s.i] = true;
          mark.setAttribute("tabindex", "0");
          mark.setAttribute("id", "unspin-span-" + s.i);
          mark.setAttribute("aria-label", t.display + ", score " + score(s.score) + ": " + text.slice(s.start, s.end));
          if (descIds[s.technique]) mark.setAttribute("aria-describedby", descIds[s.technique]);
          mark.classList.add("unspin-first");
        }
        (stack.length ? stack[stack.length - 1].node : root).appendChild(mark);
        stack.push({ span: s, node: mark });
        marks.push(mark);
      }
      (stack.length ? stack[stack.length - 1].node : root).appendChild(document.createTextNode(text.slice(a, b)));
    }
    // Underlines of nested marks stack: an outer mark sits lower by the depth of what it holds.
    marks.reverse().forEach(function (m) {
      var depth = 0;
      for (var ch = m.firstElementChild; ch; ch = ch.nextElementSibling) {
        depth = Math.max(depth, 1 + Number(ch.dataset.depth || 0));
      }
      m.dataset.depth = String(depth);
      m.style.setProperty("--depth", String(Math.min(depth, 4)));
    });
    return root;
  }

  // -- tooltip ------------------------------------------------------------------------------
  function Tooltip(node, spansById, cat) {
    this.node = node;
    this.spansById = spansById;
    this.cat = cat;
  }
  Tooltip.prototype.show = function (mark) {
    var seen = {};
    var items = [];
    for (var m = mark; m && m.classList && m.classList.contains("unspin-span"); m = m.parentElement) {
      var id = m.getAttribute("data-span");
      if (seen[id] || m.classList.contains("unspin-off")) continue;
      seen[id] = true;
      items.push(this.spansById[id]);
    }
    if (!items.length) return this.hide();
    var self = this;
    this.node.replaceChildren();
    items.forEach(function (s) {
      var t = self.cat.get(s.technique);
      var head = h("div", { className: "unspin-tip-head" }, [
        h("span", { className: "unspin-swatch", "aria-hidden": "true" }),
        h("strong", { text: t.display }),
        h("span", { className: "unspin-tip-score", text: "score " + score(s.score) }),
      ]);
      head.firstChild.style.setProperty("--c", t.colour);
      self.node.appendChild(h("div", { className: "unspin-tip-item" }, [head, t.explanation ? h("p", { text: t.explanation }) : null]));
    });
    this.node.hidden = false;
    var r = mark.getBoundingClientRect();
    var tip = this.node.getBoundingClientRect();
    var left = Math.max(8, Math.min(r.left, window.innerWidth - tip.width - 8));
    var top = r.bottom + 8;
    if (top + tip.height > window.innerHeight - 8) top = Math.max(8, r.top - tip.height - 8);
    this.node.style.left = left + "px";
    this.node.style.top = top + "px";
  };
  Tooltip.prototype.hide = function () {
    this.node.hidden = true;
  };

  // -- legend, chart, list, extras --------------------------------------------------------------
  function countsOf(spans) {
    var counts = {};
    spans.forEach(function (s) { counts[s.technique] = (counts[s.technique] || 0) + 1; });
    return Object.keys(counts)
      .map(function (k) { return [k, counts[k]]; })
      .sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : 1); });
  }

  // A horizontal bar per technique, plain HTML and CSS: text stays crisp at any width and is
  // read by screen readers as a list.
  function buildChart(counts, cat) {
    var max = counts.reduce(function (m, c) { return Math.max(m, c[1]); }, 1);
    var list = h("ol", { className: "unspin-bars" });
    counts.forEach(function (c) {
      var t = cat.get(c[0]);
      var bar = h("span", { className: "unspin-bar", "aria-hidden": "true" });
      bar.style.setProperty("--c", t.colour);
      bar.style.setProperty("--w", Math.max(2, Math.round((100 * c[1]) / max)) + "%");
      list.appendChild(h("li", { "data-technique": c[0] }, [
        h("span", { className: "unspin-bar-label", text: t.display }),
        h("span", { className: "unspin-bar-track" }, [bar]),
        h("span", { className: "unspin-bar-count", text: String(c[1]), "aria-label": c[1] + (c[1] === 1 ? " span" : " spans") }),
      ]));
    });
    return list;
  }

  function renderValue(value, depth) {
    if (value === null || value === undefined) return h("span", { className: "unspin-muted", text: "\u2014" });
    if (typeof value !== "object") {
      return h("span", { text: typeof value === "number" && !Number.isInteger(value) ? value.toFixed(3) : String(value) });
    }
    if (depth > 4) return h("code", { text: JSON.stringify(value).slice(0, 300) });
    if (Array.isArray(value)) {
      if (!value.length) return h("span", { className: "unspin-muted", text: "none" });
      return h("ol", { className: "unspin-extra-list" }, value.slice(0, 200).map(function (v) { return h("li", null, [renderValue(v, depth + 1)]); }));
    }
    var dl = h("dl", { className: "unspin-extra-dl" });
    Object.keys(value).forEach(function (k) {
      dl.appendChild(h("dt", { text: humanKey(k) }));
      dl.appendChild(h("dd", null, [renderValue(value[k], depth + 1)]));
    });
    return dl;
  }

  function buildExtras(doc) {
    var keys = Object.keys(doc).filter(function (k) { return KNOWN_KEYS.indexOf(k) < 0; });
    if (!keys.length) return null;
    var box = h("section", { className: "unspin-card unspin-extras", "aria-labelledby": "unspin-extras-h" }, [
      h("h2", { id: "unspin-extras-h", text: "More readings" }),
    ]);
    keys.forEach(function (k) {
      box.appendChild(h("div", { className: "unspin-extra", "data-key": k }, [h("h3", { text: humanKey(k) }), renderValue(doc[k], 0)]));
    });
    return box;
  }

  // -- the whole view -------------------------------------------------------------------------
  function render(container, doc, techniques, tipNode) {
    var cat = new Catalogue(techniques);
    var text = typeof doc.text === "string" ? doc.text : "";
    var spans = validSpans(doc);
    var spansById = {};
    spans.forEach(function (s) { spansById[s.i] = s; });
    var counts = countsOf(spans);
    container.replaceChildren();

    // Explanations that marks point to with aria-describedby (read by screen readers on focus).
    var descIds = {};
    var descBox = h("div", { hidden: true });
    counts.forEach(function (c, i) {
      descIds[c[0]] = "unspin-exp-" + i;
      descBox.appendChild(h("p", { id: "unspin-exp-" + i, text: cat.get(c[0]).explanation }));
    });

    var summary = h("p", { className: "unspin-summary" }, [
      h("strong", { text: spans.length + (spans.length === 1 ? " span" : " spans") }),
      " of persuasion in " + text.length.toLocaleString("en") + " characters",
      " \u00b7 " + counts.length + (counts.length === 1 ? " technique" : " techniques"),
      " \u00b7 language " + String(doc.language || "?"),
      doc.unspin ? " \u00b7 unspin " + String(doc.unspin) : "",
    ]);
    var article = buildArticle(text, spans, cat, descIds);
    var articleCard = h("section", { className: "unspin-card unspin-article-card", "aria-labelledby": "unspin-article-h" }, [
      h("h2", { id: "unspin-article-h", text: "The text, with its persuasion spans" }),
      h("p", { className: "unspin-hint", text: "Hover over a highlighted passage, or move to it with Tab, to see its technique, score and explanation." }),
      article,
    ]);
    if (!spans.length) {
      articleCard.insertBefore(h("p", { className: "unspin-none", text: "No persuasion techniques found above the model's threshold." }), article);
    }

    var hidden = {};
    var legendList = h("ul", { className: "unspin-legend" });
    function applyFilter() {
      Array.prototype.forEach.call(article.querySelectorAll("mark.unspin-span"), function (m) {
        var off = !!hidden[m.getAttribute("data-technique")];
        m.classList.toggle("unspin-off", off);
        if (m.classList.contains("unspin-first")) m.setAttribute("tabindex", off ? "-1" : "0");
      });
      Array.prototype.forEach.call(container.querySelectorAll("[data-technique]"), function (n) {
        if (n.tagName.toLowerCase() !== "mark") n.classList.toggle("unspin-dim", !!hidden[n.getAttribute("data-technique")]);
      });
      Array.prototype.forEach.call(legendList.querySelectorAll("button"), function (b) {
        b.setAttribute("aria-pressed", hidden[b.getAttribute("data-name")] ? "false" : "true");
      });
    }
    counts.forEach(function (c) {
      var t = cat.get(c[0]);
      var sw = h("span", { className: "unspin-swatch", "aria-hidden": "true" });
      sw.style.setProperty("--c", t.colour);
      var btn = h("button", { type: "button", className: "unspin-legend-btn", "data-name": c[0], "aria-pressed": "true", title: t.explanation }, [
        sw,
        h("span", { className: "unspin-legend-name", text: t.display }),
        h("span", { className: "unspin-legend-count", text: String(c[1]) }),
      ]);
      btn.addEventListener("click", function () {
        hidden[c[0]] = !hidden[c[0]];
        applyFilter();
      });
      legendList.appendChild(h("li", null, [btn]));
    });
    var allBtn = h("button", { type: "button", className: "unspin-link", text: "Show all" });
    allBtn.addEventListener("click", function () { hidden = {}; applyFilter(); });
    var noneBtn = h("button", { type: "button", className: "unspin-link", text: "Hide all" });
    noneBtn.addEventListener("click", function () { counts.forEach(function (c) { hidden[c[0]] = true; }); applyFilter(); });

    var aside = h("aside", { className: "unspin-side" }, [
      h("section", { className: "unspin-card", "aria-labelledby": "unspin-legend-h" }, [
        h("h2", { id: "unspin-legend-h", text: "Techniques" }),
        counts.length ? h("p", { className: "unspin-hint", text: "Press a technique to hide or show its highlights." }) : null,
        legendList,
        counts.length ? h("div", { className: "unspin-legend-actions" }, [allBtn, noneBtn]) : null,
      ]),
      counts.length
        ? h("section", { className: "unspin-card", "aria-labelledby": "unspin-chart-h" }, [h("h2", { id: "unspin-chart-h", text: "How often" }), buildChart(counts, cat)])
        : null,
    ]);

    var list = null;
    if (spans.length) {
      var tbody = h("tbody");
      spans.forEach(function (s, n) {
        var t = cat.get(s.technique);
        var go = h("button", { type: "button", className: "unspin-link", text: String(n + 1), "aria-label": "Go to span " + (n + 1) });
        go.addEventListener("click", function () {
          var target = document.getElementById("unspin-span-" + s.i);
          if (target) { target.scrollIntoView({ block: "center" }); target.focus(); }
        });
        var sw = h("span", { className: "unspin-swatch", "aria-hidden": "true" });
        sw.style.setProperty("--c", t.colour);
        tbody.appendChild(h("tr", { "data-technique": s.technique }, [
          h("td", null, [go]),
          h("td", null, [sw, t.display]),
          h("td", { className: "unspin-num", text: score(s.score) }),
          h("td", { className: "unspin-excerpt", text: text.slice(s.start, s.end) }),
        ]));
      });
      list = h("details", { className: "unspin-card unspin-list" }, [
        h("summary", null, [h("h2", { text: "All spans (" + spans.length + ")" })]),
        h("table", null, [
          h("thead", null, [h("tr", null, [h("th", { scope: "col", text: "#" }), h("th", { scope: "col", text: "Technique" }), h("th", { scope: "col", text: "Score" }), h("th", { scope: "col", text: "Text" })])]),
          tbody,
        ]),
      ]);
    }

    container.appendChild(summary);
    container.appendChild(h("div", { className: "unspin-grid" }, [articleCard, aside]));
    if (list) container.appendChild(list);
    var extras = buildExtras(doc);
    if (extras) container.appendChild(extras);
    container.appendChild(descBox);
    container.hidden = false;

    var tip = new Tooltip(tipNode, spansById, cat);
    function markOf(e) {
      return e.target && e.target.closest ? e.target.closest("mark.unspin-span") : null;
    }
    article.addEventListener("mouseover", function (e) { var m = markOf(e); if (m) tip.show(m); else tip.hide(); });
    article.addEventListener("mouseleave", function () { tip.hide(); });
    article.addEventListener("focusin", function (e) { var m = markOf(e); if (m) tip.show(m); });
    article.addEventListener("focusout", function () { tip.hide(); });
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") tip.hide(); });
    window.addEventListener("scroll", function () { tip.hide(); }, { passive: true });
  }

  // -- web page: the form ---------------------------------------------------------------------
  function setupForm() {
    var form = document.getElementById("unspin-form");
    if (!form) return;
    var textArea = document.getElementById("unspin-text");
    var fileInput = document.getElementById("unspin-file");
    var urlInput = document.getElementById("unspin-url");
    var language = document.getElementById("unspin-language");
    var button = document.getElementById("unspin-analyse");
    var status = document.getElementById("unspin-status");
    var result = document.getElementById("unspin-result");
    var tipNode = document.getElementById("unspin-tip");
    var techniques = null;

    function setStatus(message, isError) {
      status.textContent = message;
      status.classList.toggle("unspin-error", !!isError);
    }

    fetch("/healthz").then(function (r) { return r.json(); }).then(function (info) {
      if (info && info.url_fetch === true) document.getElementById("unspin-url-row").hidden = false;
    }).catch(function () {});

    textArea.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
    });
    var clearFile = document.getElementById("unspin-file-clear");
    fileInput.addEventListener("change", function () { clearFile.hidden = !fileInput.files.length; });
    clearFile.addEventListener("click", function () { fileInput.value = ""; clearFile.hidden = true; fileInput.focus(); });

    function loadTechniques() {
      if (techniques) return Promise.resolve(techniques);
      return fetch("/api/v1/techniques").then(function (r) {
        if (!r.ok) throw new Error("could not load the technique list (HTTP " + r.status + ")");
        return r.json();
      }).then(function (list) { techniques = list; return list; });
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var init;
      var lang = language.value || "auto";
      if (fileInput.files && fileInput.files.length) {
        var body = new FormData();
        body.append("file", fileInput.files[0]);
        body.append("language", lang);
        init = { method: "POST", body: body };
      } else if (urlInput && urlInput.value.trim() && !document.getElementById("unspin-url-row").hidden) {
        init = { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ url: urlInput.value.trim(), language: lang }) };
      } else if (textArea.value.trim()) {
        init = { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text: textArea.value, language: lang }) };
      } else {
        setStatus("Paste a text or choose a file first.", true);
        textArea.focus();
        return;
      }
      button.disabled = true;
      form.setAttribute("aria-busy", "true");
      setStatus("Analysing\u2026", false);
      Promise.all([
        fetch("/api/v1/analyze?include_text=true", init).then(function (r) {
          return r.json().catch(function () { return { error: "the server answered HTTP " + r.status }; }).then(function (j) {
            if (!r.ok) throw new Error(j && j.error ? j.error : "the server answered HTTP " + r.status);
            return j;
          });
        }),
        loadTechniques(),
      ]).then(function (both) {
        render(result, both[0], both[1], tipNode);
        var n = Array.isArray(both[0].spans) ? both[0].spans.length : 0;
        setStatus("Done: " + n + (n === 1 ? " span" : " spans") + " found.", false);
        result.focus();
      }).catch(function (err) {
        setStatus("Could not analyse: " + (err && err.message ? err.message : String(err)), true);
      }).then(function () {
        button.disabled = false;
        form.removeAttribute("aria-busy");
      });
    });
  }

  function boot() {
    var data = document.getElementById("unspin-data");
    if (data) {
      var payload = JSON.parse(data.textContent);
      render(document.getElementById("unspin-result"), payload.document, payload.techniques, document.getElementById("unspin-tip"));
    } else {
      setupForm();
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
