/**
 * The page's only script, served at `/a/live.js` (the policy allows scripts from the page's own origin only, none
 * inline). It follows the feed with EventSource and applies each PageUpdate (live-render.ts) in place: HTML the
 * worker sanitised goes in as HTML, the unfinished tail only ever as text. Where EventSource is missing, or the feed
 * is gone for good, it reloads the page every few seconds instead; once the answer is done it stops.
 *
 * Plain ES5 in a string: it runs as it is in old in-app browsers, and the bundler never rewrites it.
 */
export const LIVE_SCRIPT = `(function () {
  "use strict";
  var answer = document.getElementById("answer");
  if (!answer || answer.getAttribute("data-done") === "true") return;
  var body = document.getElementById("answer-body");
  var tail = document.getElementById("answer-tail");
  var gallery = document.getElementById("answer-gallery");
  var status = document.getElementById("status");
  var reloadLater = function () { setTimeout(function () { location.reload(); }, 5000); };
  if (typeof window.EventSource !== "function") { reloadLater(); return; }
  var source = new EventSource(answer.getAttribute("data-events"));
  var apply = function (update) {
    if (typeof update.html === "string") body.innerHTML = update.html;
    if (typeof update.add === "string") body.insertAdjacentHTML("beforeend", update.add);
    if (update.resetTail === true) tail.textContent = "";
    if (typeof update.tail === "string" && update.tail !== "") tail.appendChild(document.createTextNode(update.tail));
    if (typeof update.gallery === "string") gallery.innerHTML = update.gallery;
    if (update.done === true) {
      source.close();
      answer.setAttribute("data-done", "true");
      if (status) {
        status.textContent = status.getAttribute("data-complete") || "";
        status.className = "status done";
      }
    }
  };
  source.onmessage = function (event) {
    var update;
    try { update = JSON.parse(event.data); } catch (error) { return; }
    if (update && typeof update === "object") apply(update);
  };
  source.onerror = function () {
    // CONNECTING: EventSource retries by itself. CLOSED: the feed refused us (e.g. the answer expired).
    if (source.readyState === 2 && answer.getAttribute("data-done") !== "true") reloadLater();
  };
})();
`;
