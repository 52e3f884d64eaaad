// The labeling page: turn a selection in the code (mouse or keyboard caret) into
// (start, end) offsets on the raw snippet text and post it, with a category, through
// htmx; change or remove spans; keyboard shortcuts; the task timer; line wrapping.
// The server validates and renders everything; this file never builds HTML.
(function () {
  "use strict";

  var WHITESPACE = /\s/;
  var WORD = /[\w@.\-]/;
  var current = null; // {start, end, text} of the last usable selection in the code
  var caret = null; // {anchor, focus} offsets of the keyboard caret, or null
  var focusedSpan = null; // index of the span whose highlight has the focus
  var refocus = null; // what to focus after the next swap: "code" or a span index

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return (root || document).querySelectorAll(selector); }
  function codeElement() { return $("[data-code]"); }

  // Characters of snippet text that come before a boundary point inside `code`.
  // Each line element carries its own offset, so only that line's text is counted.
  function offsetOf(code, node, offset) {
    var element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    var line = element && element.closest(".line");
    var base = 0;
    var range = document.createRange();
    if (line && code.contains(line)) {
      base = parseInt(line.dataset.offset, 10);
      range.setStart(line, 0);
    } else {
      range.setStart(code, 0);
    }
    range.setEnd(node, offset);
    return base + range.toString().length;
  }

  // The DOM point of a text offset: the inverse of offsetOf.
  function pointAt(code, offset) {
    var walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    var seen = 0, node, last = null;
    while ((node = walker.nextNode())) {
      if (offset <= seen + node.data.length) { return { node: node, offset: offset - seen }; }
      seen += node.data.length;
      last = node;
    }
    return last ? { node: last, offset: last.data.length } : { node: code, offset: 0 };
  }

  function rangeOf(code, start, end) {
    var range = document.createRange();
    var a = pointAt(code, start), b = pointAt(code, end);
    range.setStart(a.node, a.offset);
    range.setEnd(b.node, b.offset);
    return range;
  }

  function trimmed(text, start, end) {
    while (start < end && WHITESPACE.test(text.charAt(start))) { start += 1; }
    while (end > start && WHITESPACE.test(text.charAt(end - 1))) { end -= 1; }
    return start < end ? { start: start, end: end, text: text.slice(start, end) } : null;
  }

  // The selection clipped to the code and trimmed of surrounding whitespace, or null.
  function selectedOffsets() {
    var code = codeElement();
    var selection = window.getSelection();
    if (!code || !selection || selection.rangeCount === 0 || selection.isCollapsed) { return null; }
    var range = selection.getRangeAt(0);
    var whole = document.createRange();
    whole.selectNodeContents(code);
    if (range.compareBoundaryPoints(Range.END_TO_START, whole) >= 0 ||
        range.compareBoundaryPoints(Range.START_TO_END, whole) <= 0) {
      return null; // the selection lies entirely outside the code
    }
    var text = code.textContent;
    var start = range.compareBoundaryPoints(Range.START_TO_START, whole) <= 0
      ? 0 : offsetOf(code, range.startContainer, range.startOffset);
    var end = range.compareBoundaryPoints(Range.END_TO_END, whole) >= 0
      ? text.length : offsetOf(code, range.endContainer, range.endOffset);
    return trimmed(text, start, end);
  }

  function setStatus(message) {
    var status = $("[data-selection-status]");
    if (status) { status.textContent = message; }
  }

  function enableCategories(enabled) {
    $all("[data-span-form] [data-category]").forEach(function (b) { b.disabled = !enabled; });
  }

  function preview(text) {
    var flat = text.replace(/\s+/g, " ");
    return flat.length > 40 ? flat.slice(0, 37) + "..." : flat;
  }

  function idleStatus() {
    setStatus("Select code with the mouse or the keyboard, then pick a category.");
  }

  function onSelectionChange() {
    var offsets = selectedOffsets();
    if (offsets) {
      current = offsets;
      focusedSpan = null;
      enableCategories(true);
      setStatus("Selected \u201c" + preview(offsets.text) + "\u201d (" +
        (offsets.end - offsets.start) + " characters). Press 1\u20134 or A, or click a category.");
    } else if (focusedSpan !== null) {
      enableCategories(true);
    } else if (!document.activeElement || !document.activeElement.closest("[data-span-form]")) {
      // Keep the last selection while the user is busy in the form (choosing a context).
      current = null;
      enableCategories(false);
      idleStatus();
    }
  }

  // --- the keyboard caret --------------------------------------------------------
  function lineBounds(code, offset) {
    var lines = $all(".line", code), text = code.textContent;
    for (var i = lines.length - 1; i >= 0; i -= 1) {
      var start = parseInt(lines[i].dataset.offset, 10);
      if (start <= offset || i === 0) {
        var next = i + 1 < lines.length ? parseInt(lines[i + 1].dataset.offset, 10) : text.length;
        var end = text.charAt(next - 1) === "\n" ? next - 1 : next;
        return { index: i, start: start, end: end, lines: lines };
      }
    }
    return { index: 0, start: 0, end: text.length, lines: lines };
  }

  function moved(code, offset, key, byWord) {
    var text = code.textContent, here = lineBounds(code, offset);
    if (key === "ArrowLeft" || key === "ArrowRight") {
      var step = key === "ArrowLeft" ? -1 : 1;
      offset = Math.max(0, Math.min(text.length, offset + step));
      while (byWord && offset > 0 && offset < text.length && WORD.test(text.charAt(offset - (step < 0 ? 1 : 0)))) {
        offset += step;
      }
      return offset;
    }
    if (key === "Home") { return here.start; }
    if (key === "End") { return here.end; }
    var target = here.index + (key === "ArrowUp" ? -1 : 1);
    if (target < 0 || target >= here.lines.length) { return offset; }
    var there = lineBounds(code, parseInt(here.lines[target].dataset.offset, 10));
    return Math.min(there.start + (offset - here.start), there.end);
  }

  function nextWord(text, from, backwards) {
    var i = from;
    if (backwards) {
      while (i > 0 && !WORD.test(text.charAt(i - 1))) { i -= 1; }
      var end = i;
      while (i > 0 && WORD.test(text.charAt(i - 1))) { i -= 1; }
      return i < end ? { anchor: i, focus: end } : null;
    }
    while (i < text.length && !WORD.test(text.charAt(i))) { i += 1; }
    var start = i;
    while (i < text.length && WORD.test(text.charAt(i))) { i += 1; }
    return start < i ? { anchor: start, focus: i } : null;
  }

  function showCaret(code) {
    var selection = window.getSelection();
    var lo = Math.min(caret.anchor, caret.focus), hi = Math.max(caret.anchor, caret.focus);
    selection.removeAllRanges();
    if (lo < hi) { selection.addRange(rangeOf(code, lo, hi)); }
    if (window.CSS && CSS.highlights && window.Highlight) {
      var at = Math.min(caret.focus, code.textContent.length - 1);
      CSS.highlights.set("caret", new Highlight(rangeOf(code, Math.max(0, at), Math.max(0, at) + 1)));
    }
    if (lo === hi) { onSelectionChange(); }
  }

  function clearCaret() {
    caret = null;
    if (window.CSS && CSS.highlights) { CSS.highlights.delete("caret"); }
  }

  function onCodeKey(event, code) {
    var key = event.key, text = code.textContent;
    if (!caret) {
      var offsets = selectedOffsets();
      caret = offsets ? { anchor: offsets.start, focus: offsets.end } : { anchor: 0, focus: 0 };
    }
    if (key === "w" || key === "W") {
      var word = nextWord(text, event.shiftKey ? Math.min(caret.anchor, caret.focus) : Math.max(caret.anchor, caret.focus), event.shiftKey);
      if (word) { caret = word; }
    } else if (/^(Arrow(Left|Right|Up|Down)|Home|End)$/.test(key)) {
      var focus = moved(code, caret.focus, key, event.ctrlKey || event.altKey);
      caret = { anchor: event.shiftKey ? caret.anchor : focus, focus: focus };
    } else {
      return false;
    }
    event.preventDefault();
    showCaret(code);
    return true;
  }

  // --- actions ----------------------------------------------------------------------
  // A real submit event, sent by htmx. htmx takes over swapped-in forms only when the
  // swap settles (~20 ms later), so a key pressed sooner would have the browser post the
  // form the plain way and load a new page: process it now (htmx skips a form it already
  // has). Without htmx the plain post is the fallback.
  function send(form) {
    if (window.htmx) { window.htmx.process(form); }
    form.requestSubmit();
  }

  function contextValue() {
    var checked = $("[data-span-form] input[name=context]:checked");
    return checked ? checked.value : "real";
  }

  function applyCategory(category) {
    if (focusedSpan !== null && !selectedOffsets()) {
      var change = $('[data-change-form="' + focusedSpan + '"]');
      if (!change) { return; }
      $("[data-change-category]", change).value = category;
      $("[data-change-context]", change).value = contextValue();
      refocus = focusedSpan;
      send(change);
      return;
    }
    var form = $("[data-span-form]");
    var offsets = selectedOffsets() || current;
    if (!form || !offsets) { setStatus("Select some code first."); return; }
    form.querySelector('[data-field="start"]').value = String(offsets.start);
    form.querySelector('[data-field="end"]').value = String(offsets.end);
    form.querySelector('[data-field="category"]').value = category;
    current = null;
    clearCaret();
    refocus = "code";
    window.getSelection().removeAllRanges();
    send(form);
  }

  function removeFocused() {
    var form = focusedSpan === null ? null : $('[data-remove-form="' + focusedSpan + '"]');
    if (form) { refocus = "code"; send(form); }
  }

  function cycleContext() {
    var radios = $all("[data-span-form] input[name=context]");
    var order = ["real", "license", "placeholder"], now = order.indexOf(contextValue());
    var next = order[(now + 1) % order.length];
    radios.forEach(function (r) { r.checked = r.value === next; });
    setStatus("Context: " + next + ".");
  }

  function submitTask(noPii) {
    var form = $("[data-submit-form]");
    if (!form) { return; }
    var box = $("[data-no-pii]", form);
    if (box && noPii) { box.checked = true; }
    refocus = "code";
    send(form);
  }

  function toggleShortcuts(show) {
    var panel = $("[data-shortcuts]");
    if (panel) { panel.hidden = show === undefined ? !panel.hidden : !show; }
  }

  function openReport() {
    var report = $("[data-report]");
    if (report) { report.open = true; $("[data-report-problem]", report).focus(); }
  }

  var KEYS = {
    a: function () { applyCategory("AMBIGUOUS"); },
    c: cycleContext,
    n: function () { submitTask(true); },
    x: openReport,
    "?": function () { toggleShortcuts(); },
    Escape: function () { toggleShortcuts(false); },
    Delete: removeFocused,
    Backspace: removeFocused,
  };

  function onKeyDown(event) {
    var target = event.target;
    if (target.closest("input, textarea, select") || event.metaKey) { return; }
    var code = codeElement();
    if (code && target === code && !event.ctrlKey && onCodeKey(event, code)) { return; }
    if (code && target === code && event.ctrlKey && event.shiftKey && onCodeKey(event, code)) { return; }
    if (event.ctrlKey || event.altKey) { return; }
    var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (/^[1-9]$/.test(key)) {
      var buttons = $all("[data-span-form] [data-category]:not([data-category=AMBIGUOUS])");
      var button = buttons[parseInt(key, 10) - 1];
      if (button) { event.preventDefault(); applyCategory(button.dataset.category); }
      return;
    }
    if (key === "Enter") {
      if (target.closest("button, a, summary")) { return; }
      var next = $("[data-next]");
      event.preventDefault();
      if (next) { next.click(); } else { submitTask(false); }
      return;
    }
    if (KEYS[key]) { event.preventDefault(); KEYS[key](); }
  }

  function onFocusIn(event) {
    var mark = event.target.closest && event.target.closest("mark[data-span][tabindex]");
    if (mark) {
      focusedSpan = parseInt(mark.dataset.span, 10);
      clearCaret();
      enableCategories(true);
      setStatus("Span \u201c" + preview(mark.textContent) + "\u201d: press 1\u20134 or A to change it, Delete to remove it.");
    } else if (event.target.closest && !event.target.closest("[data-span-form]")) {
      focusedSpan = null;
      onSelectionChange();
    }
  }

  function onClick(event) {
    var button = event.target.closest("[data-span-form] [data-category]");
    if (button) { event.preventDefault(); applyCategory(button.dataset.category); return; }
    var wrap = event.target.closest("[data-wrap-toggle]");
    if (wrap) { setWrap(wrap.getAttribute("aria-pressed") !== "true"); return; }
    if (event.target.closest("[data-shortcuts-toggle]")) { toggleShortcuts(); }
  }

  // Keep the text selection alive when a category button is pressed.
  function onMouseDown(event) {
    if (event.target.closest("[data-span-form] [data-category]")) { event.preventDefault(); }
    else if (event.target.closest("[data-code]")) { clearCaret(); }
  }

  function setWrap(on) {
    var view = $("[data-code-view]"), toggle = $("[data-wrap-toggle]");
    if (!view || !toggle) { return; }
    view.classList.toggle("wrap", on);
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    try { window.localStorage.setItem("annotator.wrap", on ? "1" : "0"); } catch (e) { /* private mode */ }
  }

  function afterSwap() {
    var wrap = false;
    try { wrap = window.localStorage.getItem("annotator.wrap") === "1"; } catch (e) { /* private mode */ }
    setWrap(wrap);
    clearCaret();
    focusedSpan = null;
    startTimer();
    var again = refocus === null ? null
      : refocus === "code" ? codeElement() : $('mark[data-span="' + refocus + '"][tabindex]');
    refocus = null;
    (again || $("[data-next]") || codeElement() || document.body).focus();
    onSelectionChange();
  }

  var timerStarted = 0;
  function startTimer() { timerStarted = Date.now(); tick(); }
  function tick() {
    var timer = $("[data-timer]");
    if (!timer) { return; }
    var total = parseInt(timer.dataset.elapsed, 10) + Math.floor((Date.now() - timerStarted) / 1000);
    var seconds = total % 60;
    timer.textContent = Math.floor(total / 60) + ":" + (seconds < 10 ? "0" : "") + seconds;
  }

  document.addEventListener("selectionchange", onSelectionChange);
  document.addEventListener("mousedown", onMouseDown);
  document.addEventListener("click", onClick);
  document.addEventListener("keydown", onKeyDown);
  document.addEventListener("focusin", onFocusIn);
  document.body.addEventListener("htmx:afterSwap", afterSwap);
  window.setInterval(tick, 1000);
  afterSwap();
})();
