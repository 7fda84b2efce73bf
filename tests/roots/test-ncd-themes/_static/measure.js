window.addEventListener("load", function () {
  var out = [];
  document.querySelectorAll("div.ncd").forEach(function (box) {
    var drawing = box.querySelector("svg, img");
    var r = drawing.getBoundingClientRect();
    out.push({cls: box.className, boxHeight: box.clientHeight, boxScroll: box.scrollHeight,
              boxWidth: box.clientWidth, boxScrollWidth: box.scrollWidth,
              x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height});
  });
  document.body.setAttribute("data-ncd-measure", JSON.stringify(out));
});
