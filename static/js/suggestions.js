// The detector's suggestions on the labeling page (loaded only where the project shows
// them): S focuses the next suggestion in the code, Y accepts it, R rejects it. Accept,
// Edit and Reject are plain htmx forms rendered by the server; this file only finds the
// form of the focused suggestion and submits it, and after an Edit it puts the focus
// on the new span's category control. It never builds HTML.
(function () {
  "use strict";

  var MARKS = "[data-code] mark[data-suggestion][tabindex]";

  function $(selector, root) { return (root || document).querySelector(selector); }

  function focusedSuggestion() {
    var active = document.activeElement;
    var mark = active && active.closest && active.closest("mark[data-suggestion]");
    if (mark) { return mark.dataset.suggestion; }
    var item = active && active.closest && active.closest("[data-suggestion-item]");
    return item ? item.dataset.suggestionItem : null;
  }

  function setStatus(message) {
    var status = $("[data-selection-status]");
    if (status) { status.textContent = message; }
  }

  function focusNext() {
    var marks = Array.prototype.slice.call(document.querySelectorAll(MARKS));
    if (!marks.length) { setStatus("No suggestions left."); return; }
    var current = marks.indexOf(document.activeElement);
    var next = marks[(current + 1) % marks.length];
    window.getSelection().removeAllRanges();
    next.focus();
    next.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  function act(kind) {
    var id = focusedSuggestion();
    if (id === null) { setStatus("Press S to go to a suggestion first."); return; }
    var form = $("[data-suggestion-" + kind + '="' + id + '"]');
    if (!form) { return; }
    if (window.htmx) { window.htmx.process(form); } // as label.js's send: htmx, even before the swap settles
    form.requestSubmit();
  }

  var KEYS = { s: focusNext, y: function () { act("accept"); }, r: function () { act("reject"); } };

  function onKeyDown(event) {
    var target = event.target;
    if (target.closest("input, textarea, select") || event.metaKey || event.ctrlKey || event.altKey) {
      return;
    }
    var action = KEYS[event.key.length === 1 ? event.key.toLowerCase() : ""];
    if (action) { event.preventDefault(); action(); }
  }

  function onFocusIn(event) {
    var mark = event.target.closest && event.target.closest("mark[data-suggestion]");
    if (!mark) { return; }
    var item = $('[data-suggestion-item="' + mark.dataset.suggestion + '"]');
    var text = mark.textContent.replace(/\s+/g, " ");
    setStatus("Suggested " + (item ? $(".chip", item).textContent : "") + " \u201c" +
      (text.length > 40 ? text.slice(0, 37) + "..." : text) +
      "\u201d: Y to accept, R to reject, S for the next one.");
  }

  // After an Edit the new span's category control takes the focus (label.js focused the
  // code first: this listener was added after its own).
  function afterSwap() {
    var edit = $("[data-edit-focus]");
    if (edit) { edit.focus(); }
  }

  document.addEventListener("keydown", onKeyDown);
  document.addEventListener("focusin", onFocusIn);
  document.body.addEventListener("htmx:afterSwap", afterSwap);
})();
