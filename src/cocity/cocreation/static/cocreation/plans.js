// Selecting words in a plan's section fills the passage fields of the comment and amendment
// forms (the passage and where it starts in the section's text). Without this script, the
// reader pastes the passage into the field; the server finds where it starts.
(function () {
  "use strict";
  var text = document.getElementById("section-text");
  if (!text) return;
  function capture() {
    var sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return;
    var range = sel.getRangeAt(0);
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) return;
    var before = document.createRange();
    before.selectNodeContents(text);
    before.setEnd(range.startContainer, range.startOffset);
    var passage = range.toString();
    var start = before.toString().length;
    // the section's text is shown with its surrounding spaces trimmed, as it is stored
    var trimmed = passage.replace(/^\s+/, "");
    start += passage.length - trimmed.length;
    passage = trimmed.replace(/\s+$/, "");
    if (!passage) return;
    document.querySelectorAll(".quote-form").forEach(function (form) {
      var q = form.querySelector(".plan-quote");
      var s = form.querySelector(".plan-quote-start");
      if (q) q.value = passage;
      if (s) s.value = String(start);
    });
  }
  text.addEventListener("mouseup", capture);
  text.addEventListener("keyup", capture);
  text.addEventListener("touchend", capture);
})();
