// Times in the reader's zone: the server writes UTC into <time datetime>, this rewrites the text with the
// browser's locale and zone, and keeps the exact UTC instant in the title. Nothing else runs here.
(function () {
  "use strict";
  var format = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
  });
  var relative = typeof Intl.RelativeTimeFormat === "function" ? new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }) : null;
  function ago(date) {
    var seconds = (date.getTime() - Date.now()) / 1000;
    var units = [["day", 86400], ["hour", 3600], ["minute", 60]];
    for (var i = 0; i < units.length; i++) {
      if (Math.abs(seconds) >= units[i][1]) { return relative.format(Math.round(seconds / units[i][1]), units[i][0]); }
    }
    return relative.format(Math.round(seconds), "second");
  }
  function localise(root) {
    var times = root.querySelectorAll("time[datetime]");
    for (var i = 0; i < times.length; i++) {
      var node = times[i];
      var date = new Date(node.getAttribute("datetime"));
      if (isNaN(date.getTime())) { continue; }
      node.title = date.toISOString();
      node.textContent = node.hasAttribute("data-relative") && relative ? ago(date) : format.format(date);
    }
  }
  document.addEventListener("DOMContentLoaded", function () { localise(document); });
  window.orchestrateLocalise = localise;
})();
