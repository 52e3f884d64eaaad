// The labeling page: turn the mouse selection inside the code into (start, end)
// offsets on the raw snippet text and post it, with a category, through htmx.
// The server validates and renders everything; this file never builds HTML.
(function () {
  "use strict";

  var WHITESPACE = /\s/;
  var current = null; // {start, end} of the last usable selection in the code

  function codeElement() {
    return document.querySelector("[data-code]");
  }

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

  // The selection clipped to the code and trimmed of surrounding whitespace, or null.
  function selectedOffsets() {
    var code = codeElement();
    var selection = window.getSelection();
    if (!code || !selection || selection.rangeCount === 0 || selection.isCollapsed) {
      return null;
    }
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
    while (start < end && WHITESPACE.test(text.charAt(start))) { start += 1; }
    while (end > start && WHITESPACE.test(text.charAt(end - 1))) { end -= 1; }
    return start < end ? { start: start, end: end, text: text.slice(start, end) } : null;
  }

  function setStatus(message) {
    var status = document.querySelector("[data-selection-status]");
    if (status) { status.textContent = message; }
  }

  function enableCategories(enabled) {
    document.querySelectorAll("[data-span-form] [data-category]").forEach(function (button) {
      button.disabled = !enabled;
    });
  }

  function preview(text) {
    var flat = text.replace(/\s+/g, " ");
    return flat.length > 40 ? flat.slice(0, 37) + "..." : flat;
  }

  function onSelectionChange() {
    var offsets = selectedOffsets();
    if (offsets) {
      current = offsets;
      enableCategories(true);
      setStatus("Selected \u201c" + preview(offsets.text) + "\u201d (" +
        (offsets.end - offsets.start) + " characters). Pick a category.");
    } else if (!document.activeElement || !document.activeElement.closest("[data-span-form]")) {
      // Keep the last selection while the user is busy in the form (choosing a context).
      current = null;
      enableCategories(false);
      setStatus("Select code with the mouse, then pick a category.");
    }
  }

  function field(form, name) {
    return form.querySelector('[data-field="' + name + '"]');
  }

  function onCategoryClick(event) {
    var button = event.target.closest("[data-span-form] [data-category]");
    if (!button) { return; }
    event.preventDefault();
    var form = button.closest("[data-span-form]");
    var offsets = selectedOffsets() || current;
    if (!offsets) {
      setStatus("Select some code first.");
      return;
    }
    field(form, "start").value = String(offsets.start);
    field(form, "end").value = String(offsets.end);
    field(form, "category").value = button.dataset.category;
    current = null;
    window.getSelection().removeAllRanges();
    if (window.htmx) {
      window.htmx.trigger(form, "submit");
    } else {
      form.requestSubmit();
    }
  }

  // Keep the text selection alive when a category button is pressed.
  function onMouseDown(event) {
    if (event.target.closest("[data-span-form] [data-category]")) {
      event.preventDefault();
    }
  }

  document.addEventListener("selectionchange", onSelectionChange);
  document.addEventListener("mousedown", onMouseDown);
  document.addEventListener("click", onCategoryClick);
  // After a swap the buttons arrive disabled; re-check the selection.
  document.body.addEventListener("htmx:afterSwap", onSelectionChange);
})();
