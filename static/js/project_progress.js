// The progress chart of a contract (templates/projects/contract_detail.html).
// Figures come from the json_script block; nothing here computes a figure.
(function () {
  "use strict";
  var node = document.getElementById("progress-data");
  var canvas = document.getElementById("chart-progress");
  if (!node || !canvas || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(node.textContent);
  var legend = data.legend;
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: legend[0], data: data.target, backgroundColor: "#adb5bd" },
        { label: legend[1], data: data.delivered, backgroundColor: "#0b5d4b" },
        { label: legend[2], data: data.expected, backgroundColor: "#0a58ca" },
        { label: legend[3], data: data.forecast, backgroundColor: "#b02a37" },
      ],
    },
    options: { responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
  });
})();
