// Charts of the dashboard page (templates/dashboard/dashboard.html).
// The figures come from json_script blocks; nothing here computes a figure.
(function () {
  "use strict";

  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  var data = read("dashboard-data");
  var text = read("dashboard-text");
  if (!data || !text || typeof Chart === "undefined") {
    return;
  }
  var brand = "#0b5d4b";
  var accent = "#b02a37";
  var blue = "#0a58ca";
  Chart.defaults.font.size = 14;
  Chart.defaults.color = "#212529";

  function targetLine(label, value, count) {
    var points = [];
    for (var i = 0; i < count; i += 1) {
      points.push(value);
    }
    return {
      type: "line",
      label: label,
      data: points,
      borderColor: accent,
      borderDash: [6, 4],
      pointRadius: 0,
      fill: false,
    };
  }

  function bars(id, label, values, target) {
    var canvas = document.getElementById(id);
    if (!canvas) {
      return;
    }
    var datasets = [{ type: "bar", label: label, data: values, backgroundColor: brand }];
    if (target !== null) {
      datasets.push(targetLine(text.target, target, values.length));
    }
    new Chart(canvas, {
      data: { labels: data.labels, datasets: datasets },
      options: {
        maintainAspectRatio: false,
        animation: false,
        // Room above the target line, so it never sits on the chart's edge.
        scales: { y: { beginAtZero: true, suggestedMax: target === null ? undefined : target * 1.25 } },
      },
    });
  }

  function weekly() {
    var canvas = document.getElementById("chart-weekly");
    if (!canvas) {
      return;
    }
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.weeks,
        datasets: [
          { label: text.requests, data: data.requests, borderColor: blue, spanGaps: true },
          { label: text.visits, data: data.visits, borderColor: brand, spanGaps: true },
          {
            label: text.rating,
            data: data.ratings,
            borderColor: accent,
            yAxisID: "rating",
            spanGaps: true,
          },
        ],
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: {
          y: { beginAtZero: true, title: { display: true, text: text.count } },
          rating: {
            position: "right",
            min: 0,
            max: 5,
            grid: { drawOnChartArea: false },
            title: { display: true, text: text.rating },
          },
        },
      },
    });
  }

  // Unmet demand per service type, one stacked segment per reason (reporting/dashboards.py).
  function unmet() {
    var canvas = document.getElementById("chart-unmet");
    if (!canvas || !data.unmet || !data.unmet.labels.length) {
      return;
    }
    var colours = ["#b02a37", "#fd7e14", "#6f42c1", "#0a58ca", "#0b5d4b", "#6c757d"];
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.unmet.labels,
        datasets: data.unmet.reasons.map(function (reason, i) {
          return {
            label: reason.label,
            data: reason.values,
            backgroundColor: colours[i % colours.length],
          };
        }),
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: true, beginAtZero: true, title: { display: true, text: text.count } },
          y: { stacked: true },
        },
      },
    });
  }

  bars("chart-workers", text.workers, data.workers, data.workerTarget);
  bars("chart-facility", text.facility, data.facility, data.facilityTarget);
  weekly();
  unmet();
})();
