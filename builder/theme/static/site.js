// What the theme does in the reader's browser; the page reads fine without it.
// - the theme toggle: light or dark, remembered; a choice equal to the system's is forgotten,
//   so the page follows the system again (the head's inline script applies it before paint);
// - figures with a dark rendering (<picture class="schemes">) follow the toggle, not only
//   the system: their sources' media queries are rewritten to match the chosen scheme;
// - a copy button on every code block, folded figure code included;
// - the table of contents: folded above the text on narrow screens, open beside it on wide
//   ones, the section being read marked in it;
// - the search box: Pagefind's, loaded when the page is idle;
// - citations: hovering or focusing one shows its reference (Escape hides it); without
//   script a citation is a link to its entry in the list.
(function () {
  "use strict";
  var root = document.documentElement;
  var systemDark = window.matchMedia("(prefers-color-scheme: dark)");

  function onChange(query, listener) {  // Safari before 14 knows only addListener
    if (query.addEventListener) query.addEventListener("change", listener);
    else if (query.addListener) query.addListener(listener);
  }

  function stored() {
    try { return localStorage.getItem("theme"); } catch (e) { return null; }
  }

  function remember(theme) {
    try {
      if (theme) localStorage.setItem("theme", theme); else localStorage.removeItem("theme");
    } catch (e) { /* storage refused (private mode): the choice lasts for this page */ }
  }

  function scheme() {
    var chosen = root.getAttribute("data-theme");
    if (chosen === "dark" || chosen === "light") return chosen;
    return systemDark.matches ? "dark" : "light";
  }

  // A <source media="(prefers-color-scheme: dark)"> shows while the system is dark; with a
  // scheme chosen on the page it must show exactly when that scheme is the one it draws.
  function updatePictures() {
    var chosen = root.getAttribute("data-theme");
    var sources = document.querySelectorAll("picture.schemes source[data-scheme]");
    for (var i = 0; i < sources.length; i++) {
      var source = sources[i];
      var own = source.getAttribute("data-scheme");
      var media = !chosen ? "(prefers-color-scheme: " + own + ")"
        : own === chosen ? "all" : "not all";
      if (source.getAttribute("media") !== media) source.setAttribute("media", media);
    }
  }

  function setTheme(theme) {
    if (theme) root.setAttribute("data-theme", theme); else root.removeAttribute("data-theme");
    updatePictures();
    var button = document.querySelector(".theme-toggle");
    if (button) button.setAttribute("aria-pressed", String(scheme() === "dark"));
  }

  function setUpToggle() {
    var button = document.querySelector(".theme-toggle");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var wanted = scheme() === "dark" ? "light" : "dark";
      var system = systemDark.matches ? "dark" : "light";
      var choice = wanted === system ? null : wanted;
      remember(choice);
      setTheme(choice);
    });
    onChange(systemDark, function () { setTheme(stored()); });
    window.addEventListener("storage", function (event) {  // a choice made in another tab
      if (event.key === "theme" || event.key === null) setTheme(stored());
    });
    setTheme(root.getAttribute("data-theme"));
  }

  var COPY = 'Copy<span class="visually-hidden"> code</span>';  // named "Copy code"
  var status;  // one polite live region says "Code copied" to screen readers

  function announce(text) {
    if (!status) {
      status = document.createElement("span");
      status.className = "visually-hidden copy-status";
      status.setAttribute("role", "status");
      document.body.appendChild(status);
    }
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // a page served over plain http to another machine (serve --host) has no Clipboard API
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var done = false;
      try { done = document.execCommand("copy"); } catch (e) { done = false; }
      document.body.removeChild(area);
      if (done) resolve(); else reject(new Error("copy refused"));
    });
  }

  function addCopyButtons() {
    var blocks = document.querySelectorAll(".post-body pre:not(.cell-output) > code");
    for (var i = 0; i < blocks.length; i++) {
      var code = blocks[i];
      var pre = code.parentNode;
      var holder = document.createElement("div");
      holder.className = "code-copy";
      pre.parentNode.insertBefore(holder, pre);
      holder.appendChild(pre);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button";
      button.innerHTML = COPY;
      holder.appendChild(button);
      button.addEventListener("click", copyHandler(code, button));
    }
  }

  function copyHandler(code, button) {
    var timer = 0;
    return function () {
      // innerText: the code as shown (line numbers are CSS, never copied)
      copyText(code.innerText.replace(/\n$/, "")).then(function () {
        button.textContent = "Copied";
        announce("Code copied");
      }, function () {
        button.textContent = "Press Ctrl+C";
        var range = document.createRange();
        range.selectNodeContents(code);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      });
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { button.innerHTML = COPY; }, 2000);
    };
  }

  function setUpContents() {
    var nav = document.querySelector(".toc");
    if (!nav) return;
    var details = nav.querySelector("details");
    var wide = window.matchMedia("(min-width: 80em)");
    function fold() { details.open = wide.matches; }
    fold();
    onChange(wide, fold);

    var links = nav.querySelectorAll("a[href^='#']");
    var targets = [];
    for (var i = 0; i < links.length; i++) {
      var target = document.getElementById(decodeURIComponent(links[i].hash.slice(1)));
      if (target) targets.push([target, links[i]]);
    }
    if (!targets.length) return;
    function mark() {  // the section being read: the last heading above a third of the window
      var current = null;
      var line = window.innerHeight / 3;
      for (var j = 0; j < targets.length; j++) {
        if (targets[j][0].getBoundingClientRect().top <= line) current = targets[j][1];
      }
      for (var k = 0; k < targets.length; k++) {
        if (targets[k][1] === current) targets[k][1].setAttribute("aria-current", "true");
        else targets[k][1].removeAttribute("aria-current");
      }
    }
    var queued = false;
    window.addEventListener("scroll", function () {  // once per frame at most
      if (queued) return;
      queued = true;
      window.requestAnimationFrame(function () { queued = false; mark(); });
    }, {passive: true});
    mark();
  }

  // A citation's reference, shown beside it on hover and on keyboard focus: one shared
  // tooltip, filled from the entry in the page's list (less its links back), described to
  // screen readers through aria-describedby while shown. The pointer may move onto it (to
  // follow a DOI) without it closing; Escape closes it (WCAG 1.4.13).
  function setUpCitations() {
    var links = document.querySelectorAll("a[role='doc-biblioref'][href^='#']");
    if (!links.length) return;
    var tip = document.createElement("div");
    tip.id = "citation-preview";
    tip.className = "citation-preview";
    tip.setAttribute("role", "tooltip");
    tip.hidden = true;
    document.body.appendChild(tip);
    var current = null;
    var timer = 0;

    function place(link) {
      var box = link.getBoundingClientRect();
      var room = document.documentElement.clientWidth;
      var left = Math.max(8, Math.min(box.left, room - tip.offsetWidth - 8));
      var top = box.bottom + 6;
      if (top + tip.offsetHeight > window.innerHeight && box.top > tip.offsetHeight + 12) {
        top = box.top - tip.offsetHeight - 6;  // no room below: above the citation
      }
      tip.style.left = (left + window.pageXOffset) + "px";
      tip.style.top = (top + window.pageYOffset) + "px";
    }

    function show(link) {
      var entry = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!entry) return;
      window.clearTimeout(timer);
      var copy = entry.cloneNode(true);
      var drop = copy.querySelectorAll(".citation-backref");
      for (var i = 0; i < drop.length; i++) drop[i].parentNode.removeChild(drop[i]);
      copy.removeAttribute("id");
      copy.removeAttribute("role");
      tip.innerHTML = "";
      tip.appendChild(copy);
      if (current && current !== link) current.removeAttribute("aria-describedby");
      current = link;
      link.setAttribute("aria-describedby", tip.id);
      tip.hidden = false;
      place(link);
    }

    function hide() {
      window.clearTimeout(timer);
      tip.hidden = true;
      if (current) current.removeAttribute("aria-describedby");
      current = null;
    }

    function hideSoon() {
      window.clearTimeout(timer);
      timer = window.setTimeout(hide, 300);
    }

    for (var i = 0; i < links.length; i++) {
      links[i].addEventListener("mouseenter", function (event) { show(event.currentTarget); });
      links[i].addEventListener("focus", function (event) { show(event.currentTarget); });
      links[i].addEventListener("mouseleave", hideSoon);
      links[i].addEventListener("blur", hide);
    }
    tip.addEventListener("mouseenter", function () { window.clearTimeout(timer); });
    tip.addEventListener("mouseleave", hideSoon);
    document.addEventListener("keydown", function (event) {
      if ((event.key === "Escape" || event.key === "Esc") && !tip.hidden) hide();
    });
  }

  // Pagefind's search box (its Component UI) and its style, fetched once the page is shown:
  // neither is needed for the first paint, and the index itself loads only as words are typed.
  function setUpSearch() {
    var box = document.querySelector(".site-search[data-bundle]");
    if (!box) return;
    var bundle = box.getAttribute("data-bundle");
    function load() {
      var style = document.createElement("link");
      style.rel = "stylesheet";
      style.href = bundle + "pagefind-component-ui.css";
      document.body.appendChild(style);  // not the head: the preview compares the head's
      var script = document.createElement("script");
      script.type = "module";
      script.src = bundle + "pagefind-component-ui.js";
      document.body.appendChild(script);
    }
    if ("requestIdleCallback" in window) window.requestIdleCallback(load, {timeout: 1500});
    else window.setTimeout(load, 200);
    // Pagefind's box names its field by a placeholder only: give it a name that stays.
    new MutationObserver(function () {
      var field = box.querySelector("input:not([aria-label])");
      if (field) field.setAttribute("aria-label", box.getAttribute("aria-label") || "Search");
    }).observe(box, {childList: true, subtree: true});
  }

  function start() {
    setUpSearch();
    setUpToggle();
    addCopyButtons();
    setUpContents();
    setUpCitations();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
