// A survey page inside an iframe of an allowed site: tell the page around it how tall this page is, so the iframe
// grows with the questions (the snippet the console shows listens). The message goes only to the origins the
// survey allows (data-origins): postMessage drops it when the framing page is of another origin.
(function () {
  "use strict";
  if (window.parent === window) {
    return;
  }
  var script = document.currentScript;
  var origins = (script && script.getAttribute("data-origins") || "").split(" ").filter(Boolean);
  var last = 0;
  function send() {
    var height = Math.ceil(document.documentElement.scrollHeight);
    if (height === last) {
      return;
    }
    last = height;
    origins.forEach(function (origin) {
      window.parent.postMessage({manyi: "height", height: height}, origin);
    });
  }
  window.addEventListener("load", send);
  if (window.ResizeObserver) {
    new ResizeObserver(send).observe(document.body);
  }
  send();
}());
