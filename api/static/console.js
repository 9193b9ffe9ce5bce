// Opens a cited source beside the answer and highlights exactly the quoted span.
// Document text is only ever inserted as text nodes: it is data, never markup.
"use strict";

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

// Each click bumps this; a response that arrives after a later click is dropped, so a slow fetch
// never overwrites the citation the agent asked for last.
let latestRequest = 0;

async function openCitation(n) {
  const item = document.getElementById("c-" + n);
  const pane = document.getElementById("doc");
  if (!item || !pane) return;
  const request = ++latestRequest;
  const answerId = pane.dataset.answer;
  const doc = item.dataset.doc;
  const url = "/console/data/sources/" + doc.split("/").map(encodeURIComponent).join("/") +
    "?answer_id=" + encodeURIComponent(answerId);
  pane.setAttribute("aria-busy", "true");
  pane.replaceChildren(el("p", "Loading source…", "hint"));
  const resp = await fetch(url, { credentials: "same-origin" });
  const src = resp.ok ? await resp.json() : null;
  if (request !== latestRequest) return;
  pane.replaceChildren();
  pane.removeAttribute("aria-busy");
  if (!src) { pane.append(el("p", "This source is not available to you.", "error")); return; }
  const start = Number(item.dataset.start), end = Number(item.dataset.end);
  const span = (src.spans || []).find((s) => s.n === Number(n));
  pane.append(el("h2", src.title || src.document_id));
  pane.append(el("p", src.source + " · version " + src.version, "meta"));
  if (span && span.stale) pane.append(el("p", "Stale: the source changed since this answer quoted it.", "badge stale"));
  const body = el("pre");
  body.id = "doc-text";
  if (src.full && src.text !== null) {
    const mark = el("mark", src.text.slice(start, end));
    mark.id = "highlight";
    mark.dataset.n = String(n);
    mark.tabIndex = -1;
    body.append(document.createTextNode(src.text.slice(0, start)), mark, document.createTextNode(src.text.slice(end)));
    pane.append(body);
    mark.scrollIntoView({ block: "center" });
  } else {
    pane.append(el("p", "You may see only the span that was cited to the user:", "hint"));
    const mark = el("mark", span ? span.quote : item.dataset.quote);
    mark.id = "highlight";
    mark.dataset.n = String(n);
    body.append(mark);
    pane.append(body);
  }
  pane.focus();
}

document.addEventListener("click", (event) => {
  const target = event.target.closest("button.cite");
  if (target) openCitation(target.dataset.n);
});
