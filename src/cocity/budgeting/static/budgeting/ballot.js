// Live totals on the ballot page. Without JavaScript, "Check my ballot" shows the same totals.
(function () {
  "use strict";
  var form = document.getElementById("ballot");
  var out = document.getElementById("ballot-totals");
  var words = document.getElementById("ballot-text");
  if (!form || !out || !words) return;
  var kind = form.dataset.kind;
  var budget = parseInt(form.dataset.budget, 10);
  var max = parseInt(form.dataset.max, 10);
  var points = parseInt(form.dataset.points, 10);
  // amounts grouped as the server writes them (data-group is 1000 as the page shows it)
  var group = (words.dataset.group || "1,000").replace(/\d/g, "");
  // and with the currency where the server puts it (data-money is 1000 as money)
  var money = words.dataset.money || "1000";
  var fmt = {
    format: function (n) {
      var digits = String(n).replace(/\B(?=(\d{3})+(?!\d))/g, group);
      return money.replace(/1\D?000/, digits);
    },
  };
  function update() {
    var chosen = 0, cost = 0, used = 0;
    form.querySelectorAll("input[data-cost]").forEach(function (input) {
      var value = input.type === "checkbox" ? (input.checked ? 1 : 0) : parseInt(input.value || "0", 10) || 0;
      if (value > 0) {
        chosen += 1;
        cost += parseInt(input.dataset.cost, 10);
        used += value;
      }
    });
    var d = words.dataset;
    var text = chosen + " " + d.chosen + " · " + d.cost + " " + fmt.format(cost) + " " + d.of + " " + fmt.format(budget);
    var over = (kind === "knapsack" && cost > budget) || (kind === "approval" && max > 0 && chosen > max);
    if (kind === "cumulative") {
      text += " · " + used + " " + d.of + " " + points + " " + d.points;
      over = used > points;
    }
    if (over) text += " · " + d.over;
    out.textContent = text;
    out.classList.toggle("over", over);
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
