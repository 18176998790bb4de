// Sorts a table.sortable by the column whose heading button is clicked; numbers by value, text by
// the Chinese collation. Cells carry their sort key in data-value.
(function () {
  "use strict";
  var collator = new Intl.Collator("zh-CN", { numeric: true });

  function key(row, index, numeric) {
    var cell = row.cells[index];
    var value = cell ? (cell.getAttribute("data-value") || "") : "";
    if (!numeric) return value;
    var n = parseFloat(value);
    return isNaN(n) ? -Infinity : n;
  }

  function sortBy(table, th) {
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.getAttribute("data-sort") === "number";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a, index, numeric), y = key(b, index, numeric);
      var order = numeric ? (x < y ? -1 : x > y ? 1 : 0) : collator.compare(x, y);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll("th[aria-sort]").forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("table.sortable th[data-sort] button");
    if (!button) return;
    var th = button.closest("th");
    sortBy(th.closest("table"), th);
  });
})();
