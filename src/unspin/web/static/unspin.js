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

  // True on the web page (setupForm), false in a standalone report: hints say how to add
  // reference texts in the view the reader has (a file input, or the CLI's --evidence).
  var onPage = false;

  // Keys the view draws itself, declared once in Python (unspin.readings.known_keys) and
  // embedded by the page and the report; any other key of the JSON is shown generically.
  var KNOWN_KEYS = (function () {
    var node = document.getElementById("unspin-readings");
    try { return node ? JSON.parse(node.textContent).known_keys || [] : []; } catch (e) { return []; }
  })();
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

  /* Article text text[a:b] into parent. CSS breaks lines only at "\n": a lone "\r" (old Mac
   * files), U+2028/U+2029, U+0085, a vertical tab or a form feed would run a headline into the
   * body. The models read these as line and paragraph breaks (unspin/view.py), so the page shows
   * them so too, with <br> elements after the character: textContent stays exactly the text. */
  var BREAKS = /\r(?!\n)|[\u2028\u2029\u0085\u000b\u000c]/g;
  function appendText(parent, text, a, b) {
    var piece = text.slice(a, b);
    var at = 0, m;
    BREAKS.lastIndex = 0;
    while ((m = BREAKS.exec(piece)) !== null) {
      // A "\r" at the end of the piece is lone only if the text goes on without "\n".
      if (m[0] === "\r" && m.index === piece.length - 1 && text.charAt(b) === "\n") continue;
      parent.appendChild(document.createTextNode(piece.slice(at, m.index + 1)));
      parent.appendChild(document.createElement("br"));
      if (m[0] === "\u2029" || m[0] === "\u000c") parent.appendChild(document.createElement("br"));
      at = m.index + 1;
    }
    if (at < piece.length) parent.appendChild(document.createTextNode(piece.slice(at)));
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
  /* The list may hold both languages' techniques (the page loads them all). One name is in both,
   * "Repetition": a text of language `language` gets its own language's entry (Russian entries
   * carry a meta_class), so an English analysis never shows the Russian name. `own`: the
   * techniques of the model of your own that read the text (the analysis's own_techniques; the
   * two analyses' in a comparison), which name it before any built-in entry of the same name. */
  function Catalogue(list, language, own) {
    this.byName = {};
    this.order = [];
    var self = this;
    (list || []).forEach(function (t) {
      if (!t || typeof t.name !== "string") return;
      var russian = typeof t.meta_class === "string" && t.meta_class !== "";
      if (!(t.name in self.byName)) self.order.push(t.name);
      else if (russian !== (language === "ru")) return;
      self.byName[t.name] = t;
    });
    (Array.isArray(own) ? own : []).forEach(function (t) {
      if (!t || typeof t.name !== "string") return;
      if (!(t.name in self.byName)) self.order.push(t.name);
      self.byName[t.name] = t;
    });
  }
  function ownOf(doc) {
    return doc && Array.isArray(doc.own_techniques) ? doc.own_techniques : [];
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

  // -- strength ------------------------------------------------------------------------------
  /* A span's score is the model's probability that the stretch is a persuasion span times the
   * probability of its technique. Three steps make it visible without hovering: the tint and
   * the underline grow with the step. The cut points split the shipped model's scores on the
   * bundled example roughly into thirds (0.08 ... 0.48). */
  var STRENGTH_CUTS = [0.15, 0.35];
  var STRENGTH_NAMES = ["", "weak", "medium", "strong"];
  var STRENGTH_ALPHA = [0, 0.1, 0.22, 0.4];
  function strengthOf(x) {
    if (typeof x !== "number" || !isFinite(x)) return 1;
    return x >= STRENGTH_CUTS[1] ? 3 : x >= STRENGTH_CUTS[0] ? 2 : 1;
  }

  // -- the article with its spans and claims ----------------------------------------------------
  /* Offsets in the analysis count characters as Python does (code points); a JavaScript string
   * counts UTF-16 units, two for an emoji or a styled letter (U+1D400...). Returns a function from
   * a code-point offset to a UTF-16 index (NaN outside the text). Without astral characters the
   * two agree and the map is skipped. */
  function unitIndex(text) {
    if (!/[\uD800-\uDFFF]/.test(text)) return function (k) { return k >= 0 && k <= text.length ? k : NaN; };
    var map = [];
    for (var i = 0; i < text.length; ) {
      map.push(i);
      var c = text.charCodeAt(i);
      i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    }
    map.push(text.length);
    return function (k) { return Number.isInteger(k) && k >= 0 && k < map.length ? map[k] : NaN; };
  }

  /* Spans and claims may nest or cross. The text is cut at every boundary; each piece is wrapped
   * in elements for the items covering it, outermost first. An item that crosses another is split
   * into several elements; its first element is the one that takes keyboard focus. Claims are
   * <span class="unspin-claim"> with a small button in front (its label comes from CSS, so the
   * article's textContent stays exactly the text); technique spans are <mark>. */
  function validSpans(doc, text) {
    var at = unitIndex(text);
    return (Array.isArray(doc.spans) ? doc.spans : [])
      .map(function (s, i) {
        // Cue words (why this phrase): code-point ranges turned into UTF-16 ones like the span's.
        var cues = (Array.isArray(s.cues) ? s.cues : []).map(function (r) { return Array.isArray(r) ? [at(r[0]), at(r[1])] : [NaN, NaN]; })
          .filter(function (r) { return Number.isInteger(r[0]) && Number.isInteger(r[1]) && r[0] < r[1]; });
        return { kind: "span", i: i, start: at(s.start), end: at(s.end), technique: String(s.technique), score: s.score, cues: cues,
          why: typeof s.cue_why === "string" ? s.cue_why : "" };
      })
      .filter(function (s) { return Number.isInteger(s.start) && Number.isInteger(s.end) && s.start < s.end; })
      .sort(function (a, b) { return a.start - b.start || b.end - a.end || a.i - b.i; });
  }

  // How many claims a view leads with (unspin.document.FIRST_CLAIMS): the others stay one step
  // away, underlined only when the reader asks for all of them.
  var FIRST_CLAIMS = 3;

  function validClaims(doc, text) {
    var at = unitIndex(text);
    var claims = (Array.isArray(doc.claims) ? doc.claims : [])
      .map(function (c, i) { return { kind: "claim", i: i, start: at(c && c.start), end: at(c && c.end), score: c && c.score, evidence: c && c.evidence,
        rank: c && Number.isInteger(c.rank) ? c.rank : null }; })
      .filter(function (c) { return Number.isInteger(c.start) && Number.isInteger(c.end) && c.start < c.end; });
    // Analyses from before ranks existed: by score, ties in text order (as unspin.document.ranked_spans).
    if (claims.some(function (c) { return c.rank === null; })) {
      claims.slice().sort(function (a, b) { return (b.score || 0) - (a.score || 0) || a.i - b.i; })
        .forEach(function (c, k) { c.rank = k + 1; });
    }
    return claims;
  }

  function byRank(claims) {
    return claims.slice().sort(function (a, b) { return a.rank - b.rank; });
  }

  // Whether the claims were matched against reference texts (--evidence): each then has a list.
  function hasEvidence(claims) {
    return claims.some(function (c) { return Array.isArray(c.evidence); });
  }

  // Passages: distinct (start, end). The one count used everywhere (see components/summary.py):
  // a passage carrying two techniques is one passage, and one under each technique.
  function passageCount(spans) {
    var seen = {};
    spans.forEach(function (s) { seen[s.start + ":" + s.end] = true; });
    return Object.keys(seen).length;
  }

  function buildArticle(text, spans, claims, cat, opts) {
    var prefix = opts.prefix;
    var root = h("div", { className: "unspin-article", id: opts.id });
    var items = spans.concat(claims).sort(function (a, b) {
      return a.start - b.start || b.end - a.end || (a.kind === b.kind ? a.i - b.i : a.kind === "claim" ? -1 : 1);
    });
    var cuts = [0, text.length];
    items.forEach(function (s) { cuts.push(s.start, s.end); });
    cuts = cuts.filter(function (v, i, a) { return a.indexOf(v) === i; }).sort(function (a, b) { return a - b; });
    var stack = []; // [{item, node}]
    var started = {};
    var marks = [];
    for (var c = 0; c + 1 < cuts.length; c++) {
      var a = cuts[c], b = cuts[c + 1];
      var covering = items.filter(function (s) { return s.start <= a && s.end >= b; });
      var keep = 0;
      while (keep < stack.length && keep < covering.length && stack[keep].item === covering[keep]) keep++;
      stack.length = keep;
      for (var k = keep; k < covering.length; k++) {
        var s = covering[k];
        var key = s.kind + s.i;
        var node;
        if (s.kind === "claim") {
          node = h("span", { className: "unspin-claim" + (s.rank > FIRST_CLAIMS ? " unspin-claim-more" : ""), "data-claim": s.i });
          if (!started[key]) {
            started[key] = true;
            var tag = h("button", {
              type: "button",
              className: "unspin-claim-tag",
              id: "unspin-claim-" + prefix + s.i,
              "data-claim": s.i,
              "data-n": String(s.rank),
              "aria-label": "Check-worthy claim, number " + s.rank + " to check, score " + score(s.score) + ": show its evidence",
            });
            node.appendChild(tag);
          }
        } else {
          var t = cat.get(s.technique);
          var st = strengthOf(s.score);
          node = h("mark", { className: "unspin-span unspin-s" + st, "data-span": s.i, "data-technique": s.technique, "data-strength": st });
          node.style.setProperty("--c", t.colour);
          node.style.setProperty("--bg", rgba(t.colour, STRENGTH_ALPHA[st]));
          if (!started[key]) {
            started[key] = true;
            node.setAttribute("tabindex", "0");
            node.setAttribute("id", "unspin-span-" + prefix + s.i);
            node.setAttribute("aria-label", t.display + ", score " + score(s.score) + ": " + text.slice(s.start, s.end));
            if (opts.descIds[s.technique]) node.setAttribute("aria-describedby", opts.descIds[s.technique]);
            node.classList.add("unspin-first");
          }
          marks.push(node);
        }
        (stack.length ? stack[stack.length - 1].node : root).appendChild(node);
        stack.push({ item: s, node: node });
      }
      appendText(stack.length ? stack[stack.length - 1].node : root, text, a, b);
    }
    // Underlines of nested marks stack: an outer mark sits lower by the depth of marks it holds.
    marks.forEach(function (m) {
      var depth = 0;
      Array.prototype.forEach.call(m.querySelectorAll("mark.unspin-span"), function (inner) {
        var d = 0;
        for (var p = inner; p && p !== m; p = p.parentElement) if (p.tagName === "MARK") d++;
        depth = Math.max(depth, d);
      });
      m.dataset.depth = String(depth);
      m.style.setProperty("--depth", String(Math.min(depth, 4)));
    });
    return root;
  }

  // -- tooltip ------------------------------------------------------------------------------
  function Tooltip(node, spansById, cat, root, text) {
    this.node = node;
    this.spansById = spansById;
    this.cat = cat;
    this.root = root;
    this.text = text;
  }
  Tooltip.prototype.show = function (mark) {
    var seen = {};
    var items = [];
    for (var m = mark; m && m !== this.root && m.classList; m = m.parentElement) {
      if (!m.classList.contains("unspin-span")) continue;
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
        h("span", { className: "unspin-tip-score", text: STRENGTH_NAMES[strengthOf(s.score)] + ", score " + score(s.score) }),
      ]);
      head.firstChild.style.setProperty("--c", t.colour);
      self.node.appendChild(h("div", { className: "unspin-tip-item" }, [head, whyLine(s, self.text), t.explanation ? h("p", { text: t.explanation }) : null]));
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
  /* Why this phrase: the cue words of the span (the words whose removal lowers its technique
   * most), quoted, and in one line what they do. Null when the analysis has no cues. */
  function whyLine(s, text) {
    if (!s.cues || !s.cues.length || typeof text !== "string") return null;
    var words = s.cues.map(function (r) { return "\u201c" + text.slice(r[0], r[1]) + "\u201d"; }).join(", ");
    return h("p", { className: "unspin-tip-why" }, [h("strong", { text: "Why: " }), words + (s.why ? " \u2014 " + s.why : "")]);
  }

  Tooltip.prototype.hide = function () {
    this.node.hidden = true;
  };

  function attachTooltip(article, tipNode, spans, cat, text) {
    var spansById = {};
    spans.forEach(function (s) { spansById[s.i] = s; });
    var tip = new Tooltip(tipNode, spansById, cat, article, text);
    function markOf(e) {
      return e.target && e.target.closest ? e.target.closest("mark.unspin-span") : null;
    }
    // Who opened the tip: "focus" (keyboard, or a click) or "mouse" (hover). A tip opened by focus
    // stays while its mark has focus: Tab to a mark off screen scrolls it into view, and the scroll
    // both moved the mark from under the fixed tip and slid other text under a resting pointer,
    // whose mouseover hid the tip the focus had just opened, or swapped in another mark's (at
    // 390 px, mark after mark). The mouse is followed by mousemove, which a scroll does not send.
    var openedBy = "";
    var hovered = null;
    function focusedMark() {
      var f = document.activeElement;
      return f && article.contains(f) && f.closest ? f.closest("mark.unspin-span") : null;
    }
    article.addEventListener("mousemove", function (e) {
      var m = markOf(e);
      if (m === hovered) return;  // the same mark (or none again): no rebuild per pixel
      hovered = m;
      if (m) { openedBy = "mouse"; tip.show(m); } else if (openedBy === "mouse") tip.hide();
    });
    article.addEventListener("mouseleave", function () { hovered = null; if (openedBy === "mouse") tip.hide(); });
    article.addEventListener("focusin", function (e) { var m = markOf(e); if (m) { openedBy = "focus"; tip.show(m); } else tip.hide(); });
    article.addEventListener("focusout", function () { tip.hide(); });
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") tip.hide(); });
    window.addEventListener("scroll", function () {
      var m = focusedMark();
      if (openedBy === "focus" && m && !tip.node.hidden) tip.show(m);
      else { hovered = null; tip.hide(); }  // the next move over a mark opens its tip again
    }, { passive: true });
  }

  // -- counts, charts ---------------------------------------------------------------------------
  function countsOf(spans) {
    var per = {};
    spans.forEach(function (s) { (per[s.technique] = per[s.technique] || {})[s.start + ":" + s.end] = true; });
    return Object.keys(per)
      .map(function (k) { return [k, Object.keys(per[k]).length]; })
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
        h("span", { className: "unspin-bar-count", text: String(c[1]), "aria-label": c[1] + (c[1] === 1 ? " passage" : " passages") }),
      ]));
    });
    return list;
  }

  var GENRE_NAMES = { opinion: "Opinion", reporting: "News report", satire: "Satire" };
  var GENRE_COLOURS = { opinion: "#c2410c", reporting: "#2f5bd3", satire: "#7c3aed" };

  // unclear: the genre is a guess (genre.caution). The bars are then drawn faint and hatched, and
  // the nearest label says "nearest" where a sure reading shows its probability: "Genre unclear"
  // beside a bold "0.99" read as a contradiction (the 0.99 is the model's, for a text it cannot
  // judge). The figures stay in each row's title.
  function genreChart(genre, unclear) {
    if (!genre || typeof genre !== "object" || !genre.scores || typeof genre.scores !== "object") return null;
    var keys = Object.keys(genre.scores).filter(function (k) { return typeof genre.scores[k] === "number"; });
    keys.sort(function (a, b) { return genre.scores[b] - genre.scores[a]; });
    var list = h("ol", { className: "unspin-bars unspin-genre" + (unclear ? " unspin-genre-unclear" : ""),
      "aria-label": unclear ? "Genre unclear: the model's probabilities, which do not hold for this text" : "Genre: the model's probability of each" });
    keys.forEach(function (k) {
      var p = Math.max(0, Math.min(1, genre.scores[k]));
      var bar = h("span", { className: "unspin-bar", "aria-hidden": "true" });
      bar.style.setProperty("--c", GENRE_COLOURS[k] || FALLBACK_COLOUR);
      bar.style.setProperty("--w", Math.max(1, Math.round(100 * p)) + "%");
      var chosen = k === genre.label;
      list.appendChild(h("li", { "data-genre": k, className: chosen ? "unspin-chosen" : null,
        title: unclear ? "the model's probability " + p.toFixed(2) + ", which does not hold for this text" : null }, [
        h("span", { className: "unspin-bar-label", text: GENRE_NAMES[k] || humanKey(k) }),
        h("span", { className: "unspin-bar-track" }, [bar]),
        h("span", { className: "unspin-bar-count", text: unclear ? (chosen ? "nearest" : "") : p.toFixed(2) }),
      ]));
    });
    return list;
  }

  function pct(x) {
    return typeof x === "number" && isFinite(x) ? (x > 0 && x < 0.005 ? "under 1%" : Math.round(100 * x) + "%") : "?";
  }

  function num(x, digits) {
    return typeof x === "number" && isFinite(x) ? x.toLocaleString("en", { maximumFractionDigits: digits || 0 }) : "?";
  }

  // A rate per 1,000 words, always with one decimal as the terminal and the comparison sentence
  // write it: "14 per 1k words" here beside "14.0" there read as two figures.
  function rate1(x) {
    return typeof x === "number" && isFinite(x) ? x.toLocaleString("en", { minimumFractionDigits: 1, maximumFractionDigits: 1 }) : "?";
  }

  // The reading first: the summary sentence as prose, its figures beside it, the genre chart.
  function readingCard(doc, text, nPassages, headingId) {
    var summary = doc.summary && typeof doc.summary === "object" ? doc.summary : {};
    var card = h("section", { className: "unspin-card unspin-reading", "aria-labelledby": headingId }, [
      h("h2", { id: headingId, text: "The reading in brief" }),
    ]);
    var body = h("div", { className: "unspin-reading-body" });
    var prose = h("div", { className: "unspin-reading-prose" });
    if (typeof summary.sentence === "string") prose.appendChild(h("p", { className: "unspin-sentence", text: summary.sentence }));
    var words = typeof summary.words === "number" ? summary.words : (text.match(/\w+/g) || []).length;
    var facts = h("dl", { className: "unspin-facts" });
    function fact(label, value) { facts.appendChild(h("div", null, [h("dt", { text: label }), h("dd", { text: value })])); }
    fact("Words", num(words));
    fact("Persuasion passages", num(nPassages));
    if (typeof summary.spans_per_1000_words === "number") fact("Per 1,000 words", rate1(summary.spans_per_1000_words));
    if (typeof summary.persuasion_share === "number") fact("Share of the text", pct(summary.persuasion_share));
    if (Array.isArray(doc.claims)) fact("Check-worthy claims", num(doc.claims.length));
    prose.appendChild(facts);
    body.appendChild(prose);
    // A genre marked as a guess (genre.caution: a text unlike the model's training articles) says
    // so, with the reason in words, and its chart shows no probability as if it were sure.
    var guess = doc.genre && typeof doc.genre.caution === "string" && doc.genre.caution;
    var chart = genreChart(doc.genre, !!guess);
    var nearest = doc.genre && GENRE_NAMES[doc.genre.label] ? GENRE_NAMES[doc.genre.label] : humanKey(String(doc.genre && doc.genre.label));
    if (chart) body.appendChild(h("div", { className: guess ? "unspin-reading-genre unspin-guess" : "unspin-reading-genre" }, [
      h("h3", { text: guess ? "Genre unclear" : "Genre", title: guess || null }),
      guess ? h("p", { className: "unspin-hint", text: "Nearest: " + nearest + ". Why unclear: " + guess.replace(/^genre unclear:\s*/i, "").replace(/\.$/, "") + "." }) : null, chart]));
    card.appendChild(body);
    return card;
  }

  function warningsBox(doc) {
    var ws = Array.isArray(doc.warnings) ? doc.warnings.filter(function (w) { return w !== null && w !== undefined && String(w).trim(); }) : [];
    if (!ws.length) return null;
    return h("div", { className: "unspin-warnings", role: "note", "aria-label": "Warnings about the input" }, [
      h("strong", { text: ws.length === 1 ? "Warning" : "Warnings" }),
      h("ul", null, ws.map(function (w) { return h("li", { text: String(w) }); })),
    ]);
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

  // Keys this view does not know (added by later versions) still show, generically.
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

  // -- claims and their evidence ----------------------------------------------------------------
  function evidenceList(claim) {
    if (!Array.isArray(claim.evidence)) {
      return h("p", { className: "unspin-hint", text: onPage
        ? "No reference texts were given. To see passages worth reading beside each claim, choose files under \u201cReference texts\u201d and analyse again."
        : "No reference texts were given. To see passages worth reading beside each claim: unspin analyze ARTICLE --evidence FILES --format html." });
    }
    if (!claim.evidence.length) return h("p", { className: "unspin-hint", text: "No passage of the reference texts matches this claim." });
    return h("ol", { className: "unspin-evidence" }, claim.evidence.map(function (ev) {
      ev = ev || {};
      var where = String(ev.source || "?");
      var at = Number.isInteger(ev.start) && Number.isInteger(ev.end) ? "characters " + ev.start.toLocaleString("en") + "\u2013" + ev.end.toLocaleString("en") : "";
      return h("li", null, [
        h("div", { className: "unspin-evidence-head" }, [
          h("span", { className: "unspin-evidence-source", text: where }),
          at ? h("span", { className: "unspin-muted", text: at }) : null,
          h("span", { className: "unspin-evidence-score", text: "match " + score(ev.score) }),
        ]),
        h("blockquote", { text: String(ev.text || "") }),
      ]);
    }));
  }

  function ClaimPanel(text, claims, prefix) {
    this.text = text;
    this.claims = claims;
    this.prefix = prefix;
    this.node = h("section", { className: "unspin-card unspin-claim-panel", id: "unspin-claim-panel", "aria-live": "polite", "aria-labelledby": "unspin-claim-panel-h", tabindex: "-1", hidden: true });
  }
  ClaimPanel.prototype.select = function (i, root) {
    var c = null;
    this.claims.forEach(function (x) { if (x.i === i) c = x; });
    if (!c) return;
    Array.prototype.forEach.call(root.querySelectorAll(".unspin-claim-shown"), function (n) { n.classList.remove("unspin-claim-shown"); });
    Array.prototype.forEach.call(root.querySelectorAll(".unspin-claim[data-claim='" + i + "']"), function (n) { n.classList.add("unspin-claim-shown"); });
    Array.prototype.forEach.call(root.querySelectorAll(".unspin-claim-selected"), function (n) { n.classList.remove("unspin-claim-selected"); });
    Array.prototype.forEach.call(root.querySelectorAll(".unspin-claim[data-claim='" + i + "'], .unspin-claim-item[data-claim='" + i + "']"), function (n) { n.classList.add("unspin-claim-selected"); });
    Array.prototype.forEach.call(root.querySelectorAll("button[data-claim]"), function (b) { b.setAttribute("aria-pressed", b.getAttribute("data-claim") === String(i) ? "true" : "false"); });
    this.node.replaceChildren(
      h("h2", { id: "unspin-claim-panel-h", text: "Claim to check, number " + c.rank }),
      h("p", { className: "unspin-claim-score", text: "Check-worthiness " + score(c.score) + " (the claim model's probability that the sentence is worth verifying; not a verdict on whether it is true)" }),
      h("blockquote", { className: "unspin-claim-text", text: this.text.slice(c.start, c.end) }),
      h("h3", { text: "Where to look" }),
      evidenceList(c)
    );
    this.node.hidden = false;
    var r = this.node.getBoundingClientRect();
    if (r.top < 0 || r.bottom > window.innerHeight) this.node.scrollIntoView({ block: "nearest" });
  };

  function claimsCard(text, claims, prefix, onSelect, container) {
    if (!claims.length) return null;
    function item(c) {
      var b = h("button", { type: "button", className: "unspin-claim-item", "data-claim": c.i, "aria-pressed": "false" }, [
        h("span", { className: "unspin-claim-n", text: String(c.rank) }),
        h("span", { className: "unspin-claim-excerpt", text: text.slice(c.start, c.end) }),
        h("span", { className: "unspin-muted", text: score(c.score) }),
      ]);
      b.addEventListener("click", function () {
        onSelect(c.i);
        var target = document.getElementById("unspin-claim-" + prefix + c.i);
        if (target) target.scrollIntoView({ block: "center" });
      });
      return h("li", null, [b]);
    }
    var ranked = byRank(claims);
    var first = ranked.slice(0, FIRST_CLAIMS), more = ranked.slice(FIRST_CLAIMS);
    var children = [
      h("h2", { id: "unspin-claims-h", text: "Worth checking first" }),
      h("p", { className: "unspin-hint", text: "The " + (first.length === 1 ? "sentence" : first.length + " sentences") +
        " most worth verifying, best first (numbered in the text with a dotted underline). " + (
        hasEvidence(claims)
          ? "Select one to see its score and the passages of your reference texts beside it."
          : "Select one to see its score. No reference texts were given (" + (onPage ? "\u201cReference texts\u201d" : "--evidence") + "), so no passages are shown beside it.") }),
      h("ol", { className: "unspin-claim-list" }, first.map(item)),
    ];
    if (more.length) {
      var toggle = h("button", { type: "button", className: "unspin-link", "aria-pressed": "false", text: "Underline all " + claims.length + " claims in the text" });
      toggle.addEventListener("click", function () {
        var on = !(container && container.classList.contains("unspin-all-claims"));
        if (container) container.classList.toggle("unspin-all-claims", on);
        toggle.setAttribute("aria-pressed", on ? "true" : "false");
        toggle.textContent = on ? "Underline only the first " + first.length : "Underline all " + claims.length + " claims in the text";
      });
      children.push(h("details", { className: "unspin-claims-more" }, [
        h("summary", { text: more.length + " more check-worthy " + (more.length === 1 ? "sentence" : "sentences") + ", by score" }),
        h("ol", { className: "unspin-claim-list" }, more.map(item)),
      ]), h("p", null, [toggle]));
    }
    return h("section", { className: "unspin-card", "aria-labelledby": "unspin-claims-h" }, children);
  }

  // -- the view of one analysis ---------------------------------------------------------------
  function strengthLegend() {
    var steps = h("span", { className: "unspin-strength-steps", "aria-hidden": "true" }, [1, 2, 3].map(function (st) {
      var m = h("mark", { className: "unspin-span unspin-s" + st, text: STRENGTH_NAMES[st] });
      m.style.setProperty("--c", "#5b6475");
      m.style.setProperty("--bg", rgba("#5b6475", STRENGTH_ALPHA[st]));
      return m;
    }));
    return h("p", { className: "unspin-strength-legend" }, [
      steps,
      h("span", {
        text: " Strength: the score is the model's probability that the stretch is a persuasion span times the probability of its technique; " +
          "weak under " + STRENGTH_CUTS[0] + ", medium under " + STRENGTH_CUTS[1] + ", strong from " + STRENGTH_CUTS[1] + ".",
      }),
    ]);
  }

  function strengthControl(id, onChange) {
    var select = h("select", { id: id, className: "unspin-strength-filter" }, [
      h("option", { value: "1", text: "all spans" }),
      h("option", { value: "2", text: "medium and strong (score " + STRENGTH_CUTS[0] + "+)" }),
      h("option", { value: "3", text: "strong only (score " + STRENGTH_CUTS[1] + "+)" }),
    ]);
    select.addEventListener("change", function () { onChange(Number(select.value) || 1); });
    return h("div", { className: "unspin-strength-control" }, [h("label", { for: id, text: "Show" }), select]);
  }

  /* The operating point a document was read at (its model records it), or "" for one that does not say. */
  function settingOf(doc) {
    return doc && doc.model && typeof doc.model.sensitivity === "string" ? doc.model.sensitivity : "";
  }

  /* Draws one analysis into `container`. opts.prefix keeps ids apart when two views share a page
   * (compare mode); opts.compact leaves out the side column (legend, chart, claims, table). */
  function renderOne(container, doc, cat, tipNode, opts) {
    opts = opts || {};
    var prefix = opts.prefix || "";
    var text = typeof doc.text === "string" ? doc.text : "";
    var spans = validSpans(doc, text);
    var claims = opts.compact ? [] : validClaims(doc, text);
    var counts = countsOf(spans);
    var nPassages = passageCount(spans);

    var descIds = {};
    var descBox = h("div", { hidden: true });
    counts.forEach(function (c, i) {
      descIds[c[0]] = "unspin-exp-" + prefix + i;
      descBox.appendChild(h("p", { id: "unspin-exp-" + prefix + i, text: cat.get(c[0]).explanation }));
    });

    var header = h("p", { className: "unspin-summary" }, [
      h("strong", { text: nPassages + (nPassages === 1 ? " passage" : " passages") }),
      " of persuasion in " + text.length.toLocaleString("en") + " characters",
      " \u00b7 " + counts.length + (counts.length === 1 ? " technique" : " techniques"),
      " \u00b7 language " + String(doc.language || "?"),
      doc.unspin && !opts.compact ? " \u00b7 unspin " + String(doc.unspin) : "",
      doc.model && doc.model.size ? " \u00b7 " + String(doc.model.size) + " model" : "",
      settingOf(doc) ? " \u00b7 " + settingOf(doc) + " setting" : "",
      doc.language === "ru" ? h("span", { className: "unspin-badge", text: "experimental", title: "The Russian model is no better than marking every line on held-out articles: read its passages as places to look." }) : "",
    ]);
    var articleId = "unspin-article" + (prefix ? "-" + prefix : "");
    var article = buildArticle(text, spans, claims, cat, { prefix: prefix, id: articleId, descIds: descIds });
    var panel = new ClaimPanel(text, claims, prefix);
    var minStrength = 1;
    var hidden = {};
    var legendList = h("ul", { className: "unspin-legend" });

    function applyFilter() {
      Array.prototype.forEach.call(article.querySelectorAll("mark.unspin-span"), function (m) {
        var off = !!hidden[m.getAttribute("data-technique")] || Number(m.getAttribute("data-strength")) < minStrength;
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

    var articleCard = h("section", { className: "unspin-card unspin-article-card", "aria-labelledby": articleId + "-h" }, [
      h("div", { className: "unspin-article-head" }, [
        h("h2", { id: articleId + "-h", text: opts.title || "The text, with its persuasion spans" }),
        spans.length ? strengthControl("unspin-strength" + (prefix ? "-" + prefix : ""), function (v) { minStrength = v; applyFilter(); }) : null,
      ]),
      spans.length ? strengthLegend() : null,
      opts.compact ? null : h("p", { className: "unspin-hint", text: "Hover over a highlighted passage, or move to it with Tab, to see its technique, score and explanation." + (claims.length ? " Claims have a numbered button in front: press it to see the claim" + (hasEvidence(claims) ? "'s evidence." : ".") : "") }),
      article,
    ]);
    if (!spans.length) {
      articleCard.insertBefore(h("p", { className: "unspin-none", text: "No persuasion techniques found above the model's threshold." }), article);
    }

    counts.forEach(function (c) {
      var t = cat.get(c[0]);
      var sw = h("span", { className: "unspin-swatch", "aria-hidden": "true" });
      sw.style.setProperty("--c", t.colour);
      var btn = h("button", { type: "button", className: "unspin-legend-btn", "data-name": c[0], "aria-pressed": "true", title: t.explanation }, [
        sw,
        h("span", { className: "unspin-legend-name", text: t.display }),
        h("span", { className: "unspin-legend-count", text: String(c[1]), "aria-label": c[1] + (c[1] === 1 ? " passage" : " passages") }),
      ]);
      btn.addEventListener("click", function () {
        hidden[c[0]] = !hidden[c[0]];
        applyFilter();
      });
      legendList.appendChild(h("li", null, [btn]));
    });

    container.appendChild(descBox);
    var warn = warningsBox(doc);
    if (warn) container.appendChild(warn);
    if (opts.compact) {
      container.appendChild(readingCard(doc, text, nPassages, "unspin-reading-h-" + prefix));
      container.appendChild(articleCard);
      attachTooltip(article, tipNode, spans, cat, text);
      return { article: article, apply: applyFilter };
    }

    container.appendChild(readingCard(doc, text, nPassages, "unspin-reading-h"));
    container.appendChild(header);

    var allBtn = h("button", { type: "button", className: "unspin-link", text: "Show all" });
    allBtn.addEventListener("click", function () { hidden = {}; applyFilter(); });
    var noneBtn = h("button", { type: "button", className: "unspin-link", text: "Hide all" });
    noneBtn.addEventListener("click", function () { counts.forEach(function (c) { hidden[c[0]] = true; }); applyFilter(); });

    function selectClaim(i) { panel.select(i, container); }
    article.addEventListener("click", function (e) {
      var tag = e.target && e.target.closest ? e.target.closest("button.unspin-claim-tag") : null;
      if (tag) selectClaim(Number(tag.getAttribute("data-claim")));
    });

    var aside = h("aside", { className: "unspin-side" }, [
      claims.length ? panel.node : null,
      h("section", { className: "unspin-card", "aria-labelledby": "unspin-legend-h" }, [
        h("h2", { id: "unspin-legend-h", text: "Techniques" }),
        counts.length ? h("p", { className: "unspin-hint", text: "Counts are passages: a passage with two techniques counts under each. Press a technique to hide or show its highlights." }) : null,
        legendList,
        counts.length ? h("div", { className: "unspin-legend-actions" }, [allBtn, noneBtn]) : null,
      ]),
      counts.length
        ? h("section", { className: "unspin-card", "aria-labelledby": "unspin-chart-h" }, [h("h2", { id: "unspin-chart-h", text: "How often (passages)" }), buildChart(counts, cat)])
        : null,
      claimsCard(text, claims, prefix, selectClaim, container),
    ]);

    var list = null;
    if (spans.length) {
      var tbody = h("tbody");
      spans.forEach(function (s, n) {
        var t = cat.get(s.technique);
        var go = h("button", { type: "button", className: "unspin-link", text: String(n + 1), "aria-label": "Go to span " + (n + 1) });
        go.addEventListener("click", function () {
          var target = document.getElementById("unspin-span-" + prefix + s.i);
          if (target) { target.scrollIntoView({ block: "center" }); target.focus(); }
        });
        var sw = h("span", { className: "unspin-swatch", "aria-hidden": "true" });
        sw.style.setProperty("--c", t.colour);
        tbody.appendChild(h("tr", { "data-technique": s.technique }, [
          h("td", null, [go]),
          h("td", null, [sw, t.display]),
          h("td", { className: "unspin-num", text: score(s.score) + " " + STRENGTH_NAMES[strengthOf(s.score)] }),
          h("td", { className: "unspin-excerpt", text: text.slice(s.start, s.end) }),
          h("td", { className: "unspin-excerpt", text: (s.cues || []).map(function (r) { return text.slice(r[0], r[1]); }).join(", ") }),
        ]));
      });
      list = h("details", { className: "unspin-card unspin-list" }, [
        h("summary", null, [h("h2", { text: "Every span, technique by technique (" + spans.length + " in " + nPassages + (nPassages === 1 ? " passage)" : " passages)") })]),
        h("div", { className: "unspin-table-wrap" }, [
          h("table", null, [
            h("thead", null, [h("tr", null, [h("th", { scope: "col", text: "#" }), h("th", { scope: "col", text: "Technique" }), h("th", { scope: "col", text: "Score" }), h("th", { scope: "col", text: "Text" }), h("th", { scope: "col", text: "Why (cue words)" })])]),
            tbody,
          ]),
        ]),
      ]);
    }

    container.appendChild(h("div", { className: "unspin-grid" }, [articleCard, aside]));
    if (list) container.appendChild(list);
    var extras = buildExtras(doc);
    if (extras) container.appendChild(extras);
    attachTooltip(article, tipNode, spans, cat, text);
    return { article: article, apply: applyFilter };
  }

  /* source: on the page, what was analysed in words ("the file “x.txt”"), shown above the
   * reading (a file name is as hostile as the article: it goes in as text). */
  function render(container, doc, techniques, tipNode, source) {
    container.replaceChildren();
    container.classList.remove("unspin-all-claims");
    if (source) container.appendChild(h("p", { className: "unspin-source", id: "unspin-source" }, [h("strong", { text: "Analysed: " }), source]));
    renderOne(container, doc, new Catalogue(techniques, doc && doc.language, ownOf(doc)), tipNode, {});
    container.hidden = false;
  }

  // -- comparison -------------------------------------------------------------------------------
  /* One chart for both texts: per technique, a bar for A and a bar for B, length = passages per
   * 1,000 words (scaled to the largest), the share of the text written beside each. */
  function profileChart(cmp, cat) {
    var rows = Array.isArray(cmp.techniques) ? cmp.techniques : [];
    var max = 0;
    rows.forEach(function (r) { ["a", "b"].forEach(function (k) { if (r[k] && r[k].per_1000_words > max) max = r[k].per_1000_words; }); });
    var table = h("div", { className: "unspin-profile", role: "table", "aria-label": "Technique profile: passages per 1,000 words and share of the text, A and B" });
    rows.forEach(function (r) {
      var t = cat.get(r.technique);
      var cells = ["a", "b"].map(function (k) {
        var f = r[k] || {};
        var rate = typeof f.per_1000_words === "number" ? f.per_1000_words : 0;
        var bar = h("span", { className: "unspin-bar unspin-bar-" + k, "aria-hidden": "true" });
        bar.style.setProperty("--c", t.colour);
        bar.style.setProperty("--w", (max ? Math.max(rate ? 2 : 0, Math.round((100 * rate) / max)) : 0) + "%");
        return h("div", { className: "unspin-profile-bar", role: "cell" }, [
          h("span", { className: "unspin-profile-k", text: k.toUpperCase() }),
          h("span", { className: "unspin-bar-track" }, [bar]),
          h("span", { className: "unspin-profile-num", text: f.passages ? rate1(rate) + " per 1k words \u00b7 " + pct(f.share) : "none" }),
        ]);
      });
      table.appendChild(h("div", { className: "unspin-profile-row", role: "row", "data-technique": r.technique }, [
        h("div", { className: "unspin-profile-name", role: "rowheader", text: t.display }),
        h("div", { className: "unspin-profile-bars" }, cells),
      ]));
    });
    if (!rows.length) table.appendChild(h("p", { className: "unspin-none", text: "Neither text has persuasion spans above the model's threshold." }));
    return table;
  }

  /* Which setting each text was read at, as the analysis view says it: one line, or none when
   * neither analysis records it. A Russian text is read at its model's one setting ("default"). */
  function compareSetting(a, b) {
    var sa = settingOf(a), sb = settingOf(b);
    if (!sa && !sb) return null;
    var text = sa === sb ? "Sensitivity: " + sa + " setting, both texts." : "Sensitivity: A at the " + (sa || "?") + " setting \u00b7 B at the " + (sb || "?") + " setting.";
    return h("p", { className: "unspin-hint", id: "unspin-compare-setting", text: text });
  }

  /* How the comparison names text k ("a" or "b"): by its file name, else "Text A". `how`: what the
   * page sent ("file" or "pasted"), or nothing in a report (a name that is only the letter is then
   * a text without a name). Returns { title, short, named }. */
  function sideName(k, given, how) {
    var K = k.toUpperCase(), name = String(given);
    if (how === "pasted" || (how !== "file" && name === K)) {
      return { title: "Text " + K + (how === "pasted" ? " (pasted)" : ""), short: how === "pasted" ? "pasted text" : "Text " + K, named: false };
    }
    return { title: K + ": " + name, short: name, named: true };
  }

  function renderCompare(container, data, techniques, tipNode, sent) {
    var side = function (k) { return data && data[k] && typeof data[k] === "object" ? data[k] : {}; };
    // The profile names Russian techniques only when both texts are Russian (else PTC names).
    var cat = new Catalogue(techniques, side("a").language === "ru" && side("b").language === "ru" ? "ru" : "en", ownOf(side("a")).concat(ownOf(side("b"))));
    var cmp = data && data.comparison && typeof data.comparison === "object" ? data.comparison : {};
    var given = cmp.names && typeof cmp.names === "object" ? cmp.names : { a: "A", b: "B" };
    var names = { a: sideName("a", given.a, sent && sent.a), b: sideName("b", given.b, sent && sent.b) };
    container.replaceChildren();
    container.appendChild(h("section", { className: "unspin-card unspin-compare-head", "aria-labelledby": "unspin-compare-h" }, [
      h("h2", { id: "unspin-compare-h", text: "How the two texts differ" }),
      h("p", { className: "unspin-sentence", id: "unspin-compare-sentence", text: String(cmp.sentence || "") }),
      h("p", { className: "unspin-hint", id: "unspin-compare-names", text: (names.a.named || names.b.named ? "A: " + names.a.short + " \u00b7 B: " + names.b.short + ". " : "") + "Bars: passages per 1,000 words; beside them the share of the text. Counts are passages; a passage with two techniques counts under each." }),
      compareSetting(side("a"), side("b")),
      profileChart(cmp, cat),
    ]));
    var cols = h("div", { className: "unspin-compare" });
    ["a", "b"].forEach(function (k) {
      var col = h("div", { className: "unspin-compare-col", "data-side": k });
      col.appendChild(h("h2", { className: "unspin-compare-title", text: names[k].title }));
      renderOne(col, side(k), new Catalogue(techniques, side(k).language, ownOf(side(k))), tipNode, { prefix: k, compact: true, title: "The text, with its persuasion spans" });
      cols.appendChild(col);
    });
    container.appendChild(cols);
    container.hidden = false;
  }

  // -- web page: the form ---------------------------------------------------------------------
  /* fetch, with a request that reached no server (stopped, restarting, the network down) said in
   * the page's words: the browser's own ("Failed to fetch") says nothing a reader can act on. */
  var UNREACHABLE = "the server could not be reached (it may be stopped or restarting). Try again in a moment.";
  function reach(url, init) {
    return fetch(url, init).catch(function () { throw new Error(UNREACHABLE); });
  }

  function jsonOrError(r) {
    return r.json().catch(function () { return { error: "the server answered HTTP " + r.status }; }).then(function (j) {
      if (!r.ok) {
        var err = new Error(j && j.error ? String(j.error) : "the server answered HTTP " + r.status);
        err.body = j && typeof j === "object" ? j : {};
        throw err;
      }
      return j;
    });
  }

  /* The page's words for what its user can change, by the setting an API error names
   * (body.setting; the API's own message speaks of its JSON fields, unspin/web/worker.py WORDS):
   * one function a setting, from the error's bare message (body.reason) and its context. */
  var PAGE_WORDS = {
    language: function (body, languageSelect) {
      var name = body.force_language || body.force;
      Array.prototype.forEach.call(languageSelect.options, function (o) { if (o.value === name) name = o.textContent; });
      return body.reason + ". To analyse it anyway, choose \u201c" + name + "\u201d in the Language menu above.";
    },
    max_chars: function (body) {
      return body.reason + " or paste one article at a time (this server reads at most " + Number(body.limit).toLocaleString("en") + " characters).";
    },
    pipeline_language: function (body, languageSelect) {
      return PAGE_WORDS.language(body, languageSelect);
    },
    sensitivity: function (body) {
      return body.reason + ". Choose another setting in the Sensitivity menu above.";
    },
  };

  /* An API error in the page's words (PAGE_WORDS), else the API's own message. */
  function pageMessage(err, languageSelect) {
    var body = (err && err.body) || {};
    var words = typeof body.setting === "string" && typeof body.reason === "string" ? PAGE_WORDS[body.setting] : null;
    if (words) {
      var which = body.field === "a" || body.field === "b" ? "Text " + body.field.toUpperCase() + ": " : "";
      return which + words(body, languageSelect);
    }
    return err && err.message ? err.message : String(err);
  }

  function setupForm() {
    var form = document.getElementById("unspin-form");
    if (!form) return;
    var textArea = document.getElementById("unspin-text");
    var fileInput = document.getElementById("unspin-file");
    var textB = document.getElementById("unspin-text-b");
    var fileB = document.getElementById("unspin-file-b");
    var blockB = document.getElementById("unspin-b");
    var urlInput = document.getElementById("unspin-url");
    var language = document.getElementById("unspin-language");
    // How to read what is pasted or uploaded (the API's "format"): Detect, or one named, as
    // a warning may advise ("give it as HTML").
    var inputFormat = document.getElementById("unspin-format");
    var button = document.getElementById("unspin-analyse");
    var status = document.getElementById("unspin-status");
    var result = document.getElementById("unspin-result");
    var tipNode = document.getElementById("unspin-tip");
    var evidenceInput = document.getElementById("unspin-evidence");
    var evidenceBlock = document.getElementById("unspin-evidence-block");
    var modeInputs = form.querySelectorAll("input[name='unspin-mode']");
    var techniques = null;
    // The span finder's operating point, beside Language and Input format: every request sends
    // it (compare too), and the result says which one it was read at. Changed while a result of
    // this mode is shown, it runs the request again. It starts at the server's own (serve
    // --sensitivity), as /healthz reports it.
    var sensitivitySelect = document.getElementById("unspin-sensitivity");
    var sensitivityTouched = false;
    var shownMode = null;  // the mode of the result on show, or null
    /* Each mode keeps its own last outcome: how to draw its result again (draw, or null), its
     * status line, the languages it read (for the header) and the number of its latest request.
     * Switching mode shows that mode's own (before, a comparison and its error stayed on show in
     * Analyse mode), and a response is drawn only while its mode is on show and only if it
     * answers that mode's latest request (an analysis asked for by a Sensitivity change was
     * drawn under Compare when the mode was switched meanwhile). */
    var modes = {};
    ["analyse", "compare"].forEach(function (m) {
      modes[m] = { draw: null, status: "", error: false, busy: false, latest: 0, languages: [] };
    });
    var requests = 0;
    function sensitivity() { return (sensitivitySelect && sensitivitySelect.value) || "default"; }
    if (sensitivitySelect) {
      sensitivitySelect.addEventListener("change", function () {
        sensitivityTouched = true;
        if (shownMode && shownMode === mode() && !button.disabled) form.requestSubmit();
      });
    }
    onPage = true;

    function mode() {
      var m = "analyse";
      Array.prototype.forEach.call(modeInputs, function (r) { if (r.checked) m = r.value; });
      return m;
    }
    function applyMode() {
      var compare = mode() === "compare";
      blockB.hidden = !compare;
      form.classList.toggle("unspin-comparing", compare);
      document.getElementById("unspin-text-label").textContent = compare ? "Text A: paste an article (plain text or HTML)" : "Paste an article (plain text or HTML)";
      button.textContent = compare ? "Compare" : "Analyse";
      if (evidenceBlock) evidenceBlock.hidden = compare;
      if (compare) document.getElementById("unspin-url-row").hidden = true;
      else if (urlAllowed) document.getElementById("unspin-url-row").hidden = false;
      slots.forEach(syncSlot);
    }
    Array.prototype.forEach.call(modeInputs, function (r) {
      r.addEventListener("change", function () {
        applyMode();
        showMode();
        // A file chosen in the other mode stays chosen (slot A is the same in both): say so, as
        // it is what this mode will read.
        var kept = slots.filter(function (slot) { return chosen(slot) && (slot.key === "a" || mode() === "compare"); });
        if (kept.length && !modes[mode()].busy) setStatus(kept.map(function (slot) { return slotWords(slot, chosen(slot)); }).join(" ") + " Press \u201cClear file\u201d to paste a text instead.", false);
      });
    });

    /* One text a slot (A, and B when comparing): a file or the text box, never both unseen. A
     * chosen file sets the slot's text box aside (disabled, its text kept but not sent; in
     * Analyse mode the web address too) until "Clear file", and a note beside it names the file.
     * Before, a file chosen earlier, even in the other mode, won over a text pasted later, and
     * nothing said so. */
    var slots = [
      { key: "a", file: fileInput, text: textArea, clear: document.getElementById("unspin-file-clear"), note: document.getElementById("unspin-file-note") },
      { key: "b", file: fileB, text: textB, clear: document.getElementById("unspin-file-b-clear"), note: document.getElementById("unspin-file-b-note") },
    ];
    function chosen(slot) {
      return slot.file.files && slot.file.files.length ? slot.file.files[0] : null;
    }
    function slotWords(slot, f) {
      var name = "\u201c" + f.name + "\u201d";
      return mode() === "compare" ? "Text " + slot.key.toUpperCase() + " is the file " + name + "." : "The file " + name + " will be analysed.";
    }
    function syncSlot(slot) {
      var f = chosen(slot);
      slot.text.disabled = !!f;
      if (slot.key === "a" && urlInput) urlInput.disabled = !!f;
      slot.clear.hidden = !f;
      slot.note.hidden = !f;
      slot.note.textContent = f ? slotWords(slot, f) + " The text box is set aside (nothing in it is sent) until you clear the file." : "";
    }

    function setStatus(message, isError) {
      modes[mode()].status = message;
      modes[mode()].error = !!isError;
      status.textContent = message;
      status.classList.toggle("unspin-error", !!isError);
    }

    /* The current mode's outcome on the page: its result (drawn again from its data) or none,
     * its status line, and the button as its request leaves it. */
    function showMode() {
      var st = modes[mode()];
      if (st.draw) {
        st.draw();
        shownMode = mode();
      } else {
        result.replaceChildren();
        result.hidden = true;
        shownMode = null;
      }
      status.textContent = st.status;
      status.classList.toggle("unspin-error", st.error);
      button.disabled = st.busy;
      if (st.busy) form.setAttribute("aria-busy", "true");
      else form.removeAttribute("aria-busy");
      showScope();
    }

    /* Mode m's outcome: draw (a function, or null for no result), its status line and the
     * languages read; shown at once if m is on show, else kept until it is. An error (draw null)
     * replaces the previous result, as the README says: it must not stand under the message as
     * if it were this text's. */
    function settle(m, draw, message, isError, languages) {
      var st = modes[m];
      st.draw = draw;
      st.status = message;
      st.error = !!isError;
      st.busy = false;
      st.languages = languages || [];
      if (m === mode()) showMode();
    }

    /* The header's count of techniques, for the language in use: the Language menu's choice,
     * else the languages of the result on show, else both (the page's own wording before the
     * list loads). Russian is said to be experimental wherever it is named. */
    var scopeNode = document.getElementById("unspin-scope");
    function showScope() {
      if (!scopeNode || !Array.isArray(techniques)) return;
      var n = { en: 0, ru: 0 };
      techniques.forEach(function (t) {
        if (!t || typeof t.name !== "string") return;
        var ru = (typeof t.meta_class === "string" && t.meta_class !== "") || t.language === "ru";
        n[ru ? "ru" : "en"] += 1;
      });
      var langs = language.value === "en" || language.value === "ru" ? [language.value]
        : shownMode ? modes[shownMode].languages.filter(function (l) { return l === "en" || l === "ru"; }) : [];
      var one = langs.length && langs.every(function (l) { return l === langs[0]; }) ? langs[0] : null;
      scopeNode.textContent = one === "en" ? n.en + " persuasion techniques of English texts"
        : one === "ru" ? n.ru + " persuasion techniques of Russian texts (experimental)"
        : n.en + " persuasion techniques in English texts, " + n.ru + " in Russian ones (experimental)";
    }
    language.addEventListener("change", showScope);

    var urlAllowed = false;
    fetch("/healthz").then(function (r) { return r.json(); }).then(function (info) {
      urlAllowed = !!(info && info.url_fetch === true);
      var own = info && typeof info.sensitivity === "string" ? info.sensitivity : "";
      if (sensitivitySelect && !sensitivityTouched && !shownMode && Array.prototype.some.call(sensitivitySelect.options, function (o) { return o.value === own; })) {
        sensitivitySelect.value = own;
      }
      if (urlAllowed && mode() !== "compare") document.getElementById("unspin-url-row").hidden = false;
    }).catch(function () {});

    [textArea, textB].forEach(function (ta) {
      ta.addEventListener("keydown", function (e) {
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
      });
    });
    [[evidenceInput, "unspin-evidence-clear"]].forEach(function (pair) {
      var clear = document.getElementById(pair[1]);
      if (!pair[0] || !clear) return;
      pair[0].addEventListener("change", function () { clear.hidden = !pair[0].files.length; });
      clear.addEventListener("click", function () { pair[0].value = ""; clear.hidden = true; pair[0].focus(); });
    });
    slots.forEach(function (slot) {
      slot.file.addEventListener("change", function () { syncSlot(slot); });
      slot.clear.addEventListener("click", function () {
        slot.file.value = "";
        syncSlot(slot);
        setStatus("", false);
        slot.text.focus();
      });
    });

    function loadTechniques() {
      if (techniques) return Promise.resolve(techniques);
      return reach("/api/v1/techniques?language=all").then(function (r) {
        if (!r.ok) throw new Error("could not load the technique list (HTTP " + r.status + ")");
        return r.json();
      }).then(function (list) { techniques = list; return list; });
    }

    /* The request of a comparison, with what each side is (sent: {a, b}, "file" or "pasted"),
     * or null after saying what is missing. A slot's file is sent when one is chosen (its text
     * box is then set aside and says so: syncSlot), else its text. */
    function compareRequest(lang, fmt) {
      var hasA = chosen(slots[0]) || textArea.value.trim();
      var hasB = chosen(slots[1]) || textB.value.trim();
      if (!hasA || !hasB) {
        settle("compare", null, "Give two texts to compare: paste or upload text A and text B.", true);
        (hasA ? textB : textArea).focus();
        return null;
      }
      var body = new FormData();
      var sent = {};
      slots.forEach(function (slot) {
        var f = chosen(slot);
        body.append(slot.key, f || slot.text.value);
        sent[slot.key] = f ? "file" : "pasted";
      });
      body.append("language", lang);
      body.append("sensitivity", sensitivity());
      body.append("format", fmt);
      return { method: "POST", body: body, sent: sent };
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var init;
      var source = null;  // what is analysed, in words (Analyse mode)
      var lang = language.value || "auto";
      var fmt = (inputFormat && inputFormat.value) || "auto";
      var comparing = mode() === "compare";
      var m = mode();
      // This request is now its mode's latest: an earlier one still running is dropped when it answers.
      var mine = ++requests;
      modes[m].latest = mine;
      if (comparing) {
        init = compareRequest(lang, fmt);
        if (!init) return;
      } else {
        var file = chosen(slots[0]);
        var hasFile = !!file;
        var url = !hasFile && urlInput && !document.getElementById("unspin-url-row").hidden ? urlInput.value.trim() : "";
        if (!hasFile && !url && !textArea.value.trim()) {
          settle(m, null, "Paste a text or choose a file first.", true);
          textArea.focus();
          return;
        }
        if (url && textArea.value.trim()) {
          // Which was meant? (Before, the web address won unannounced.)
          settle(m, null, "Give one article: there is a text in the box and a web address. Clear one of them.", true);
          urlInput.focus();
          return;
        }
        source = hasFile ? "the file \u201c" + file.name + "\u201d" : url ? "the page at " + url : "the pasted text";
        var references = (evidenceInput && evidenceInput.files) || [];
        if (!hasFile && !references.length) {
          // JSON keeps a pasted text exactly as typed (a form would turn a lone surrogate into
          // U+FFFD unannounced; the server repairs it and says so).
          init = { method: "POST", headers: { "Content-Type": "application/json" },
            body: JSON.stringify(url ? { url: url, language: lang, sensitivity: sensitivity(), format: fmt }
              : { text: textArea.value, language: lang, sensitivity: sensitivity(), format: fmt }) };
        } else {
          // Files travel as a form: the article (a file, a web address or the pasted text), the
          // language, and each reference file as a part named "evidence". The browser sends the
          // pasted text's line breaks as CRLF; the server reads them back as typed
          // (unspin.web.body.form_text), so the text is the one JSON would have sent.
          var body = new FormData();
          if (hasFile) body.append("file", file);
          else if (url) body.append("url", url);
          else body.append("text", textArea.value);
          body.append("language", lang);
          body.append("sensitivity", sensitivity());
          body.append("format", fmt);
          Array.prototype.forEach.call(references, function (f) { body.append("evidence", f); });
          init = { method: "POST", body: body };
        }
      }
      modes[m].busy = true;
      button.disabled = true;
      form.setAttribute("aria-busy", "true");
      setStatus(comparing ? "Analysing both texts\u2026" : "Analysing\u2026", false);
      Promise.all([
        reach(comparing ? "/api/v1/compare" : "/api/v1/analyze?include_text=true", init).then(jsonOrError),
        loadTechniques(),
      ]).then(function (both) {
        if (modes[m].latest !== mine) return;  // a later request of this mode answers instead
        var data = both[0], list = both[1];
        if (comparing) {
          var langs = ["a", "b"].map(function (k) { return data && data[k] && typeof data[k] === "object" ? String(data[k].language || "") : ""; });
          settle(m, function () { renderCompare(result, data, list, tipNode, init.sent); }, "Done: both texts compared.", false, langs);
        } else {
          var n = passageCount(validSpans(data, typeof data.text === "string" ? data.text : ""));
          settle(m, function () { render(result, data, list, tipNode, source); },
            "Done: " + n + (n === 1 ? " passage" : " passages") + " found.", false, [String(data.language || "")]);
        }
        if (mode() === m) result.focus();
      }).catch(function (err) {
        if (modes[m].latest !== mine) return;
        settle(m, null, "Could not analyse: " + pageMessage(err, language), true);
      });
    });
    applyMode();
    loadTechniques().then(showScope).catch(function () {});
  }

  function boot() {
    var data = document.getElementById("unspin-data");
    if (data) {
      var payload = JSON.parse(data.textContent);
      var result = document.getElementById("unspin-result");
      var tip = document.getElementById("unspin-tip");
      if (payload.compare) renderCompare(result, payload.compare, payload.techniques, tip);
      else render(result, payload.document, payload.techniques, tip);
    } else {
      setupForm();
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
