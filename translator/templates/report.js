// Search and filters of report.html: hide the rows of object tables that match neither.
// The query string gives the starting values (?q=text&status=lossy&kind=Deployment&ns=shop),
// so a filtered view can be linked to; changing a filter writes them back.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var fields = { q: form.elements.q, status: form.elements.status, kind: form.elements.kind,
                 ns: form.elements.ns };
  var rows = Array.prototype.slice.call(document.querySelectorAll("main tbody tr"));
  var shown = document.getElementById("shown");
  var params = new URLSearchParams(window.location.search);
  Object.keys(fields).forEach(function (name) {
    if (params.has(name)) { fields[name].value = params.get(name); }
  });

  function has(list, value) { return !value || (list || "").split(" ").indexOf(value) >= 0; }

  function apply() {
    var text = fields.q.value.trim().toLowerCase();
    var status = fields.status.value, kind = fields.kind.value, ns = fields.ns.value;
    var filtering = status || kind || ns, visible = 0;
    rows.forEach(function (row) {
      var keyed = row.hasAttribute("data-kind");
      var match = (!text || row.textContent.toLowerCase().indexOf(text) >= 0) &&
        (!filtering || (keyed && has(row.getAttribute("data-status"), status) &&
                        row.getAttribute("data-kind") === (kind || row.getAttribute("data-kind")) &&
                        has(row.getAttribute("data-ns"), ns)));
      row.hidden = !match;
      if (match) { visible += 1; }
    });
    Array.prototype.forEach.call(document.querySelectorAll("main section"), function (section) {
      var body = section.querySelectorAll("tbody tr");
      section.hidden = body.length > 0 &&
        section.querySelectorAll("tbody tr:not([hidden])").length === 0;
    });
    shown.textContent = visible + " of " + rows.length + " rows";
    var query = new URLSearchParams();
    Object.keys(fields).forEach(function (name) {
      if (fields[name].value) { query.set(name, fields[name].value); }
    });
    var search = query.toString();
    if (search !== window.location.search.replace(/^\?/, "")) {
      try {
        history.replaceState(null, "", search ? "?" + search : window.location.pathname);
      } catch (e) { /* file: pages may refuse it; the filter still applies */ }
    }
  }

  form.addEventListener("input", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  apply();
})();
