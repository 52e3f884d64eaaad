// The validation page: keyboard answers on the crowd's spans, and a selection in the
// code turned into (start, end) offsets for a missed span. The server validates and
// renders everything; this file only checks radios, moves focus and fills two fields.
// Keys: J/K next/previous span, Y/R correct/wrong, F all found, M something missed,
// Enter submits.
(function () {
  "use strict";

  var WHITESPACE = /\s/;
  var focused = 0; // index of the focused review span, kept across htmx swaps

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-review-item]"));
  }

  function form() {
    return document.querySelector("[data-validate-form]");
  }

  function focusItem(index) {
    var list = items();
    if (!list.length) { return; }
    focused = Math.max(0, Math.min(index, list.length - 1));
    list.forEach(function (item, i) { item.classList.toggle("is-focused", i === focused); });
    document.querySelectorAll("[data-review]").forEach(function (mark) {
      mark.classList.toggle("is-focused", mark.dataset.review === String(focused));
    });
    list[focused].focus({ preventScroll: false });
  }

  function firstUnanswered() {
    var list = items();
    for (var i = 0; i < list.length; i += 1) {
      if (!list[i].querySelector("input:checked")) { return i; }
    }
    return Math.min(focused, list.length - 1);
  }

  function judge(verdict) {
    var item = items()[focused];
    var input = item && item.querySelector('[data-verdict="' + verdict + '"]');
    if (!input) { return; }
    input.checked = true;
    focusItem(focused + 1);
  }

  function answerFound(value) {
    var input = document.querySelector('[data-found="' + value + '"]');
    if (input) { input.checked = true; }
    if (value === "no") {
      var status = document.querySelector("[data-selection-status]");
      if (status) { status.scrollIntoView({ block: "nearest" }); }
    }
  }

  // Characters of snippet text before a boundary point inside the code element; each
  // line element carries its own offset, so only that line's text is counted.
  function offsetOf(code, node, offset) {
    var element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    var line = element && element.closest(".line");
    var range = document.createRange();
    var base = 0;
    if (line && code.contains(line)) {
      base = parseInt(line.dataset.offset, 10);
      range.setStart(line, 0);
    } else {
      range.setStart(code, 0);
    }
    range.setEnd(node, offset);
    return base + range.toString().length;
  }

  function selectedOffsets() {
    var code = document.querySelector("[data-code]");
    var selection = window.getSelection();
    if (!code || !selection || selection.rangeCount === 0 || selection.isCollapsed) {
      return null;
    }
    var range = selection.getRangeAt(0);
    if (!code.contains(range.startContainer) || !code.contains(range.endContainer)) {
      return null;
    }
    var text = code.textContent;
    var start = offsetOf(code, range.startContainer, range.startOffset);
    var end = offsetOf(code, range.endContainer, range.endOffset);
    while (start < end && WHITESPACE.test(text.charAt(start))) { start += 1; }
    while (end > start && WHITESPACE.test(text.charAt(end - 1))) { end -= 1; }
    return start < end ? { start: start, end: end, text: text.slice(start, end) } : null;
  }

  function onSelectionChange() {
    var button = document.querySelector("[data-add-missed]");
    if (!button) { return; }
    var offsets = selectedOffsets();
    if (!offsets) {
      if (!document.activeElement || !document.activeElement.closest(".missed-panel")) {
        button.disabled = true;
      }
      return;
    }
    document.querySelector('[data-field="start"]').value = offsets.start;
    document.querySelector('[data-field="end"]').value = offsets.end;
    button.disabled = false;
    var shown = offsets.text.replace(/\s+/g, " ");
    document.querySelector("[data-selection-status]").textContent =
      "Selected \u201c" + (shown.length > 40 ? shown.slice(0, 37) + "..." : shown) +
      "\u201d. Pick its category and add it.";
  }

  function typing(target) {
    return target && target.closest && target.closest("select, textarea, input[type=text]");
  }

  var KEYS = {
    j: function () { focusItem(focused + 1); },
    k: function () { focusItem(focused - 1); },
    y: function () { judge("accept"); },
    r: function () { judge("reject"); },
    f: function () { answerFound("yes"); },
    m: function () { answerFound("no"); }
  };

  function onKeyDown(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var target = form();
    if (!target) { return; }
    if (event.key === "Enter") {
      if (event.target.closest && event.target.closest("button, a, summary")) { return; }
      event.preventDefault();
      if (window.htmx) { window.htmx.process(target); } // as label.js's send
      target.requestSubmit(target.querySelector("[data-submit]"));
      return;
    }
    var action = KEYS[event.key.toLowerCase()];
    if (action) {
      event.preventDefault();
      action();
    }
  }

  function onClick(event) {
    var item = event.target.closest && event.target.closest("[data-review-item]");
    if (item) { focusItem(items().indexOf(item)); }
  }

  function setUp() {
    if (items().length) { focusItem(firstUnanswered()); }
  }

  document.addEventListener("keydown", onKeyDown);
  document.addEventListener("click", onClick);
  document.addEventListener("selectionchange", onSelectionChange);
  document.addEventListener("htmx:afterSettle", setUp);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
}());
