// Live reload for `build-site serve`: injected into served pages only, never into site/.
(() => {
  const me = document.currentScript;
  let build = Number(me.dataset.build);
  let source = null;

  function sitePath(pathname) {
    const path = decodeURIComponent(pathname).replace(/^\/+/, "");
    return path === "" || path.endsWith("/") ? path + "index.html" : path;
  }

  function overlay(error) {
    let box = document.getElementById("build-site-error");
    if (!error) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "build-site-error";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;" +
        "z-index:2147483647;background:#2b0d0f;color:#ffd7d7;border-top:4px solid #e5484d;" +
        "font:13px/1.5 ui-monospace,monospace;padding:12px 16px;white-space:pre-wrap;margin:0";
      document.body.appendChild(box);
    }
    box.textContent = "build-site: the last build failed; showing the last good page.\n\n" + error;
  }

  // Each block of the page as the server sent it, before MathJax changed it: an update
  // replaces only the blocks whose HTML changed and typesets only those.
  const container = () => document.querySelector(".post-body") || document.querySelector("main");
  let pristine = container() ? [...container().children].map((e) => e.outerHTML) : [];

  async function patch(fresh) {
    const old = container();
    const incoming = fresh.querySelector(".post-body") || fresh.querySelector("main");
    if (!old || !incoming || old.tagName !== incoming.tagName) return false;
    const next = [...incoming.children];
    const html = next.map((e) => e.outerHTML);
    let start = 0;
    while (start < html.length && start < pristine.length && html[start] === pristine[start]) start++;
    let end = 0;
    while (end < html.length - start && end < pristine.length - start &&
           html[html.length - 1 - end] === pristine[pristine.length - 1 - end]) end++;
    // Numbered equations and labels span the page: MathJax numbers them in one pass, so a
    // change anywhere re-typesets the whole body with the numbering reset (else an edit
    // would go on from (3) where the page had (1), and a \ref would lose its \label).
    const numbered = NUMBERED.test(html.join(""));
    if (numbered && start < html.length) { start = 0; end = 0; }
    const current = [...old.children];
    const removed = current.slice(start, current.length - end);
    const added = next.slice(start, next.length - end).map((e) => document.importNode(e, true));
    const anchor = current[current.length - end] || null;
    for (const node of removed) node.remove();
    for (const node of added) old.insertBefore(node, anchor);
    pristine = html;
    // everything outside the body (title, dates, tags, navigation) is small: swap it whole
    for (const selector of ["header", ".post-nav"]) {
      const a = document.querySelector(`main ${selector}`), b = fresh.querySelector(`main ${selector}`);
      if (a && b && a.outerHTML !== b.outerHTML) a.replaceWith(document.importNode(b, true));
    }
    versionImages(old);
    if (added.length) await typeset(added, numbered);
    return true;
  }

  const NUMBERED = /\\(label|eqref|ref|tag)\{|\\begin\{(equation|align|alignat|gather|multline|flalign|eqnarray)\}/;

  async function typeset(nodes, reset) {
    if (!window.MathJax || !MathJax.typesetPromise) return;
    if (reset && MathJax.texReset) {
      MathJax.typesetClear();
      MathJax.texReset();
    }
    await MathJax.typesetPromise(nodes);
  }

  // Images a build changed keep their new version in this page whatever later replaces
  // their element (a caption edit patches the figure): the browser would otherwise show the
  // image it cached for the plain URL, the old one.
  const versions = new Map();

  function versionImages(root) {
    const here = sitePath(location.pathname).replace(/[^/]*$/, "");
    // a <picture>'s sources too (an animation's player file, a dark rendering): one URL each
    for (const element of root.querySelectorAll("img[src], picture source[srcset]")) {
      const attribute = element.tagName === "IMG" ? "src" : "srcset";
      const url = new URL(element.getAttribute(attribute), location.href);
      if (url.origin !== location.origin) continue;
      const path = sitePath(url.pathname);
      const version = versions.get(path) ?? versions.get(here + path);
      if (version !== undefined && url.searchParams.get("build") !== String(version)) {
        url.searchParams.set("build", String(version));
        element.setAttribute(attribute, url.pathname + url.search);
      }
    }
  }

  async function refreshPage() {
    const response = await fetch(location.href, {cache: "no-store"});
    const html = await response.text();
    const fresh = new DOMParser().parseFromString(html, "text/html");
    const oldHead = [...document.head.querySelectorAll("link[rel=stylesheet],script[src]")]
      .map((e) => e.outerHTML).join();
    const newHead = [...fresh.head.querySelectorAll("link[rel=stylesheet],script[src]")]
      .map((e) => e.outerHTML).join();
    if (oldHead !== newHead || !document.querySelector("main") || !fresh.querySelector("main")) {
      sessionStorage.setItem("build-site-scroll", String(window.scrollY));
      location.reload();
      return;
    }
    document.title = fresh.title;
    if (!(await patch(fresh))) {
      document.querySelector("main").replaceWith(document.importNode(fresh.querySelector("main"), true));
      pristine = container() ? [...container().children].map((e) => e.outerHTML) : [];
      versionImages(document);
      await typeset([document.querySelector("main")], true);
    }
    document.dispatchEvent(new CustomEvent("build-site:updated"));
  }

  function swapImages(changed) {
    for (const path of changed) versions.set(path, build);
    versionImages(document);
  }

  async function handle(message) {
    overlay(message.error);
    if (message.build === build) return;
    // Builds this page did not hear about (it loaded or reconnected since): refresh it.
    const missed = message.build !== build + 1;
    build = message.build;
    const changed = message.changed || [];
    const page = sitePath(location.pathname);
    if (changed.some((p) => p.endsWith(".css") || p.endsWith(".js"))) {
      sessionStorage.setItem("build-site-scroll", String(window.scrollY));
      location.reload();
    } else if (missed || changed.length === 0 || changed.includes(page) || message.everything) {
      await refreshPage();
      swapImages(changed);
    } else {
      swapImages(changed);
    }
  }

  let handling = Promise.resolve();

  function connect() {
    if (source) return;
    source = new EventSource("/__build-site/events");
    // One message at a time, in order: two refreshes in flight could land out of order
    // (the later build's page first, the earlier one's over it), leaving a burst of saves
    // showing the last but one.
    source.onmessage = (event) => {
      const message = JSON.parse(event.data);
      handling = handling.then(() => handle(message)).catch((error) => console.error(error));
    };
  }
  function disconnect() { if (source) { source.close(); source = null; } }

  // Hidden tabs let go of their connection, so many open tabs never starve the server.
  document.addEventListener("visibilitychange", () => (document.hidden ? disconnect() : connect()));
  const scroll = sessionStorage.getItem("build-site-scroll");
  if (scroll !== null) {
    sessionStorage.removeItem("build-site-scroll");
    window.scrollTo(0, Number(scroll));
  }
  overlay(me.dataset.error || null);  // a page loaded while the last build is broken
  if (!document.hidden) connect();
})();
