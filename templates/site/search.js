// The search box of the Daily Papers site: runs in the browser over search.json, no server.
// Every value from the index reaches the page through textContent or a URL built from the
// arXiv id, never as HTML, so a hostile title stays text.
"use strict";
(function () {
  const script = document.currentScript;
  const base = new URL(".", script ? script.src : document.baseURI);
  const MAX_SHOWN = 50;
  const SNIPPET = 300;
  let index = null;
  let loading = null;

  function load() {
    if (!loading) {
      loading = fetch(new URL("search.json", base))
        .then(function (response) {
          if (!response.ok) {
            throw new Error("search.json: HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          data.papers.forEach(function (paper) {
            const names = paper.k.map(function (k) { return data.keywords[k][0]; });
            paper.text = [paper.id, paper.t, paper.a, paper.s, names.join(" ")]
              .join(" ").toLowerCase();
          });
          index = data;
          return data;
        });
    }
    return loading;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function card(paper) {
    const item = element("li", "paper");
    const heading = element("h3", "title");
    const link = element("a", null, paper.t);
    link.href = "https://arxiv.org/abs/" + paper.id + "v" + paper.v;
    heading.appendChild(link);
    item.appendChild(heading);
    item.appendChild(element("p", "meta", paper.d + " \u00b7 arXiv:" + paper.id + "v" + paper.v));
    item.appendChild(element("p", "authors", paper.a));
    const abstract = paper.s.length > SNIPPET ? paper.s.slice(0, SNIPPET) + "\u2026" : paper.s;
    const body = element("div", "abstract");
    body.appendChild(element("p", null, abstract));
    item.appendChild(body);
    if (paper.k.length) {
      const tags = element("ul", "tags");
      paper.k.forEach(function (k) {
        const entry = element("li");
        const tag = element("a", null, index.keywords[k][0]);
        tag.href = new URL("keywords/" + encodeURIComponent(index.keywords[k][1]) + ".html",
          base).href;
        entry.appendChild(tag);
        tags.appendChild(entry);
      });
      item.appendChild(tags);
    }
    return item;
  }

  function show(query, status, results) {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    results.replaceChildren();
    if (!words.length) {
      status.textContent = "";
      return;
    }
    const found = index.papers.filter(function (paper) {
      return words.every(function (word) { return paper.text.includes(word); });
    });
    const shown = found.slice(0, MAX_SHOWN);
    status.textContent = found.length === 0 ? "No paper matches."
      : found.length + (found.length === 1 ? " paper matches" : " papers match")
        + (found.length > shown.length ? "; the newest " + shown.length + " are shown." : ".");
    shown.forEach(function (paper) { results.appendChild(card(paper)); });
  }

  function start() {
    const box = document.getElementById("search");
    const input = document.getElementById("search-input");
    const status = document.getElementById("search-status");
    const results = document.getElementById("search-results");
    if (!box || !input || !status || !results) {
      return;
    }
    box.hidden = false;
    function update() {
      load().then(function () {
        show(input.value, status, results);
      }, function (error) {
        status.textContent = "The search index could not be loaded (" + error.message + ").";
      });
    }
    input.addEventListener("focus", function () { load().catch(function () {}); });
    input.addEventListener("input", update);
    if (input.value) {
      update();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
